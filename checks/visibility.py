"""What exists at D, for the cascade of soft deletion (CHECKS.md): a soft-deleted row is
hidden, and so is every row whose parent is hidden, transitively along the contract's
references (parents first).

Two ways to the same rows: ``VisibleParents`` keeps the rows whose every reference names
a visible parent row (assuming nothing); ``HiddenParents`` drops the rows that name a
hidden one, which is the same when every reference names a parent row, as validation
guarantees, and costs a filter on the few hidden keys instead of a join of every row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import polars as pl

from schemas import TABLE_NAMES, table_spec

Stage = Callable[[dict[str, pl.LazyFrame]], dict[str, pl.LazyFrame]]


def visible_tables(
    tables: Mapping[str, pl.LazyFrame], stage: Stage, validated: bool
) -> dict[str, pl.LazyFrame]:
    """Soft-deleted rows, and rows whose parent is hidden, removed (the cascade of
    CHECKS.md follows the contract's arrows transitively; parents come first). Each
    generation of tables (those whose parents are all done) goes through ``stage``."""
    visible: dict[str, pl.LazyFrame] = {}
    cascade = HiddenParents(tables, visible) if validated else VisibleParents(visible)
    for generation in _generations():
        visible |= stage({name: _visible_rows(tables[name], name, cascade) for name in generation})
    return visible


def _visible_rows(frame: pl.LazyFrame, name: str, cascade: Cascade) -> pl.LazyFrame:
    spec = table_spec(name)
    if not spec.reference:
        frame = frame.filter(~pl.col("soft_deleted"))
    for column in spec.columns:
        if column.references is not None:
            frame = cascade.keep(frame, column.name, column.nullable, *column.references)
    return frame


class Cascade(Protocol):
    def keep(
        self, frame: pl.LazyFrame, column: str, nullable: bool, parent: str, key: str
    ) -> pl.LazyFrame: ...


@dataclass(frozen=True)
class VisibleParents:
    """Rows whose ``column`` is empty (where it may be) or names a visible parent row."""

    visible: Mapping[str, pl.LazyFrame]

    def keep(
        self, frame: pl.LazyFrame, column: str, nullable: bool, parent: str, key: str
    ) -> pl.LazyFrame:
        keys = self.visible[parent].select(pl.col(key).alias(column)).unique()
        kept = frame.join(keys, on=column, how="semi")
        if nullable:
            kept = pl.concat([frame.filter(pl.col(column).is_null()), kept])
        return kept


@dataclass(frozen=True)
class HiddenParents:
    """Rows whose ``column`` names no hidden parent row: the same rows as
    VisibleParents when every reference names a parent row (validated tables)."""

    tables: Mapping[str, pl.LazyFrame]
    visible: Mapping[str, pl.LazyFrame]  # materialised parents

    def keep(
        self, frame: pl.LazyFrame, column: str, nullable: bool, parent: str, key: str
    ) -> pl.LazyFrame:
        hidden = self._hidden(parent, key)
        if hidden.is_empty():
            return frame
        return frame.filter(~pl.col(column).is_in(hidden.implode()).fill_null(False))

    def _hidden(self, parent: str, key: str) -> pl.Series:
        every = self.tables[parent].select(key)
        shown = self.visible[parent].select(key)
        return every.join(shown, on=key, how="anti").unique().collect(engine="in-memory")[key]


@cache
def _generations() -> tuple[tuple[str, ...], ...]:
    """The tables in generations: each table comes after every table it refers to."""
    done: set[str] = set()
    generations: list[tuple[str, ...]] = []
    while len(done) < len(TABLE_NAMES):
        ready = tuple(
            name
            for name in TABLE_NAMES
            if name not in done
            and all(c.references[0] in done for c in table_spec(name).columns if c.references)
        )
        generations.append(ready)
        done.update(ready)
    return tuple(generations)
