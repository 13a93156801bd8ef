"""safeguarding_response_overdue: a police or children's services check requested within
the last 365 days, with no response of the same kind dated on or after the request, is
overdue ten working days after the later of the request and its latest chase."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.safeguarding_response_overdue import SafeguardingResponseOverdue
from schemas.codes import bundled_contact_types
from tests.builders import CRN, collect, context

REQUESTED = dt.date(2026, 5, 15)  # a Friday: wd(REQUESTED, 10) = 2026-06-01 (25 May holiday)
DUE = dt.date(2026, 6, 1)
LATE = dt.date(2026, 6, 2)


def contact(code: str, day: dt.date, **values: Any) -> dict[str, Any]:
    """A contact of the given type, recorded on the day it took place."""
    row = {
        "contact_type_code": code,
        "contact_date": day,
        "created_datetime": dt.datetime.combine(day, dt.time(9, 0)),
    }
    return row | values


def police_request(day: dt.date = REQUESTED, **values: Any) -> dict[str, Any]:
    return contact("C369", day, contact_id=1, **values)


def run(
    as_of: dt.date = LATE, check: SafeguardingResponseOverdue | None = None, **rows: Any
) -> list[dict[str, Any]]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    rows.setdefault("contacts", [police_request()])
    return collect((check or SafeguardingResponseOverdue()).run(context(as_of, **rows)))


def scope(as_of: dt.date = LATE, **rows: Any) -> list[dict[str, Any]]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect(SafeguardingResponseOverdue().scope(context(as_of, **rows)))


def then(*contacts: dict[str, Any]) -> list[dict[str, Any]]:
    """The police request of REQUESTED followed by other contacts (ids from 2)."""
    return [police_request()] + [c | {"contact_id": n} for n, c in enumerate(contacts, 2)]


@pytest.mark.parametrize(
    ("requested", "as_of", "raises"),
    [
        (REQUESTED, DUE, False),  # over the spring bank holiday 2026-05-25
        (REQUESTED, LATE, True),
        (dt.date(2025, 12, 12), dt.date(2025, 12, 30), False),  # over Christmas 2025
        (dt.date(2025, 12, 12), dt.date(2025, 12, 31), True),
        (dt.date(2026, 4, 3), dt.date(2026, 4, 20), False),  # requested on Good Friday 2026
        (dt.date(2026, 4, 3), dt.date(2026, 4, 21), True),
        (dt.date(2026, 3, 20), dt.date(2026, 4, 7), False),  # over Easter 2026 (3, 6 April)
        (dt.date(2026, 3, 20), dt.date(2026, 4, 8), True),
    ],
)
def test_due_ten_working_days_after_the_request(requested, as_of, raises):
    found = run(as_of, contacts=[police_request(requested)])
    assert bool(found) is raises


def test_finding_names_the_request_and_when_the_response_was_due():
    assert run() == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "medium",
            "reason": "no response to the police check requested 2026-05-15 (C369), not "
            "chased; response due by 2026-06-01",
            "due_date": DUE,
        }
    ]


def test_childrens_services_requests_are_checked_alike():
    found = run(contacts=[contact("SFGC", REQUESTED, contact_id=7)])
    assert [(f["subject"], f["due_date"]) for f in found] == [("7", DUE)]
    assert "children's services check requested 2026-05-15 (SFGC)" in found[0]["reason"]


@pytest.mark.parametrize(
    ("chases", "due"),
    [
        pytest.param([], DUE, id="not chased"),
        pytest.param(
            [contact("XPCH", dt.date(2026, 5, 22))],
            dt.date(2026, 6, 8),
            id="chased: due from the chase",
        ),
        pytest.param(
            [contact("XPCH", dt.date(2026, 5, 18)), contact("XPCH", dt.date(2026, 5, 22))],
            dt.date(2026, 6, 8),
            id="the latest chase",
        ),
        pytest.param([contact("XPCH", REQUESTED)], DUE, id="chased the same day"),
        pytest.param([contact("XPCH", dt.date(2026, 5, 14))], DUE, id="chase before the request"),
        pytest.param([contact("XSCH", dt.date(2026, 5, 22))], DUE, id="chase of the other kind"),
        pytest.param(
            [contact("XPCH", dt.date(2026, 5, 22), soft_deleted=True)], DUE, id="soft-deleted chase"
        ),
        pytest.param(
            [contact("XPCH", dt.date(2026, 5, 22), event_id=None)],
            dt.date(2026, 6, 8),
            id="chase with no event",
        ),
    ],
)
def test_a_chase_restarts_the_clock(chases, due):
    found = run(dt.date(2026, 6, 30), contacts=then(*chases))
    assert [f["due_date"] for f in found] == [due]


@pytest.mark.parametrize(
    ("chase", "as_of", "raises"),
    [
        pytest.param(
            contact("XPCH", dt.date(2026, 5, 22)),
            dt.date(2026, 6, 8),
            False,
            id="D = wd(chase, 10)",
        ),
        pytest.param(
            contact("XPCH", dt.date(2026, 5, 22)), dt.date(2026, 6, 9), True, id="the day after"
        ),
        pytest.param(
            contact("XPCH", LATE + dt.timedelta(days=1)), LATE, True, id="chase dated after D"
        ),
        pytest.param(
            contact("XPCH", dt.date(2026, 5, 29), created_datetime=dt.datetime(2026, 6, 3, 9)),
            LATE,
            True,
            id="chase recorded after D",
        ),
        pytest.param(
            contact("XPCH", dt.date(2026, 5, 29), created_datetime=dt.datetime(2026, 6, 2, 23, 59)),
            LATE,
            False,
            id="chase recorded late on D",
        ),
    ],
)
def test_only_chases_that_happened_and_were_recorded_by_d(chase, as_of, raises):
    found = run(as_of, contacts=then(chase))
    assert bool(found) is raises


@pytest.mark.parametrize(
    ("response", "raises"),
    [
        pytest.param(contact("C515", dt.date(2026, 5, 20)), False, id="response"),
        pytest.param(contact("C515", REQUESTED), False, id="response the same day"),
        pytest.param(contact("C515", dt.date(2026, 5, 14)), True, id="response before request"),
        pytest.param(contact("C515", LATE), False, id="response dated D"),
        pytest.param(
            contact("C515", LATE + dt.timedelta(days=1)), True, id="response dated after D"
        ),
        pytest.param(
            contact("C515", dt.date(2026, 5, 20), created_datetime=dt.datetime(2026, 6, 3, 0, 1)),
            True,
            id="response recorded after D",
        ),
        pytest.param(contact("SFRR", dt.date(2026, 5, 20)), True, id="response of the other kind"),
        pytest.param(
            contact("C515", dt.date(2026, 5, 20), soft_deleted=True),
            True,
            id="soft-deleted response",
        ),
        pytest.param(
            contact("C515", dt.date(2026, 5, 20), event_id=None), False, id="response with no event"
        ),
        pytest.param(
            contact("C515", dt.date(2026, 5, 20), crn="X000002"),
            True,
            id="another person's response",
        ),
        pytest.param(contact("XPCH", REQUESTED), True, id="a chase is no response"),
    ],
)
def test_a_response_of_the_same_kind_on_or_after_the_request_answers_it(response, raises):
    found = run(offenders=[{}, {"crn": "X000002"}], contacts=then(response))
    assert bool(found) is raises


def test_each_request_is_judged_on_its_own():
    contacts = [
        police_request(dt.date(2026, 3, 2)),
        contact("C515", dt.date(2026, 3, 10), contact_id=2),
        contact("C369", REQUESTED, contact_id=3),
    ]
    assert [f["subject"] for f in run(contacts=contacts)] == ["3"]


def test_a_response_after_a_later_request_answers_both():
    contacts = [
        police_request(dt.date(2026, 3, 2)),
        contact("C369", REQUESTED, contact_id=2),
        contact("C515", dt.date(2026, 5, 20), contact_id=3),
    ]
    assert run(contacts=contacts) == []


@pytest.mark.parametrize(
    ("requested", "in_scope"),
    [
        pytest.param(police_request(dt.date(2025, 6, 2)), True, id="D − 365 days"),
        pytest.param(police_request(dt.date(2025, 6, 1)), False, id="D − 366 days"),
        pytest.param(police_request(LATE), True, id="dated D"),
        pytest.param(police_request(LATE + dt.timedelta(days=1)), False, id="dated after D"),
        pytest.param(
            police_request(created_datetime=dt.datetime(2026, 6, 3, 9)),
            False,
            id="recorded after D",
        ),
        pytest.param(police_request(soft_deleted=True), False, id="soft-deleted"),
        pytest.param(police_request(event_id=None), True, id="no event"),
        pytest.param(contact("C515", REQUESTED, contact_id=1), False, id="a response"),
        pytest.param(contact("XPCH", REQUESTED, contact_id=1), False, id="a chase"),
    ],
)
def test_scope_is_the_requests_of_the_last_365_days(requested, in_scope):
    expected = [{"crn": CRN, "subject": "1"}] if in_scope else []
    assert scope(contacts=[requested]) == expected
    assert bool(run(contacts=[requested])) is (in_scope and requested["contact_date"] < DUE)


@pytest.mark.parametrize(
    ("offender", "event"),
    [
        pytest.param({}, {"active": False}, id="inactive person"),
        pytest.param({}, {"termination_date": LATE}, id="terminated on D"),
        pytest.param({}, {"soft_deleted": True}, id="deleted event"),
        pytest.param({"soft_deleted": True}, {}, id="deleted person"),
        pytest.param({}, {"sentence_date": LATE + dt.timedelta(days=1)}, id="sentenced after D"),
    ],
)
def test_only_requests_of_active_persons(offender, event):
    rows = {"offenders": [offender], "events": [event], "contacts": [police_request(event_id=None)]}
    assert scope(**rows) == []
    assert run(**rows) == []


def test_a_request_of_an_inactive_event_of_an_active_person_counts():
    events = [{}, {"event_number": 2, "active": False}]
    found = run(events=events, contacts=[police_request(event_id=2)])
    assert [f["subject"] for f in found] == ["1"]


def test_a_request_of_a_deleted_event_is_hidden():
    events = [{}, {"event_number": 2, "soft_deleted": True}]
    assert run(events=events, contacts=[police_request(event_id=2)]) == []


def test_a_type_listed_as_both_kinds_of_request_raises_once():
    types = bundled_contact_types().to_dicts() + [
        {"contact_type_code": "XREQ", "description": "Both", "category": "POLICE_CHECK_REQUEST"},
        {"contact_type_code": "XREQ", "description": "Both", "category": "CHILDREN_CHECK_REQUEST"},
    ]
    contacts = [contact("XREQ", REQUESTED, contact_id=1)]
    found = run(contact_types=types, contacts=contacts)
    assert [(f["subject"], f["due_date"]) for f in found] == [("1", DUE)]
    assert found[0]["reason"].count("no response") == 2
    answered = contacts + [contact("SFRR", dt.date(2026, 5, 20), contact_id=2)]
    found = run(contact_types=types, contacts=answered)
    assert len(found) == 1
    assert "police check" in found[0]["reason"]
    assert "children's services" not in found[0]["reason"]
    types_scope = scope(contact_types=types, contacts=contacts)
    assert types_scope == [{"crn": CRN, "subject": "1"}]


def test_parameters():
    later = SafeguardingResponseOverdue(within_working_days=11)
    assert run(check=later) == []
    assert [f["due_date"] for f in run(dt.date(2026, 6, 3), check=later)] == [LATE]
    shorter = SafeguardingResponseOverdue(lookback_days=18)  # from 2026-05-15 on 2026-06-02
    assert [f["subject"] for f in run(check=shorter)] == ["1"]
    shorter = SafeguardingResponseOverdue(lookback_days=17)
    assert run(check=shorter) == []
