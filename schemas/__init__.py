"""Input schemas: the data contract as pandera models, and the reject logic."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

# The contract's tables in dependency order (every table after the tables it refers
# to): schemas.tables.MODELS's keys, written out so that naming the tables does not
# import pandera (a test holds them equal); table_spec reads the models.
TABLE_NAMES: tuple[str, ...] = (
    "providers",
    "teams",
    "staff",
    "offenders",
    "register_types",
    "contact_types",
    "offender_managers",
    "events",
    "case_allocations",
    "registrations",
    "registration_reviews",
    "assessments",
    "contacts",
    "documents",
)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    dtype: pl.DataType
    nullable: bool
    references: tuple[str, str] | None


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    reference: bool

    @property
    def polars_schema(self) -> dict[str, pl.DataType]:
        return {c.name: c.dtype for c in self.columns}

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns a file must carry (soft_deleted defaults to false when absent)."""
        return tuple(c.name for c in self.columns if c.name != "soft_deleted")


@cache
def table_spec(name: str) -> TableSpec:
    """The contract's definition of one table, read off its pandera model."""
    from schemas.tables import MODELS, REFERENCE_TABLES

    model = MODELS[name]
    schema = model.to_schema()
    columns = tuple(
        ColumnSpec(
            name=col_name,
            dtype=col.dtype.type,
            nullable=col.nullable,
            references=(col.metadata or {}).get("references"),
        )
        for col_name, col in schema.columns.items()
    )
    meta: dict[str, Any] = getattr(model.Config, "metadata", None) or {}
    return TableSpec(name, columns, tuple(meta["key"]), name in REFERENCE_TABLES)


__all__ = ["TABLE_NAMES", "ColumnSpec", "TableSpec", "table_spec"]
