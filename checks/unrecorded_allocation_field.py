"""What rsr_missing and allocation_unrecorded share: an active event sentenced on or
after required_from, past wd(sentence_date, within_working_days), none of whose case
allocations has a non-null value in one column (as it exists at D)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, findings, fmt_date, sentenced_event

if TYPE_CHECKING:
    from checks.context import CheckContext


@dataclass(frozen=True)
class UnrecordedAllocationField(Check):
    """Base of the checks for a case allocation column that must be recorded."""

    within_working_days: int = 1
    required_from: date = date(2014, 6, 1)

    column: ClassVar[str]  # the case_allocations column that must be non-null
    missing_text: ClassVar[str]  # e.g. "RSR score not recorded"

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        recorded = ctx.case_allocations.filter(pl.col(self.column).is_not_null())
        missing = ctx.overdue_events(self.within_working_days, self._events(ctx)).join(
            recorded, on="event_id", how="anti"
        )
        return findings(
            missing,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.lit("medium"),
            reason=pl.format(
                f"{self.missing_text} for event {{}}; due by {{}}",
                sentenced_event(),
                fmt_date(pl.col("due_date")),
            ),
        )

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active events sentenced on or after required_from (the clock is the failure)."""
        return self._events(ctx).select("crn", subject=pl.col("event_id").cast(pl.String))

    def _events(self, ctx: CheckContext) -> pl.LazyFrame:
        return ctx.active_events.filter(pl.col("sentence_date") >= self.required_from)
