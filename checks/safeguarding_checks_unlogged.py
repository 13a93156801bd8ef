"""safeguarding_checks_unlogged: a police domestic abuse or children's services check is
indicated for an event, and no request for it is logged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date

if TYPE_CHECKING:
    from checks.context import CheckContext

POLICE_REQUEST = "POLICE_CHECK_REQUEST"
CHILDREN_REQUEST = "CHILDREN_CHECK_REQUEST"
LOGGED_BY = {POLICE_REQUEST: "police_logged", CHILDREN_REQUEST: "children_logged"}


@dataclass(frozen=True)
class SafeguardingChecksUnlogged(Check):
    """For an active event past ``wd(sentence_date, within_working_days)``, a police domestic
    abuse check is indicated by a domestic abuse event or an active DOMESTIC_ABUSE flag; a
    children's services check by the same, an active SAFEGUARDING flag, or a child protection
    concern in the latest completed RoSH screening or full analysis. An indicated check is
    logged by a request contact of its kind dated from ``sentence_date − lookback_days`` to D.

    Report, para 2.35: "It is good practice for anyone preparing a report to court to check
    whether police domestic abuse units and children's services had any involvement with the
    offender or their family, where appropriate."
    Para 2.37: "It is critical that staff undertake all necessary checks as soon as possible.
    Establishing whether there are child protection concerns is important work for probation
    staff; failing to do so is not defensible."
    Para 2.38: "It was disappointing that checks with children's services, and in
    particularly checks with police domestic abuse units, were rarely recorded on nDelius,
    either initiating a check or receiving a reply, at the report or start of order stage."
    Recommendation 22: "All staff in the NPS and CRCs should adopt the practice of recording
    on nDelius any requests for information made to children's services and/or police
    domestic abuse units; and also record when information is received or chased up."
    Recommendation 36: "CRC and NPS offender managers should ensure that checks with police
    domestic abuse units and children's services are completed as soon as possible,
    preferably at the report stage."

    Ambiguity: the request may belong to any event of the person (or none): the rule asks
    whether "the person has a request contact", so it is not tied to the event. Only requests
    that happened (contact_date ≤ D) and were recorded by D count. The due date is
    ``wd(sentence_date, within_working_days)``.
    """

    within_working_days: int = 5
    lookback_days: int = 90

    name: ClassVar[str] = "safeguarding_checks_unlogged"
    title: ClassVar[str] = "Police or children's services check not logged"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "high"
    paragraphs: ClassVar[tuple[str, ...]] = (
        "recommendation 22",
        "recommendation 36",
        "recommendation 37",
        "para 2.35",
        "para 2.36",
        "para 2.37",
        "para 2.38",
        "para 2.39",
    )

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active events past wd(sentence_date, within_working_days)."""
        return self._due_events(ctx).select("crn", subject=pl.col("event_id").cast(pl.String))

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        events = self._logged(ctx, self._indications(ctx, self._due_events(ctx)))
        police_missing = pl.col("police_indicated") & ~pl.col("police_logged")
        children_missing = pl.col("children_indicated") & ~pl.col("children_logged")
        unlogged = events.filter(police_missing | children_missing)
        return findings(
            unlogged,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.lit("high"),
            reason=self._reason(police_missing, children_missing),
        )

    def _due_events(self, ctx: CheckContext) -> pl.LazyFrame:
        return ctx.overdue_events(self.within_working_days)

    def _indications(self, ctx: CheckContext, events: pl.LazyFrame) -> pl.LazyFrame:
        """Mark why each check is indicated."""
        concern = ctx.latest_assessment("rosh_screening_or_full").filter(
            pl.col("child_protection_concern") == "YES"
        )
        marked = _mark(events, ctx.flags_of_group("DOMESTIC_ABUSE"), "abuse_flag")
        marked = _mark(marked, ctx.flags_of_group("SAFEGUARDING"), "safeguarding_flag")
        marked = _mark(marked, concern, "child_protection_concern")
        police = pl.col("domestic_abuse") | pl.col("abuse_flag")
        return marked.with_columns(
            police_indicated=police,
            children_indicated=police
            | pl.col("safeguarding_flag")
            | pl.col("child_protection_concern"),
        )

    def _logged(self, ctx: CheckContext, events: pl.LazyFrame) -> pl.LazyFrame:
        """Mark which checks have a request in the window sentence_date − lookback to D."""
        for category, column in LOGGED_BY.items():
            requests = ctx.contacts_of(category).select("crn", "contact_date")
            in_window = events.join(requests, on="crn").filter(
                pl.col("contact_date") >= self._window_start()
            )
            events = _mark(events, in_window.select("event_id"), column, on="event_id")
        return events

    def _window_start(self) -> pl.Expr:
        return pl.col("sentence_date").dt.offset_by(f"-{self.lookback_days}d")

    def _reason(self, police_missing: pl.Expr, children_missing: pl.Expr) -> pl.Expr:
        missing = pl.concat_str(
            pl.when(police_missing).then(pl.lit("police domestic abuse check")),
            pl.when(children_missing).then(pl.lit("children's services check")),
            separator=" and ",
            ignore_nulls=True,
        )
        return pl.format(
            "{} not logged for event {} ({} sentenced {}; indicated by {}): no request "
            "since {}; due by {}",
            missing,
            pl.col("event_number"),
            pl.col("disposal_type_code"),
            fmt_date(pl.col("sentence_date")),
            _indicators(),
            fmt_date(self._window_start()),
            fmt_date(pl.col("due_date")),
        )


def _indicators() -> pl.Expr:
    return pl.concat_str(
        pl.when(pl.col("domestic_abuse")).then(pl.lit("domestic abuse offence")),
        pl.when(pl.col("abuse_flag")).then(pl.lit("DOMESTIC_ABUSE flag")),
        pl.when(pl.col("safeguarding_flag")).then(pl.lit("SAFEGUARDING flag")),
        pl.when(pl.col("child_protection_concern")).then(
            pl.lit("child protection concern in OASys")
        ),
        separator=", ",
        ignore_nulls=True,
    )


def _mark(frame: pl.LazyFrame, having: pl.LazyFrame, column: str, on: str = "crn") -> pl.LazyFrame:
    """Add a boolean ``column``: whether the row's ``on`` key appears in ``having``."""
    keys = having.select(on).unique().with_columns(pl.lit(True).alias(column))
    return frame.join(keys, on=on, how="left").with_columns(pl.col(column).fill_null(False))
