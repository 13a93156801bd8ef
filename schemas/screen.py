"""A first look at a table, in one polars pass: does any row break a row rule of the
table's pandera model?

The models (schemas.tables) stay the one statement of the contract; this reads their
declarations (nullability and the checks of each column) and evaluates them all in a
single ``select``, where pandera runs a query per check. Most tables of a good extract
break nothing, and then nothing more is needed. When a row does break a rule, or the
table has a shape or a check this does not know, the answer is "look closer" and
pandera itself finds the rows and the reasons (schemas.rejects.rule_rejects).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

import pandera.polars as pa
import polars as pl

from schemas.tables import MODELS

Fault = Callable[[pl.Expr, Mapping[str, Any]], pl.Expr]

# pandera's builtin checks (backends/polars/builtin_checks.py), negated: true on a row
# that fails. A null passes every check, as in pandera (ignore_na).
FAULTS: dict[str, Fault] = {
    "str_matches": lambda c, s: ~c.str.contains(_anchored(s["pattern"])),
    "isin": lambda c, s: ~c.is_in(list(s["allowed_values"])),
    "greater_than_or_equal_to": lambda c, s: c < s["min_value"],
    "less_than_or_equal_to": lambda c, s: c > s["max_value"],
    "greater_than": lambda c, s: c <= s["min_value"],
    "less_than": lambda c, s: c >= s["max_value"],
}


def breaks_no_row_rule(
    table: str,
    frame: pl.DataFrame,
    parent_keys: Mapping[str, pl.Series] | None = None,
    key: Sequence[str] = (),
) -> bool:
    """True when the table has the contract's shape, no row breaks a rule of its model,
    (given ``parent_keys``: column -> the kept keys of the parent it refers to) every
    non-empty reference names a kept parent row, and (given ``key``) no two rows have
    the same key; False when pandera and the reference and key rules must look closer.

    A format the parent's key column shares (a crn's, say) is not matched again on a
    column that refers to it: when every reference names a kept parent row, each
    value is one of the parent's keys, which all have that format.
    """
    parents = parent_keys or {}
    if not _has_contract_shape(_schema(table), frame):
        return False
    faults = _faults(table, frozenset(parents) & _formats_of_parents(table))
    if faults is None:
        return False
    orphans = [
        (pl.col(column).is_not_null() & ~pl.col(column).is_in(keys.implode())).any()
        for column, keys in parents.items()
    ]
    doubles = [_repeated_key(key, frame.schema)] if key else []
    found = frame.select(f.alias(str(n)) for n, f in enumerate([*faults, *orphans, *doubles]))
    return not any(found.row(0))


@cache
def _schema(table: str) -> pa.DataFrameSchema:
    return MODELS[table].to_schema()


def _has_contract_shape(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> bool:
    """Every column of the model is there with exactly the model's type."""
    found = frame.schema
    return all(
        name in found and found[name] == column.dtype.type
        for name, column in schema.columns.items()
    )


@cache
def _faults(table: str, unmatched: frozenset[str] = frozenset()) -> tuple[pl.Expr, ...] | None:
    """One expression per rule, true when some row breaks it (the formats of the
    ``unmatched`` columns left out); None for a check this does not know."""
    if _schema(table).checks:
        return None  # checks of the whole table: pandera's to run
    faults = []
    for name, column in _schema(table).columns.items():
        value = pl.col(name)
        if not column.nullable:
            faults.append(value.is_null().any())
        for check in column.checks:
            fault = FAULTS.get(check.name)
            if fault is None:
                return None
            if not (check.name == "str_matches" and name in unmatched):
                faults.append(fault(value, check.statistics).fill_null(False).any())
    return tuple(faults)


@cache
def _formats_of_parents(table: str) -> frozenset[str]:
    """The columns of ``table`` whose formats the parent key they refer to also has."""
    shared = set()
    for name, column in _schema(table).columns.items():
        parent = (column.metadata or {}).get("references")
        if parent is not None and _formats(table, name) <= _formats(*parent):
            shared.add(name)
    return frozenset(shared)


def _formats(table: str, column: str) -> set[str]:
    checks = _schema(table).columns[column].checks
    return {c.statistics["pattern"] for c in checks if c.name == "str_matches"}


def _repeated_key(key: Sequence[str], schema: pl.Schema) -> pl.Expr:
    """True when two rows may share a key: a number key that does not strictly increase
    down the table (the usual case, found without hashing), or fewer distinct keys
    than rows."""
    if len(key) == 1 and schema[key[0]].is_numeric():
        return (pl.col(key[0]).diff() <= 0).fill_null(False).any()
    same = pl.col(key[0]) if len(key) == 1 else pl.struct(key)
    return same.n_unique() < pl.len()


def _anchored(pattern: str) -> str:
    """str_matches matches at the start, as pandera anchors it."""
    return pattern if pattern.startswith("^") else f"^{pattern}"
