"""flag_review_overdue: a flag whose periodic review has not been done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date
from checks.context import CheckContext


@dataclass(frozen=True)
class FlagReviewOverdue(Check):
    """Raise each reviewable active flag of an active person that is past its review.

    For each active flag of an active person whose register type has a review period
    (review_period_months > 0), raise when next_review_date is null, or when
    D > next_review_date + grace_days. Severity is high for MAPP and RCPR flags, medium
    otherwise; the review was due on next_review_date + grace_days.

    Recommendation 25: "The National Offender Management Service should produce a list of
    national definitions for nDelius flags and all staff in the National Probation Service and
    Community Rehabilitation Companies should ensure that their cases are updated in line with
    that list. (para 2.10, 2.33)"

    Para 2.33: "Not all flags have clear definitions for when they should be used, and when
    and how they should be reviewed. Many of the flags on individual cases are not current,
    referring to a previous period of supervision and should have been removed. We did not see
    evidence of managers using information systems to review the use of flags."

    Ambiguity: only next_review_date decides, as the rule says; a review recorded in
    registration_reviews does not itself satisfy the rule (recording it should move
    next_review_date on). A null review_period_months means no periodic review (the contract).
    """

    grace_days: int = 0

    name: ClassVar[str] = "flag_review_overdue"
    title: ClassVar[str] = "Flag review overdue"
    grain: ClassVar[Grain] = "registration"
    severity_rule: ClassVar[str] = "high for MAPP and RCPR, medium otherwise"
    paragraphs: ClassVar[tuple[str, ...]] = ("Recommendation 25", "para 2.33")

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active flags of active persons whose type has a review period."""
        return _reviewable(ctx).select("crn", subject=pl.col("registration_id").cast(pl.String))

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        due = pl.col("next_review_date").dt.offset_by(f"{self.grace_days}d")
        raised = _reviewable(ctx).filter(pl.col("next_review_date").is_null() | (ctx.d > due))
        return findings(
            raised,
            subject=pl.col("registration_id").cast(pl.String),
            severity=pl.when(pl.col("register_type_code").is_in(["MAPP", "RCPR"]))
            .then(pl.lit("high"))
            .otherwise(pl.lit("medium")),
            reason=_reason(due),
            due_date=due,
        )


def _reviewable(ctx: CheckContext) -> pl.LazyFrame:
    return ctx.active_flags.filter(pl.col("review_period_months") > 0).join(
        ctx.active_persons, on="crn", how="semi"
    )


def _reason(due: pl.Expr) -> pl.Expr:
    flag = pl.format(
        "{} flag registered {} (review every {} months)",
        pl.col("register_type_code"),
        fmt_date(pl.col("registration_date")),
        pl.col("review_period_months"),
    )
    return (
        pl.when(pl.col("next_review_date").is_null())
        .then(pl.format("{}: no next review date recorded", flag))
        .otherwise(
            pl.format(
                "{}: review was due {} and is overdue (due by {})",
                flag,
                fmt_date(pl.col("next_review_date")),
                fmt_date(due),
            )
        )
    )
