"""Rows that break a rule of their own, each with its reason in plain English.

Every function here takes one table (a DataFrame with a ``_row`` column: the 0-based
position of the row in the source) and returns a frame of REJECT_SCHEMA: one line per
(row, fault), ``reason`` naming the value and ``problem`` the same fault without it (for
summaries). Row rules come from the pandera models (schemas.tables); keys, references
and the offender manager rule are computed here with polars.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandera.errors
import pandera.polars as pa
import polars as pl
from pandera.config import ValidationDepth, config_context

from auditor.errors import ExtractError
from schemas import codes, table_spec
from schemas.tables import MODELS

ROW = "_row"
REJECT_SCHEMA = {
    ROW: pl.get_index_type(),
    "column": pl.String,
    "reason": pl.String,
    "problem": pl.String,
}

PATTERNS = {
    codes.CRN_PATTERN: "one letter then six digits",
    codes.STAFF_CODE_PATTERN: "7 characters",
    codes.TEAM_CODE_PATTERN: "6 characters",
    codes.PROVIDER_CODE_PATTERN: "3 characters",
}
REFERENCE_NOUNS = {"register_types": "register type", "contact_types": "contact type"}


def no_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_SCHEMA)


def _rejects(
    frame: pl.DataFrame, column: str | None, reason: pl.Expr, problem: str | pl.Expr
) -> pl.DataFrame:
    return frame.select(
        pl.col(ROW).cast(pl.get_index_type()),
        pl.lit(column, pl.String).alias("column"),
        reason.alias("reason"),
        (pl.lit(problem) if isinstance(problem, str) else problem).alias("problem"),
    )


def shown(column: str, dtype: pl.DataType, value: pl.Expr | None = None) -> pl.Expr:
    """A value as a reason shows it: text in quotes, numbers and dates bare."""
    text = (pl.col(column) if value is None else value).cast(pl.String)
    return pl.concat_str(pl.lit("'"), text, pl.lit("'")) if dtype == pl.String else text


def key_text(key: Sequence[str]) -> pl.Expr:
    """The key of a row as text, e.g. ``crn=X123456``."""
    parts = [
        pl.concat_str(pl.lit(f"{k}="), pl.col(k).cast(pl.String).fill_null("(empty)")) for k in key
    ]
    return pl.concat_str(parts, separator=", ")


# --- row rules: the pandera models -------------------------------------------------------


def rule_rejects(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Nulls, code lists, formats and ranges, as the table's pandera model states them."""
    model = MODELS[table]
    try:
        with config_context(
            validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA
        ):
            model.validate(frame.drop(ROW), lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return no_rejects()
    _stop_on_structure(table, cases)
    schema = model.to_schema()
    found = [
        _case_rejects(frame, group, column, check, schema)
        for (column, check), group in cases.group_by("column", "check", maintain_order=True)
    ]
    return pl.concat(found) if found else no_rejects()


def _stop_on_structure(table: str, cases: pl.DataFrame) -> None:
    """Failures without a row (a wrong dtype, a missing column) are not row rejects."""
    structural = cases.filter(pl.col("index").is_null())
    if structural.is_empty():
        return
    faults = "; ".join(
        f"column {c['column']}: {c['check']} failed ({c['failure_case']})"
        for c in structural.iter_rows(named=True)
    )
    raise ExtractError(f"table {table} does not have the contract's shape: {faults}.")


def _case_rejects(
    frame: pl.DataFrame, cases: pl.DataFrame, column: Any, check: Any, schema: pa.DataFrameSchema
) -> pl.DataFrame:
    rows = frame.select(ROW, column).join(
        cases.select(pl.col("index").cast(pl.get_index_type()).alias(ROW)), on=ROW, how="semi"
    )
    dtype = frame.schema[column]
    if check == "not_nullable":
        text = f"{column} is empty but the contract requires a value"
        return _rejects(rows, column, pl.lit(text), text)
    rule = next((c for c in schema.columns[column].checks if c.error == check), None)
    name, stats = (rule.name, rule.statistics) if rule is not None else (str(check), {})
    verdict = _verdict(name, stats)
    reason = pl.concat_str(pl.lit(f"{column} "), shown(column, dtype), pl.lit(f" {verdict}"))
    return _rejects(rows, column, reason, f"{column} {verdict}")


def _verdict(check: str, stats: dict[str, Any]) -> str:
    """What is wrong with a value that failed a pandera check, in plain English."""
    if check == "str_matches":
        pattern = stats["pattern"]
        return f"is not {PATTERNS.get(pattern, f'in the form {pattern}')}"
    if check == "isin":
        return f"is not one of {', '.join(map(str, stats['allowed_values']))}"
    if check == "greater_than_or_equal_to":
        return f"is less than {stats['min_value']}"
    if check == "less_than_or_equal_to":
        return f"is more than {stats['max_value']}"
    if check == "greater_than":
        return f"is not more than {stats['min_value']}"
    if check == "less_than":
        return f"is not less than {stats['max_value']}"
    return f"fails the contract's check {check}"


# --- keys --------------------------------------------------------------------------------


def duplicate_rejects(frame: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame:
    """Every row whose key another row also has (rows with an empty key part excluded)."""
    if len(key) == 1 and _strictly_increasing(frame[key[0]]):
        return no_rejects()  # the common case, found without hashing every key
    keyed = frame.select(ROW, *key).filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key))
    same = pl.col(key[0]) if len(key) == 1 else pl.struct(key)
    doubles = keyed.filter(same.is_duplicated())
    if doubles.is_empty():
        return no_rejects()
    rows = doubles.with_columns(others=pl.col(ROW).implode().over(key))
    rows = rows.with_columns(pl.col("others").list.set_difference(pl.concat_list(ROW)).list.sort())
    numbers = (
        (pl.col("others").list.eval(pl.element() + 1)).cast(pl.List(pl.String)).list.join(", ")
    )
    plural = (
        pl.when(pl.col("others").list.len() > 1).then(pl.lit("rows ")).otherwise(pl.lit("row "))
    )
    reason = pl.concat_str(
        pl.lit("duplicate key "), key_text(key), pl.lit(" (also "), plural, numbers, pl.lit(")")
    )
    return _rejects(rows, ", ".join(key), reason, "duplicate key")


def _strictly_increasing(values: pl.Series) -> bool:
    if not values.dtype.is_numeric():
        return False
    steps = values.drop_nulls().diff(null_behavior="drop")
    if steps.is_empty():
        return values.drop_nulls().len() <= 1
    return bool(steps.min() > 0)  # type: ignore[operator]


# --- references --------------------------------------------------------------------------


def reference_rejects(
    frame: pl.DataFrame, column: str, parent: str, kept: pl.Series, read: pl.Series
) -> pl.DataFrame:
    """Rows whose ``column`` names no kept row of ``parent`` (empty values are fine)."""
    # An anti-join against the parent's kept keys, written as is_in: faster on text keys.
    orphan = pl.col(column).is_not_null() & ~pl.col(column).is_in(kept.implode())
    orphans = frame.select(ROW, column).filter(orphan)
    if orphans.is_empty():
        return no_rejects()
    value = shown(column, frame.schema[column])
    was_read = pl.col(column).is_in(read.implode())
    if parent in REFERENCE_NOUNS:
        noun = REFERENCE_NOUNS[parent]
        verdict = f"is not a known {noun}"
        rejected = pl.lit(f" (its row in {parent} was rejected)")
        tail = pl.when(was_read).then(rejected).otherwise(pl.lit(""))
        reason = pl.concat_str(pl.lit(f"{column} "), value, pl.lit(f" {verdict}"), tail)
        return _rejects(orphans, column, reason, f"{column} {verdict}")
    refers = (
        pl.when(was_read)
        .then(pl.lit(f" refers to a rejected row of {parent} (parent row rejected)"))
        .otherwise(pl.lit(f" refers to no row in {parent}"))
    )
    reason = pl.concat_str(pl.lit(f"{column} "), value, refers)
    problem = pl.concat_str(pl.lit(column), refers)
    return _rejects(orphans, column, reason, problem)


# --- offender managers -------------------------------------------------------------------


def offender_manager_rejects(
    frame: pl.DataFrame, as_of: dt.date, kept: Mapping[str, pl.DataFrame]
) -> pl.DataFrame:
    """Every current row of a crn that has two or more current offender managers.

    ``frame`` holds the rows no other rule rejects (a rejected row is set aside, and the
    run goes on without it) and ``kept`` the kept rows of the tables before. Only rows
    that exist count (CHECKS.md, What exists at D): not soft-deleted, and not hidden by
    the deletion of a parent, transitively (a deleted provider hides its teams, their
    staff and the offender manager rows naming those staff).
    """
    current = (
        (pl.col("allocation_date") <= as_of)
        & (pl.col("end_date").is_null() | (pl.col("end_date") > as_of))
        & pl.col("crn").is_not_null()
    )
    existing = _existing(frame, "offender_managers", kept, {})
    rows = existing.filter(current.fill_null(False)).filter(pl.len().over("crn") > 1)
    text = f"more than one current offender manager at {as_of.isoformat()}"
    return _rejects(rows, None, pl.lit(text), "more than one current offender manager")


def _existing(
    frame: pl.DataFrame,
    table: str,
    kept: Mapping[str, pl.DataFrame],
    seen: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    """The rows of ``frame`` (a table's rows) that are not soft-deleted and whose every
    non-empty reference names an existing row of the parent's kept rows; ``seen`` holds
    the existing rows of the parents already worked out."""
    spec = table_spec(table)
    if not spec.reference:
        frame = frame.filter(~pl.col("soft_deleted"))
    for column in spec.columns:
        if column.references is None:
            continue
        parent, parent_column = column.references
        if parent not in seen:
            seen[parent] = _existing(kept[parent], parent, kept, seen)
        keys = seen[parent][parent_column].implode()
        frame = frame.filter(pl.col(column.name).is_null() | pl.col(column.name).is_in(keys))
    return frame
