"""rsr_missing: an active event whose RSR score is not on nDelius after sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date

if TYPE_CHECKING:
    from checks.context import CheckContext


@dataclass(frozen=True)
class RsrMissing(Check):
    """An active event with no RSR score recorded by the working day after sentence.

    Raise for an active event with ``sentence_date ≥ required_from`` when
    ``D > wd(sentence_date, within_working_days)`` and no case allocation of the event has a
    non-null ``rsr_score`` (a score exists at D when its rsr_assessor_date is null or ≤ D).

    The report, para 2.6: "NOMS guidance is that the RSR score is calculated in every case
    [...] Once completed, the RSR calculation needs to be saved and then uploaded onto
    nDelius, and the score has to be manually entered onto nDelius as well." Para 2.28: "In
    only half of the cases was the RSR score on nDelius." (Recommendation 35.)
    """

    within_working_days: int = 1
    required_from: date = date(2014, 6, 1)

    name: ClassVar[str] = "rsr_missing"
    title: ClassVar[str] = "RSR score not recorded"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "medium"
    paragraphs: ClassVar[tuple[str, ...]] = ("para 2.6", "para 2.28")

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        due = ctx.wd(pl.col("sentence_date"), self.within_working_days)
        scored = ctx.case_allocations.filter(pl.col("rsr_score").is_not_null())
        missing = (
            self._events(ctx)
            .filter(ctx.overdue(pl.col("sentence_date"), self.within_working_days))
            .join(scored, on="event_id", how="anti")
            .with_columns(due_date=due)
        )
        return findings(
            missing,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.lit("medium"),
            reason=pl.format(
                "RSR score not recorded for event {} ({} sentenced {}); due by {}",
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
