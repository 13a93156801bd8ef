"""first_appointment_unrecorded: an active CO, SSO or LIC event with no FIRST_APPOINTMENT
contact recorded by D, dated on or after sentence (booked for any date), for this event
or for no event, once the working day after sentence has passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.first_appointment_unrecorded import FirstAppointmentUnrecorded
from tests.builders import CRN, collect, context

SENTENCED = dt.date(2026, 10, 1)  # a Thursday: wd(SENTENCED, 1) = Friday 2026-10-02
D = dt.date(2026, 10, 20)
AFTER_D = D + dt.timedelta(days=1)


def run(as_of: dt.date = D, **rows: Any) -> list:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": SENTENCED}])
    return collect(FirstAppointmentUnrecorded().run(context(as_of, **rows)))


def appointment(
    day: dt.date, code: str = "COAI", recorded: dt.datetime | None = None, **more: Any
) -> dict:
    created = recorded or dt.datetime(2026, 10, 1, 15, 0)
    return {"contact_type_code": code, "contact_date": day, "created_datetime": created, **more}


@pytest.mark.parametrize(
    ("sentenced", "as_of", "raises"),
    [
        (SENTENCED, dt.date(2026, 10, 2), False),  # D = wd(s, 1)
        (SENTENCED, dt.date(2026, 10, 3), True),
        (dt.date(2025, 12, 24), dt.date(2025, 12, 29), False),  # Christmas 2025
        (dt.date(2025, 12, 24), dt.date(2025, 12, 30), True),
        (dt.date(2026, 4, 2), dt.date(2026, 4, 7), False),  # Easter 2026
        (dt.date(2026, 4, 2), dt.date(2026, 4, 8), True),
        (dt.date(2026, 5, 22), dt.date(2026, 5, 26), False),  # spring bank holiday
        (dt.date(2026, 5, 22), dt.date(2026, 5, 27), True),
        (dt.date(2026, 12, 24), dt.date(2026, 12, 29), False),  # Christmas 2026
        (dt.date(2026, 12, 24), dt.date(2026, 12, 30), True),
    ],
)
def test_due_the_working_day_after_sentence(sentenced, as_of, raises):
    assert bool(run(as_of, events=[{"sentence_date": sentenced}])) is raises


def test_finding_names_the_event_and_when_it_was_due():
    found = run(
        events=[{"event_number": 2, "disposal_type_code": "LIC", "sentence_date": SENTENCED}]
    )
    assert found == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "high",
            "reason": "No first appointment recorded for event 2 (LIC sentenced 2026-10-01);"
            " due by 2026-10-02",
            "due_date": dt.date(2026, 10, 2),
        }
    ]


@pytest.mark.parametrize(
    ("disposal", "raises"), [("CO", True), ("SSO", True), ("LIC", True), ("SC", False)]
)
def test_community_orders_and_licences_only(disposal, raises):
    found = run(events=[{"sentence_date": SENTENCED, "disposal_type_code": disposal}])
    assert bool(found) is raises


@pytest.mark.parametrize(
    ("contact", "raises"),
    [
        (appointment(SENTENCED), False),  # on the day of sentence
        (appointment(SENTENCED - dt.timedelta(days=1)), True),  # before sentence
        (appointment(dt.date(2026, 10, 8)), False),
        (appointment(AFTER_D), False),  # booked for after D, recorded by D: it is recorded
        (appointment(dt.date(2026, 11, 30), recorded=dt.datetime(2026, 10, 20, 23, 59)), False),
        (appointment(SENTENCED, recorded=dt.datetime(2026, 10, 21, 0, 0)), True),  # after D
        (appointment(SENTENCED, "CODI"), False),
        (appointment(SENTENCED, "COVI"), False),
        (appointment(SENTENCED, "COHV"), False),  # first appointment and home visit
        (appointment(SENTENCED, "CHVS"), True),  # a home visit only
        (appointment(SENTENCED, "COAP"), True),  # category OTHER
        (appointment(SENTENCED, outcome_code="AFTA"), False),  # recorded, though failed
        (appointment(SENTENCED, event_id=1), False),
        (appointment(SENTENCED, event_id=2), True),  # another event's appointment
        (appointment(SENTENCED, soft_deleted=True), True),
        (appointment(SENTENCED, crn="X000002"), True),  # someone else's
    ],
)
def test_a_recorded_first_appointment_for_the_event(contact, raises):
    offenders = [{}, {"crn": "X000002"}]
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "disposal_type_code": "SC"},
    ]
    found = run(offenders=offenders, events=events, contacts=[contact])
    assert [f["subject"] for f in found] == (["1"] if raises else [])


def test_a_deleted_event_hides_its_appointments():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "soft_deleted": True},
    ]
    found = run(events=events, contacts=[appointment(SENTENCED, event_id=2)])
    assert [f["subject"] for f in found] == ["1"]


def test_an_unlinked_appointment_counts_only_for_events_sentenced_by_its_date():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": dt.date(2026, 10, 5), "event_number": 2},
    ]
    found = run(events=events, contacts=[appointment(dt.date(2026, 10, 2))])
    assert [f["subject"] for f in found] == ["2"]


def test_a_site_may_define_its_own_first_appointment_types():
    types = [
        {"contact_type_code": "ZZ01", "description": "Induction", "category": "FIRST_APPOINTMENT"}
    ]
    assert run(contact_types=types, contacts=[appointment(SENTENCED, "ZZ01")]) == []
    assert len(run(contact_types=types, contacts=[appointment(SENTENCED, "COAI")])) == 1


@pytest.mark.parametrize(
    ("event", "raises"),
    [
        ({"active": False}, False),
        ({"termination_date": D}, False),
        ({"termination_date": AFTER_D}, True),
        ({"sentence_date": AFTER_D}, False),
        ({"soft_deleted": True}, False),
    ],
)
def test_only_active_events(event, raises):
    assert bool(run(events=[{"sentence_date": SENTENCED, **event}])) is raises


def test_scope_is_active_community_and_licence_events():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "disposal_type_code": "SC"},
        {"sentence_date": SENTENCED, "event_number": 3, "disposal_type_code": "SSO"},
        {"sentence_date": SENTENCED, "event_number": 4, "active": False},
    ]
    ctx = context(D, offenders=[{}], events=events)
    found = collect(FirstAppointmentUnrecorded().scope(ctx))
    assert [r["subject"] for r in found] == ["1", "3"]
