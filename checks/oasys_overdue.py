"""oasys_overdue: no start-of-order OASys completed within ``within_working_days`` of
sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, sentenced_event

if TYPE_CHECKING:
    from checks.context import CheckContext

START_OF_ORDER_DISPOSALS = ("CO", "SSO", "LIC")
OASYS_TYPES = ("LAYER1", "LAYER3")
HIGH_ROSH_FLAGS = ("RHRH", "RVHR")


@dataclass(frozen=True)
class OasysOverdue(Check):
    """Raise for an active CO, SSO or LIC event past ``wd(sentence_date, within_working_days)``
    when the person has no completed LAYER1 or LAYER3 assessment dated on or after the
    sentence date. High when the person has an active RHRH or RVHR flag, else medium.

    Report, para 3.12: "it was concerning to find that in just over one-quarter of cases an
    OASys had not been completed within four to six weeks after sentence."
    Para 3.13: "In some cases the OASys had been started but was incomplete. [...] The lack of
    a start of order assessment also brought into question the effectiveness of management
    oversight."
    Para 3.15: "Although there is not a National Standard for the timeliness of a start of
    order OASys for the types of case which are allocated to CRC, we expect that it should be
    completed within 20 working days of sentence."
    Para 4.3: "In five cases, the majority from one division, the start of order OASys had
    not been completed four weeks after the offender had been sentenced. [...] one of the five
    cases was classified as a high risk of serious harm."
    Recommendation 52: "CRC managers should monitor the completion of the start of order
    assessment and take action if it is late."

    Ambiguity: the assessment is the person's, whatever its event_id. "An incomplete one" is
    an INCOMPLETE LAYER1 or LAYER3 assessment that exists at D, dated on or after the
    sentence date; where there are several, the reason names the latest (greatest
    assessment_date, ties to the greatest assessment_id). The due date is
    ``wd(sentence_date, within_working_days)``.
    """

    within_working_days: int = 20

    name: ClassVar[str] = "oasys_overdue"
    title: ClassVar[str] = "Start-of-order OASys overdue"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = (
        "high when the person has an active RHRH or RVHR flag, else medium"
    )
    paragraphs: ClassVar[tuple[str, ...]] = (
        "recommendation 39",
        "recommendation 52",
        "recommendation 56",
        "para 3.12",
        "para 3.13",
        "para 3.14",
        "para 3.15",
        "para 4.3",
    )

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active CO, SSO and LIC events."""
        return _start_of_order_events(ctx).select("crn", subject=pl.col("event_id").cast(pl.String))

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        due = ctx.overdue_events(self.within_working_days, _start_of_order_events(ctx))
        missing = due.join(_since_sentence(ctx, due, "COMPLETE"), on="event_id", how="anti")
        high_risk = ctx.persons_with(ctx.flags_of_type(*HIGH_ROSH_FLAGS)).with_columns(
            high_risk=pl.lit(True)
        )
        overdue = missing.join(_latest_started(ctx, missing), on="event_id", how="left").join(
            high_risk, on="crn", how="left"
        )
        return findings(
            overdue,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.when(pl.col("high_risk")).then(pl.lit("high")).otherwise(pl.lit("medium")),
            reason=_reason(),
        )


def _start_of_order_events(ctx: CheckContext) -> pl.LazyFrame:
    return ctx.active_events.filter(pl.col("disposal_type_code").is_in(START_OF_ORDER_DISPOSALS))


def _since_sentence(ctx: CheckContext, events: pl.LazyFrame, status: str) -> pl.LazyFrame:
    """event_id with each LAYER1/LAYER3 assessment of ``status`` dated on or after the
    event's sentence date."""
    assessments = ctx.assessments.filter(
        pl.col("assessment_type").is_in(OASYS_TYPES) & (pl.col("status") == status)
    ).select("crn", "assessment_id", "assessment_type", "assessment_date")
    return (
        events.select("event_id", "crn", "sentence_date")
        .join(assessments, on="crn")
        .filter(pl.col("assessment_date") >= pl.col("sentence_date"))
    )


def _latest_started(ctx: CheckContext, events: pl.LazyFrame) -> pl.LazyFrame:
    """event_id -> the type and date of the latest incomplete OASys since sentence."""
    return (
        _since_sentence(ctx, events, "INCOMPLETE")
        .sort("event_id", "assessment_date", "assessment_id")
        .group_by("event_id", maintain_order=True)
        .last()
        .select("event_id", started_type="assessment_type", started="assessment_date")
    )


def _reason() -> pl.Expr:
    started = (
        pl.when(pl.col("started").is_null())
        .then(pl.lit("none started"))
        .otherwise(
            pl.format(
                "{} started {} but not completed",
                pl.col("started_type"),
                fmt_date(pl.col("started")),
            )
        )
    )
    return pl.format(
        "start-of-order OASys not completed for event {}: {}; due by {}",
        sentenced_event(),
        started,
        fmt_date(pl.col("due_date")),
    )
