"""Validation of a loaded extract: every row is kept or rejected with its reason.

Tables are screened in MODELS order (parents first), so a row whose parent was rejected
is rejected too. A table whose share of rejects is over the limit stops the run
(TooManyRejects). Nothing is dropped silently: for every table, read = kept + rejected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass

import polars as pl

from auditor.errors import ExtractError, TooManyRejects
from auditor.sources import Extract
from schemas import TABLE_NAMES, TableSpec, table_spec
from schemas.rejects import (
    ROW,
    duplicate_rejects,
    key_text,
    no_rejects,
    offender_manager_rejects,
    reference_rejects,
    rule_rejects,
)
from schemas.screen import breaks_no_row_rule

REJECTS_SCHEMA = {
    "table": pl.String,
    "row_number": pl.Int64,
    "key": pl.String,
    "column": pl.String,
    "reason": pl.String,
}
PROBLEMS_SCHEMA = {"table": pl.String, "column": pl.String, "problem": pl.String, "rows": pl.Int64}
COUNTS_SCHEMA = {
    "table": pl.String,
    "rows_read": pl.Int64,
    "rows_kept": pl.Int64,
    "rows_rejected": pl.Int64,
}

# A rule over a whole table: (its rows no other rule rejects, the as-of date, the kept rows
# of the tables before it) -> rejects.
TableRule = Callable[[pl.DataFrame, dt.date, Mapping[str, pl.DataFrame]], pl.DataFrame]
TABLE_RULES: dict[str, TableRule] = {"offender_managers": offender_manager_rejects}


@dataclass(frozen=True)
class TableCount:
    table: str
    read: int
    kept: int
    rejected: int

    @property
    def share(self) -> float:
        return self.rejected / self.read if self.read else 0.0


@dataclass(frozen=True)
class Validated:
    """Kept rows of every table, the rejects (one line per row and fault) and counts."""

    tables: Mapping[str, pl.LazyFrame]
    rejects: pl.DataFrame  # REJECTS_SCHEMA; row_number is 1-based
    problems: pl.DataFrame  # PROBLEMS_SCHEMA: rows per fault without its value, most first
    counts: pl.DataFrame  # COUNTS_SCHEMA, one row per table: rows_read = kept + rejected
    as_of: dt.date
    bundled: frozenset[str]

    def count(self, table: str) -> TableCount:
        row = self.counts.row(by_predicate=pl.col("table") == table)
        return TableCount(*row)

    def table_counts(self) -> list[TableCount]:
        return [TableCount(*row) for row in self.counts.iter_rows()]

    def top_problems(self, table: str, n: int = 3) -> list[tuple[str, int]]:
        mine = self.problems.filter(pl.col("table") == table).head(n)
        return list(zip(mine["problem"], mine["rows"], strict=True))


@dataclass(frozen=True)
class _Screened:
    kept: pl.DataFrame
    rejects: pl.DataFrame  # REJECTS_SCHEMA plus "problem"
    count: TableCount


def validate_extract(
    extract: Extract,
    as_of: dt.date,
    max_reject_share: float = 0.05,
    progress: Callable[[str], None] | None = None,
) -> Validated:
    """Keep or reject every row of the extract; stop if a table rejects too many rows."""
    validated = screen_extract(extract, as_of, progress)
    enforce_reject_limit(validated, max_reject_share)
    return validated


def screen_extract(
    extract: Extract, as_of: dt.date, progress: Callable[[str], None] | None = None
) -> Validated:
    """Keep or reject every row of the extract, without the limit on rejects."""
    kept: dict[str, pl.DataFrame] = {}
    read_keys: dict[tuple[str, str], pl.Series] = {}
    screened: dict[str, _Screened] = {}
    frames = _collect_all(extract)
    for name in TABLE_NAMES:
        if progress is not None:
            progress(name)
        frame = frames[name].with_row_index(ROW)
        screened[name] = _screen(table_spec(name), frame, kept, read_keys, as_of)
        kept[name] = screened[name].kept
        for column in _referenced_columns(name):
            read_keys[name, column] = frame[column]
    everything = pl.concat([s.rejects for s in screened.values()])
    return Validated(
        tables={n: s.kept.lazy() for n, s in screened.items()},
        rejects=everything.drop("problem"),
        problems=_problems(everything),
        counts=pl.DataFrame(
            [astuple(s.count) for s in screened.values()], schema=COUNTS_SCHEMA, orient="row"
        ),
        as_of=as_of,
        bundled=extract.bundled,
    )


def enforce_reject_limit(validated: Validated, max_reject_share: float) -> None:
    """Raise TooManyRejects naming every table whose share of rejects is over the limit."""
    over = [c for c in validated.table_counts() if c.share > max_reject_share]
    if not over:
        return
    lines = []
    for count in over:
        top = "; ".join(f"{p} ({n} rows)" for p, n in validated.top_problems(count.table))
        lines.append(
            f"table {count.table}: {count.share:.1%} of rows rejected ({count.rejected} of "
            f"{count.read}), over the limit of {max_reject_share:.1%}. Top reasons: {top}."
        )
    advice = (
        "Fix the extract (the rejects list gives every row and its reason) or raise "
        "max_reject_share in the source section of config.toml."
    )
    raise TooManyRejects("\n".join([*lines, advice]))


# A damaged Parquet file (a bit flipped in a page header) can make polars panic: the
# reader's failure, said as the file's, not a traceback.
UNREADABLE = (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError)


def _collect_all(extract: Extract) -> dict[str, pl.DataFrame]:
    """Every table, read in parallel; a table that cannot be read is named."""
    try:
        frames = pl.collect_all([extract.tables[name] for name in TABLE_NAMES])
    except UNREADABLE:
        return {name: _collect(extract, name) for name in TABLE_NAMES}
    return dict(zip(TABLE_NAMES, frames, strict=True))


def _collect(extract: Extract, name: str) -> pl.DataFrame:
    try:
        return extract.tables[name].collect()
    except UNREADABLE as exc:
        source = extract.sources.get(name, name)
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        raise ExtractError(
            f"{source} (table {name}) could not be read: {reason}. The run stopped before any "
            "check: correct the extract and run again."
        ) from None


def _referenced_columns(name: str) -> set[str]:
    """Columns of table ``name`` that another table refers to."""
    return {
        column.references[1]
        for other in TABLE_NAMES
        for column in table_spec(other).columns
        if column.references is not None and column.references[0] == name
    }


def _screen(
    spec: TableSpec,
    frame: pl.DataFrame,
    kept: Mapping[str, pl.DataFrame],
    read_keys: Mapping[tuple[str, str], pl.Series],
    as_of: dt.date,
) -> _Screened:
    parent_keys = {
        c.name: kept[c.references[0]][c.references[1]] for c in spec.columns if c.references
    }
    if breaks_no_row_rule(spec.name, frame, parent_keys, spec.key):
        found = [no_rejects()]  # one pass found no rule, reference or key broken
    else:
        found = _row_and_reference_rejects(spec, frame, parent_keys, read_keys)
    rule = TABLE_RULES.get(spec.name)
    if rule is not None:
        found.append(rule(_without(frame, pl.concat(found)), as_of, kept))
    rejects = pl.concat(found)
    kept_rows = _without(frame, rejects)
    count = TableCount(spec.name, frame.height, kept_rows.height, frame.height - kept_rows.height)
    return _Screened(kept_rows.drop(ROW), _described(spec, frame, rejects), count)


def _row_and_reference_rejects(
    spec: TableSpec,
    frame: pl.DataFrame,
    parent_keys: Mapping[str, pl.Series],
    read_keys: Mapping[tuple[str, str], pl.Series],
) -> list[pl.DataFrame]:
    """Rejects by the model's rules (pandera), keys, and references of the rows that
    neither of those rejects."""
    found = [rule_rejects(spec.name, frame), duplicate_rejects(frame, spec.key)]
    unrejected = _without(frame, pl.concat(found))
    for column in spec.columns:
        if column.references is None:
            continue
        parent, parent_column = column.references
        parent_read = read_keys[parent, parent_column]
        found.append(
            reference_rejects(
                unrejected, column.name, parent, parent_keys[column.name], parent_read
            )
        )
    return found


def _without(frame: pl.DataFrame, rejects: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``frame`` (whose ROW is its position) that no reject names."""
    if rejects.is_empty():
        return frame
    keep = pl.repeat(True, frame.height, eager=True).scatter(rejects[ROW].unique(), False)
    return frame.filter(keep)


def _described(spec: TableSpec, frame: pl.DataFrame, rejects: pl.DataFrame) -> pl.DataFrame:
    """Rejects with their table, 1-based row number and key, in row order."""
    rows = rejects[ROW].unique()
    keys = frame.select(pl.col(ROW, *spec.key).gather(rows)).select(
        ROW, key_text(spec.key).alias("key")
    )
    return (
        rejects.join(keys, on=ROW, how="left")
        .sort(ROW, maintain_order=True)
        .select(
            pl.lit(spec.name).alias("table"),
            (pl.col(ROW).cast(pl.Int64) + 1).alias("row_number"),
            "key",
            "column",
            "reason",
            "problem",
        )
    )


def _problems(rejects: pl.DataFrame) -> pl.DataFrame:
    if rejects.is_empty():
        return pl.DataFrame(schema=PROBLEMS_SCHEMA)
    return (
        rejects.group_by("table", "column", "problem", maintain_order=True)
        .agg(pl.len().cast(pl.Int64).alias("rows"))
        .sort("rows", descending=True, maintain_order=True)
    )
