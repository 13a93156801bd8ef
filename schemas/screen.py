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

from collections.abc import Callable, Mapping
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


def breaks_no_row_rule(table: str, frame: pl.DataFrame) -> bool:
    """True when the table has the contract's shape and no row breaks a rule of its
    model; False when pandera must look closer."""
    schema = _schema(table)
    if not _has_contract_shape(schema, frame):
        return False
    faults = _faults(table)
    if faults is None:
        return False
    return not frame.select(pl.any_horizontal(faults)).item()


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
def _faults(table: str) -> tuple[pl.Expr, ...] | None:
    """One expression per rule, true when some row breaks it; None for a check this
    does not know."""
    faults = []
    for name, column in _schema(table).columns.items():
        value = pl.col(name)
        if not column.nullable:
            faults.append(value.is_null().any())
        for check in column.checks:
            fault = FAULTS.get(check.name)
            if fault is None:
                return None
            faults.append(fault(value, check.statistics).fill_null(False).any())
    return tuple(faults)


def _anchored(pattern: str) -> str:
    """str_matches matches at the start, as pandera anchors it."""
    return pattern if pattern.startswith("^") else f"^{pattern}"
