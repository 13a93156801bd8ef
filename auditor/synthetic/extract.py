"""The pure API: generate a synthetic extract as polars frames, without writing files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from auditor.synthetic.caseload import build_caseload
from auditor.synthetic.faults import inject_faults
from auditor.synthetic.tables import contract_tables
from auditor.synthetic.world import World


@dataclass(frozen=True)
class Synthetic:
    """A generated extract: the contract's tables and the exceptions its faults cause."""

    tables: dict[str, pl.DataFrame]
    ground_truth: pl.DataFrame
    persons: int
    seed: int
    as_of: dt.date
    faults: bool
    fault_rate_scale: float

    def row_counts(self) -> dict[str, int]:
        return {name: frame.height for name, frame in self.tables.items()}

    def fault_counts(self) -> dict[str, int]:
        counts = self.ground_truth.group_by("check").len().sort("check")
        return dict(zip(counts["check"], counts["len"], strict=True))


def generate_extract(
    persons: int,
    seed: int,
    as_of: dt.date,
    faults: bool = True,
    fault_rate_scale: float = 1.0,
    progress: Callable[[str], None] | None = None,
) -> Synthetic:
    """A realistic caseload of ``persons`` people as it stands at the end of ``as_of``;
    the same arguments always give the same data. With ``faults`` false every check
    raises nothing; otherwise ``ground_truth`` lists exactly the exceptions raised."""
    world = World.create(as_of, seed)
    caseload = build_caseload(world, persons, progress)
    if progress:
        progress("faults")
    caseload, truth = inject_faults(caseload, faults, fault_rate_scale)
    if progress:
        progress("tables")
    return Synthetic(
        contract_tables(caseload), truth, persons, seed, as_of, faults, fault_rate_scale
    )
