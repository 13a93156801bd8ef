"""home_visit_missing: a home visit is indicated for a new order and none has taken place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, sentenced_event

if TYPE_CHECKING:
    from checks.context import CheckContext

START_OF_ORDER_DISPOSALS = ("CO", "SSO", "LIC")
HIGH_ROSH_FLAGS = ("RHRH", "RVHR")
NOT_A_VISIT = ("AFTA", "UAAB", "APPW", "RSSR")


@dataclass(frozen=True)
class HomeVisitMissing(Check):
    """For an active CO, SSO or LIC event past ``wd(sentence_date, within_working_days)``, a home
    visit is indicated by a domestic abuse or SEXUAL event, an active SAFEGUARDING flag, or
    an active RHRH or RVHR flag. Raise when indicated and the person has no HOME_VISIT
    contact dated from the sentence date to D whose outcome is not a failed or cancelled one
    (AFTA, UAAB, APPW, RSSR); a visit with no outcome recorded counts.

    Report, para 3.23: "In the majority of CRC cases a home visit was not required, however,
    when we thought a home visit should have taken place, usually due to domestic abuse
    and/or concerns about children, this had happened in only 5 out of 35 cases."
    Para 4.8: "We also agreed that in cases where the offender was categorised as a high risk
    of serious harm or had a history of sexual offending, or to support the protection of
    children, a home visit should be done. However we found that in the majority of cases in
    our sample, home visits had not been undertaken."
    Recommendation 40: "Purposeful home visits should be completed by all CRC offender
    managers in cases where there are concerns about domestic abuse and/or safeguarding
    children."
    Recommendation 55: "NPS managers should ensure that purposeful home visits are taking
    place, where appropriate, when the offender is classified high risk of serious harm,
    where there is a history of sexual offences or domestic abuse, or where there are child
    protection concerns."

    Ambiguity: the visit is the person's, whatever its event_id; only visits that happened
    (contact_date ≤ D) and were recorded by D count. The due date is
    ``wd(sentence_date, within_working_days)``.
    """

    within_working_days: int = 20

    name: ClassVar[str] = "home_visit_missing"
    title: ClassVar[str] = "Home visit not done"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "medium"
    paragraphs: ClassVar[tuple[str, ...]] = (
        "recommendation 40",
        "recommendation 55",
        "para 3.23",
        "para 4.8",
    )

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active CO, SSO and LIC events past wd(sentence_date, within_working_days)."""
        return self._due_events(ctx).select("crn", subject=pl.col("event_id").cast(pl.String))

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        indicated = _with_flag_codes(ctx, self._due_events(ctx)).filter(_indicated())
        missing = indicated.join(_visited(ctx, indicated), on="event_id", how="anti")
        return findings(
            missing,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.lit("medium"),
            reason=_reason(),
        )

    def _due_events(self, ctx: CheckContext) -> pl.LazyFrame:
        start_of_order = ctx.active_events.filter(
            pl.col("disposal_type_code").is_in(START_OF_ORDER_DISPOSALS)
        )
        return ctx.overdue_events(self.within_working_days, start_of_order)


def _with_flag_codes(ctx: CheckContext, events: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``flag_codes``: the types of the person's active SAFEGUARDING, RHRH and RVHR
    flags, a list (null when there are none)."""
    flags = (
        pl.concat([ctx.flags_of_group("SAFEGUARDING"), ctx.flags_of_type(*HIGH_ROSH_FLAGS)])
        .group_by("crn")
        .agg(flag_codes=pl.col("register_type_code").unique())
    )
    return events.join(flags, on="crn", how="left")


def _indicated() -> pl.Expr:
    """A domestic abuse or SEXUAL event, or one of the flags, calls for a home visit."""
    return (
        pl.col("domestic_abuse")
        | (pl.col("offence_category") == "SEXUAL")
        | pl.col("flag_codes").is_not_null()
    )


def _indications() -> pl.Expr:
    """What calls for the home visit, e.g. "domestic abuse, RCPR, RHRH flag"."""
    return pl.concat_str(
        pl.when(pl.col("domestic_abuse")).then(pl.lit("domestic abuse")),
        pl.when(pl.col("offence_category") == "SEXUAL").then(pl.lit("sexual offence")),
        pl.format("{} flag", pl.col("flag_codes").list.sort().list.join(", ")),
        separator=", ",
        ignore_nulls=True,
    )


def _visited(ctx: CheckContext, events: pl.LazyFrame) -> pl.LazyFrame:
    """event_id of events whose person has had a home visit since sentence."""
    visits = ctx.contacts_of("HOME_VISIT").filter(
        pl.col("outcome_code").is_null() | ~pl.col("outcome_code").is_in(NOT_A_VISIT)
    )
    return (
        events.select("event_id", "crn", "sentence_date")
        .join(visits.select("crn", "contact_date"), on="crn")
        .filter(pl.col("contact_date") >= pl.col("sentence_date"))
        .select("event_id")
        .unique()
    )


def _reason() -> pl.Expr:
    return pl.format(
        "no home visit since event {} although indicated by {}; due by {}",
        sentenced_event(),
        _indications(),
        fmt_date(pl.col("due_date")),
    )
