"""The Extract a source yields, where each table comes from (for messages), and the
checked conversion of a table's source columns to the contract's types."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from auditor.conversion import Conversion, conversion, describe_type, find_faults
from auditor.errors import ExtractError
from schemas import TableSpec

STOPPED = "The run stopped before any check: correct the extract and run again."
BUNDLED = "bundled default"


@dataclass(frozen=True)
class Extract:
    """The contract's tables, typed, with where each one came from."""

    tables: Mapping[str, pl.LazyFrame]
    sources: Mapping[str, str]  # table -> file name, database table or BUNDLED
    origin: str  # the directory, or the database URL without its password
    bundled: frozenset[str] = field(default_factory=frozenset)  # reference tables defaulted


@dataclass(frozen=True)
class Place:
    """Where a table is read from, for messages."""

    table: str
    name: str  # e.g. "contacts.csv" or "database table contacts"
    line_of: Callable[[int], int] | None = None  # a CSV file's line of a data row
    ordered: bool = True  # rows have a position (files); a database table's rows do not

    def __str__(self) -> str:
        return f"{self.name} (table {self.table})"

    def row(self, index: int, key: str) -> str:
        """Row ``index`` (0-based) whose key reads ``key``, e.g. "row 2 (line 3), crn=X1"."""
        if not self.ordered:
            return f"the row with {key}"
        if self.line_of is None:
            return f"row {index + 1}, {key}"
        return f"row {index + 1} (line {self.line_of(index)}), {key}"


def plan(
    schema: Mapping[str, pl.DataType], spec: TableSpec, place: Place, lenient: bool = False
) -> list[Conversion]:
    """How each contract column is made from the source columns (which are checked)."""
    require_columns(schema, spec, place)
    steps = []
    for name, target in spec.polars_schema.items():
        if name not in schema:  # only soft_deleted may be absent
            steps.append(Conversion(name, pl.lit(False), exact=True))
            continue
        step = conversion(name, schema[name], target, lenient_booleans=lenient)
        if step is None:
            raise ExtractError(
                f"{place}, column {name}: has type {schema[name]}, which cannot be read as the "
                f"contract's {describe_type(target)}; write it as {describe_type(target)}. "
                f"{STOPPED}"
            )
        steps.append(step)
    return steps


def with_close_matches(missing: Sequence[str], present: Iterable[str]) -> str:
    """The missing names, each with the present name it is closest to (a misspelling,
    another letter case), for a message."""
    found = list(present)
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, found, n=1, cutoff=0.8)
        hints.append(f"{name} (found '{close[0]}')" if close else name)
    return ", ".join(hints)


def require_columns(schema: Mapping[str, pl.DataType], spec: TableSpec, place: Place) -> None:
    missing = [c for c in spec.required_columns if c not in schema]
    if not missing:
        return
    raise ExtractError(
        f"{place}: missing required column(s): {with_close_matches(missing, schema)}. Add "
        f"them (empty values are allowed only where the contract allows nulls). {STOPPED}"
    )


def refuse_unclear_names(
    names: list[str], spec: TableSpec, place: Place, names_in: str = "header"
) -> None:
    """A header (or a Parquet file's schema) naming a column twice, or a contract column
    in other letter case, is refused: the contract does not say which of the two to
    read, nor whether SOFT_DELETED is soft_deleted (an extra column is ignored), so
    nothing is guessed."""
    contract = {name.lower(): name for name in spec.polars_schema}
    for name in names:
        wanted = contract.get(name.lower())
        if wanted is not None and wanted != name:
            raise ExtractError(
                f"{place}: the {names_in}'s column {name!r} differs from the contract's "
                f"{wanted!r} only in letter case; rename it {wanted!r}. {STOPPED}"
            )
    seen: dict[str, int] = {}
    for number, name in enumerate(names, 1):
        if name in seen:
            raise ExtractError(
                f"{place}: the {names_in} names the column {name!r} twice (columns "
                f"{seen[name]} and {number}); keep one of them. {STOPPED}"
            )
        seen[name] = number


def typed(
    raw: pl.DataFrame, steps: list[Conversion], spec: TableSpec, place: Place
) -> pl.LazyFrame:
    """Convert ``raw`` to the contract's types; an unreadable value stops the run."""
    converted = raw.select(c.expr.alias(c.column) for c in steps)
    risky = [c.column for c in steps if not c.exact and c.column in raw.columns]
    faults = find_faults(raw, converted, risky)
    if faults:
        lines = []
        for fault in faults[:3]:
            key = ", ".join(f"{k}={raw[k][fault.row_index]}" for k in spec.key)
            target = spec.polars_schema[fault.column]
            lines.append(
                f"{place}, column {fault.column}, {place.row(fault.row_index, key)}: "
                f"{fault.describe(target)}"
            )
        raise ExtractError("\n".join(lines) + f"\n{STOPPED}")
    return converted.lazy()
