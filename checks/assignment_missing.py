"""assignment_missing: an active event not held by a named, serving offender manager."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, sentenced_event

if TYPE_CHECKING:
    from checks.context import CheckContext


@dataclass(frozen=True)
class AssignmentMissing(Check):
    """An active event whose case has no named, serving offender manager after 5 days.

    Raise for an active event when ``D > wd(sentence_date, within_working_days)`` and the
    person has no current offender manager, or the current one's staff code ends in ``U``
    (the team's "unallocated" placeholder), or the current one has left (their staff
    ``end_date`` ≤ D). In the last case the exception still belongs to that officer's team,
    whose SPO must reassign the case: the owner is the current offender manager, whose row
    is still current, so the exception joins that team's SPO list with nothing more to do.

    The report, recommendation 46: "Community Rehabilitation Company managers should ensure
    that assignment decisions take place within five working days and are clearly recorded
    on nDelius." Para 3.3: "The majority (81%) of decisions to assign a case to a named
    offender manager were made within five working days of sentence. However, in one-fifth
    of cases, either the decision had not been made within five working days or had not
    been adequately recorded." Para 4.1: "Assignment to an offender manager was achieved
    within five working days in three-quarters of cases."
    """

    within_working_days: int = 5

    name: ClassVar[str] = "assignment_missing"
    title: ClassVar[str] = "Not assigned to a named offender manager"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "high"
    paragraphs: ClassVar[tuple[str, ...]] = ("recommendation 46", "para 3.3", "para 4.1")

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        managers = ctx.offender_managers.select("crn", "staff_code", "team_code", "staff_end_date")
        unassigned = (
            ctx.overdue_events(self.within_working_days)
            .join(managers, on="crn", how="left")
            .with_columns(problem=_problem(ctx))
            .filter(pl.col("problem").is_not_null())
        )
        return findings(
            unassigned,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.lit("high"),
            reason=pl.format(
                "Event {} not assigned to a named offender manager: {}; due by {}",
                sentenced_event(),
                pl.col("problem"),
                fmt_date(pl.col("due_date")),
            ),
        )


def _problem(ctx: CheckContext) -> pl.Expr:
    """What is wrong with the current offender manager, or null when nothing is."""
    return (
        pl.when(pl.col("staff_code").is_null())
        .then(pl.lit("no current offender manager"))
        .when(pl.col("staff_code").str.ends_with("U"))
        .then(pl.format("held unallocated in team {} ({})", "team_code", "staff_code"))
        .when(pl.col("staff_end_date") <= ctx.d)
        .then(
            pl.format(
                "offender manager {} left on {}; team {} SPO to reassign",
                pl.col("staff_code"),
                fmt_date(pl.col("staff_end_date")),
                pl.col("team_code"),
            )
        )
    )
