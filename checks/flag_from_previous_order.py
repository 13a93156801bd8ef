"""flag_from_previous_order: a flag left over from an earlier order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, no_due_date
from checks.context import CheckContext


@dataclass(frozen=True)
class FlagFromPreviousOrder(Check):
    """Raise each non-persisting active flag that belongs to an earlier order.

    For each active flag whose register type does not persist between orders, raise when the
    person is not active (the flag outlived the order), or when the person is active, the flag
    was registered before P (the start of the current period of supervision) and has no
    completed review with P ≤ review_date ≤ D (nobody has looked at it since).

    Para 2.10: "They need to access nDelius to see what warning flags are in place. Inspectors
    found that many of the flags on nDelius had been pulled through from previous case
    management systems and few had been updated, so they were not a reliable source of
    information."

    Para 2.33: "Many of the flags on individual cases are not current, referring to a previous
    period of supervision and should have been removed." Case example: "In one case nDelius
    had out of date flags, including one relating to victim contact which was relevant in
    2010."

    Scope: every active non-persisting flag, of active and inactive persons alike (the rule
    iterates over flags, not over active persons).
    Ambiguity: the rule names no due date, so due_date is null.
    """

    name: ClassVar[str] = "flag_from_previous_order"
    title: ClassVar[str] = "Flag carried over from a previous order"
    grain: ClassVar[Grain] = "registration"
    severity_rule: ClassVar[str] = "medium"
    paragraphs: ClassVar[tuple[str, ...]] = ("para 2.10", "para 2.33")

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active flags whose type does not persist between orders, of any person."""
        return _non_persisting(ctx).select("crn", subject=pl.col("registration_id").cast(pl.String))

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        flags = _non_persisting(ctx)
        outlived = flags.join(ctx.active_persons, on="crn", how="anti").with_columns(
            reason=pl.format(
                "{} flag registered {} is still active but the person has no active event:"
                " the flag outlived the order",
                pl.col("register_type_code"),
                fmt_date(pl.col("registration_date")),
            )
        )
        raised = pl.concat([outlived, _unreviewed_from_earlier_period(ctx, flags)])
        return findings(
            raised,
            subject=pl.col("registration_id").cast(pl.String),
            severity=pl.lit("medium"),
            due_date=no_due_date(),
        )


def _non_persisting(ctx: CheckContext) -> pl.LazyFrame:
    return ctx.active_flags.filter(~pl.col("persists_between_orders"))


def _unreviewed_from_earlier_period(ctx: CheckContext, flags: pl.LazyFrame) -> pl.LazyFrame:
    """Flags of active persons registered before P with no completed review in [P, D]."""
    earlier = flags.join(ctx.periods, on="crn", how="inner").filter(
        pl.col("registration_date") < pl.col("period_start")
    )
    reviewed = (
        ctx.reviews.filter(pl.col("completed"))
        .join(earlier.select("registration_id", "period_start"), on="registration_id")
        .filter(pl.col("review_date") >= pl.col("period_start"))
        .select("registration_id")
    )
    return (
        earlier.join(reviewed, on="registration_id", how="anti")
        .with_columns(
            reason=pl.format(
                "{} flag registered {}, before the current period of supervision began {},"
                " and not reviewed since",
                pl.col("register_type_code"),
                fmt_date(pl.col("registration_date")),
                fmt_date(pl.col("period_start")),
            )
        )
        .select(pl.all().exclude("period_start", "period_end"))
    )
