"""first_appointment_unrecorded: an order or licence with no first appointment recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, sentenced_event

if TYPE_CHECKING:
    from checks.context import CheckContext

DISPOSALS = ("CO", "SSO", "LIC")  # orders and licences supervised in the community


@dataclass(frozen=True)
class FirstAppointmentUnrecorded(Check):
    """An active CO, SSO or LIC event with no first appointment recorded for it.

    Raise for an active event with disposal ``CO``, ``SSO`` or ``LIC`` when
    ``D > wd(sentence_date, within_working_days)`` and the person has no contact of category
    ``FIRST_APPOINTMENT`` with ``contact_date ≥ sentence_date`` whose event_id is this event
    or null. What the rule asks is that the appointment is recorded: a contact recorded by D
    counts even when the appointment is booked for a date after D, and whatever its outcome.

    The report, recommendation 1: "written first appointments are arranged before court,
    handed to the offender after sentence and clearly recorded on nDelius". Recommendation
    18: "all offenders made subject to orders in a court on a specific day are given
    appointments to report to the allocated agency and appointments are confirmed with that
    agency, and recorded on nDelius." Para 2.22: "While in most courts written appointments
    were given to offenders before leaving court, we were disappointed that these were not
    always well recorded on nDelius." Para 2.26: "all offenders who are made subject to an
    order do not leave court without receiving a first appointment which has been confirmed
    with the allocated agency." Para 2.29: "the first appointment was not always recorded".
    """

    within_working_days: int = 1

    name: ClassVar[str] = "first_appointment_unrecorded"
    title: ClassVar[str] = "First appointment not recorded"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "high"
    paragraphs: ClassVar[tuple[str, ...]] = (
        "recommendation 1",
        "recommendation 18",
        "para 2.22",
        "para 2.26",
        "para 2.29",
    )

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        due = ctx.overdue_events(self.within_working_days, self._events(ctx))
        missing = due.join(_with_appointment(ctx, due), on="event_id", how="anti")
        return findings(
            missing,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.lit("high"),
            reason=pl.format(
                "No first appointment recorded for event {}; due by {}",
                sentenced_event(),
                fmt_date(pl.col("due_date")),
            ),
        )

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active events with disposal CO, SSO or LIC."""
        return self._events(ctx).select("crn", subject=pl.col("event_id").cast(pl.String))

    def _events(self, ctx: CheckContext) -> pl.LazyFrame:
        return ctx.active_events.filter(pl.col("disposal_type_code").is_in(DISPOSALS))


def _with_appointment(ctx: CheckContext, events: pl.LazyFrame) -> pl.LazyFrame:
    """event_id of the events that have a recorded first appointment: a FIRST_APPOINTMENT
    contact of the person, recorded by D (booked for any date), dated on or after the
    sentence, whose event_id is the event or null."""
    appointments = ctx.contacts_of("FIRST_APPOINTMENT", happened=False).select(
        "crn", contact_event_id=pl.col("event_id"), contact_date=pl.col("contact_date")
    )
    return (
        events.select("event_id", "crn", "sentence_date")
        .join(appointments, on="crn", how="inner")
        .filter(
            (pl.col("contact_date") >= pl.col("sentence_date"))
            & (
                pl.col("contact_event_id").is_null()
                | (pl.col("contact_event_id") == pl.col("event_id"))
            )
        )
        .select("event_id")
        .unique()
    )
