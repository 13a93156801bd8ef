"""allocation_unrecorded: an active event with no allocation decision on nDelius."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date

if TYPE_CHECKING:
    from checks.context import CheckContext


@dataclass(frozen=True)
class AllocationUnrecorded(Check):
    """An active event with no allocation decision recorded by the day after sentence.

    Raise for an active event with ``sentence_date ≥ required_from`` when
    ``D > wd(sentence_date, within_working_days)`` and no case allocation of the event has a
    non-null ``allocation_decision`` (a decision exists at D when its decision_date is null
    or ≤ D).

    The report, para 2.11: "it was hard in many cases to identify what the allocation
    decision was and the basis for it. There are boxes on nDelius which should be used to
    confirm the allocation decision but these were rarely used." Para 2.14: "Of the cases we
    inspected 81% were allocated to the correct agency in the required timescale, i.e. by
    the day after sentence. [...] in 7% it was not clear exactly when the case was
    allocated."
    """

    within_working_days: int = 1
    required_from: date = date(2014, 6, 1)

    name: ClassVar[str] = "allocation_unrecorded"
    title: ClassVar[str] = "Allocation decision not recorded"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "medium"
    paragraphs: ClassVar[tuple[str, ...]] = ("para 2.11", "para 2.14")

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        due = ctx.wd(pl.col("sentence_date"), self.within_working_days)
        decided = ctx.case_allocations.filter(pl.col("allocation_decision").is_not_null())
        missing = (
            self._events(ctx)
            .filter(ctx.overdue(pl.col("sentence_date"), self.within_working_days))
            .join(decided, on="event_id", how="anti")
            .with_columns(due_date=due)
        )
        return findings(
            missing,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.lit("medium"),
            reason=pl.format(
                "Allocation decision (NPS or CRC) not recorded for event {} ({} sentenced {});"
                " due by {}",
                pl.col("event_number"),
                pl.col("disposal_type_code"),
                fmt_date(pl.col("sentence_date")),
                fmt_date(pl.col("due_date")),
            ),
        )

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active events sentenced on or after required_from."""
        return self._events(ctx).select("crn", subject=pl.col("event_id").cast(pl.String))

    def _events(self, ctx: CheckContext) -> pl.LazyFrame:
        return ctx.active_events.filter(pl.col("sentence_date") >= self.required_from)
