"""management_oversight_overdue: an active person with an active RVHR flag is due
management oversight every month, one with an active RHRH or RCPR flag every four months
(the shortest interval wins), counted from the later of the latest MANAGEMENT_OVERSIGHT
contact and the earliest registration of the flags carrying that interval."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.management_oversight_overdue import ManagementOversightOverdue
from tests.builders import CRN, collect, context

LATE = dt.date(2026, 12, 1)


def flag(code: str, registered: dt.date, **values: Any) -> dict[str, Any]:
    return {"register_type_code": code, "registration_date": registered} | values


def oversight(day: dt.date, code: str = "MO1", **values: Any) -> dict[str, Any]:
    """A management oversight contact recorded on the day it took place."""
    row = {
        "contact_type_code": code,
        "contact_date": day,
        "created_datetime": dt.datetime.combine(day, dt.time(12, 0)),
    }
    return row | values


def run(
    as_of: dt.date = LATE, check: ManagementOversightOverdue | None = None, **rows: Any
) -> list[dict[str, Any]]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect((check or ManagementOversightOverdue()).run(context(as_of, **rows)))


def due_dates(as_of: dt.date = LATE, **rows: Any) -> list[dt.date]:
    return [f["due_date"] for f in run(as_of, **rows)]


@pytest.mark.parametrize(
    ("code", "registered", "as_of", "raises"),
    [
        ("RVHR", dt.date(2026, 1, 31), dt.date(2026, 2, 28), False),  # month end clamps
        ("RVHR", dt.date(2026, 1, 31), dt.date(2026, 3, 1), True),
        ("RVHR", dt.date(2026, 3, 15), dt.date(2026, 4, 15), False),
        ("RVHR", dt.date(2026, 3, 15), dt.date(2026, 4, 16), True),
        ("RHRH", dt.date(2025, 10, 31), dt.date(2026, 2, 28), False),
        ("RHRH", dt.date(2025, 10, 31), dt.date(2026, 3, 1), True),
        ("RCPR", dt.date(2023, 10, 29), dt.date(2024, 2, 29), False),  # leap year
        ("RCPR", dt.date(2023, 10, 29), dt.date(2024, 3, 1), True),
        ("RMRH", dt.date(2020, 1, 6), LATE, False),
        ("RLRH", dt.date(2020, 1, 6), LATE, False),
        ("MAPP", dt.date(2020, 1, 6), LATE, False),
        ("RCCO", dt.date(2020, 1, 6), LATE, False),
    ],
)
def test_due_an_interval_after_the_flag_was_raised(code, registered, as_of, raises):
    assert bool(run(as_of, registrations=[flag(code, registered)])) is raises


def test_finding_is_about_the_person():
    found = run(
        dt.date(2026, 3, 1),
        registrations=[flag("RVHR", dt.date(2026, 1, 31))],
        contacts=[oversight(dt.date(2026, 1, 20))],
    )
    assert found == [
        {
            "crn": CRN,
            "subject": "",
            "severity": "high",
            "reason": "management oversight every 1 month(s) for RVHR flag(s) since "
            "2026-01-31: last oversight 2026-01-20; due by 2026-02-28",
            "due_date": dt.date(2026, 2, 28),
        }
    ]


def test_reason_says_when_no_oversight_is_recorded():
    (finding,) = run(registrations=[flag("RHRH", dt.date(2026, 1, 5))])
    assert "RHRH flag(s) since 2026-01-05: last oversight none recorded" in finding["reason"]


@pytest.mark.parametrize(
    ("flags", "due"),
    [
        pytest.param(
            [flag("RHRH", dt.date(2025, 1, 10)), flag("RVHR", dt.date(2026, 9, 10))],
            dt.date(2026, 10, 10),
            id="raised to Very High: a month after that",
        ),
        pytest.param(
            [flag("RHRH", dt.date(2026, 1, 10)), flag("RCPR", dt.date(2025, 11, 10))],
            dt.date(2026, 3, 10),
            id="RHRH and RCPR: the earliest",
        ),
        pytest.param(
            [flag("RVHR", dt.date(2026, 6, 10)), flag("RVHR", dt.date(2026, 5, 10))],
            dt.date(2026, 6, 10),
            id="two RVHR flags: the earliest",
        ),
        pytest.param(
            [
                flag("RVHR", dt.date(2026, 5, 10), deregistered=True),
                flag("RHRH", dt.date(2026, 5, 20)),
            ],
            dt.date(2026, 9, 20),
            id="RVHR deregistered: every four months",
        ),
        pytest.param(
            [
                flag(
                    "RVHR",
                    dt.date(2026, 5, 10),
                    deregistered=True,
                    deregistration_date=LATE + dt.timedelta(days=1),
                ),
                flag("RHRH", dt.date(2026, 1, 20)),
            ],
            dt.date(2026, 6, 10),
            id="RVHR deregistered after D",
        ),
        pytest.param(
            [
                flag("RVHR", dt.date(2026, 5, 10), deregistered=True, deregistration_date=LATE),
                flag("RHRH", dt.date(2026, 5, 20)),
            ],
            dt.date(2026, 9, 20),
            id="RVHR deregistered on D",
        ),
        pytest.param(
            [flag("RVHR", LATE + dt.timedelta(days=1)), flag("RHRH", dt.date(2026, 5, 20))],
            dt.date(2026, 9, 20),
            id="RVHR registered after D",
        ),
        pytest.param(
            [
                flag("RVHR", dt.date(2026, 5, 10), soft_deleted=True),
                flag("RHRH", dt.date(2026, 5, 20)),
            ],
            dt.date(2026, 9, 20),
            id="RVHR soft-deleted",
        ),
        pytest.param(
            [flag("RVHR", dt.date(2026, 5, 10), crn="X000002"), flag("RHRH", dt.date(2026, 5, 20))],
            dt.date(2026, 9, 20),
            id="another person's RVHR",
        ),
        pytest.param(
            [flag("RHRH", dt.date(2026, 5, 20)), flag("RMRH", dt.date(2026, 1, 1))],
            dt.date(2026, 9, 20),
            id="an RMRH flag carries no interval",
        ),
    ],
)
def test_the_shortest_interval_wins_from_its_earliest_flag(flags, due):
    assert due_dates(offenders=[{}, {"crn": "X000002"}], registrations=flags) == [due]


@pytest.mark.parametrize(
    ("contacts", "due"),
    [
        pytest.param([], dt.date(2026, 2, 10), id="none: from the flag"),
        pytest.param([oversight(dt.date(2026, 5, 4))], dt.date(2026, 6, 4), id="MO1"),
        pytest.param([oversight(dt.date(2026, 5, 4), "CSPO")], dt.date(2026, 6, 4), id="CSPO"),
        pytest.param(
            [oversight(dt.date(2026, 5, 4)), oversight(dt.date(2026, 3, 31))],
            dt.date(2026, 6, 4),
            id="the latest",
        ),
        pytest.param(
            [oversight(dt.date(2026, 3, 31))], dt.date(2026, 4, 30), id="clamped to the month's end"
        ),
        pytest.param(
            [oversight(dt.date(2025, 12, 1))],
            dt.date(2026, 2, 10),
            id="before the flag: from the flag",
        ),
        pytest.param(
            [oversight(dt.date(2026, 5, 4), "COAP")],
            dt.date(2026, 2, 10),
            id="an office visit is no oversight",
        ),
        pytest.param(
            [oversight(LATE + dt.timedelta(days=1), created_datetime=dt.datetime(2026, 11, 1, 9))],
            dt.date(2026, 2, 10),
            id="booked for after D",
        ),
        pytest.param(
            [oversight(dt.date(2026, 5, 4), created_datetime=dt.datetime(2026, 12, 2))],
            dt.date(2026, 2, 10),
            id="recorded after D",
        ),
        pytest.param(
            [oversight(dt.date(2026, 5, 4), soft_deleted=True)],
            dt.date(2026, 2, 10),
            id="soft-deleted",
        ),
        pytest.param(
            [oversight(dt.date(2026, 5, 4), event_id=None)], dt.date(2026, 6, 4), id="no event"
        ),
        pytest.param(
            [oversight(dt.date(2026, 5, 4), crn="X000002")],
            dt.date(2026, 2, 10),
            id="another person's",
        ),
    ],
)
def test_the_latest_oversight_restarts_the_clock(contacts, due):
    found = due_dates(
        offenders=[{}, {"crn": "X000002"}],
        registrations=[flag("RVHR", dt.date(2026, 1, 10))],
        contacts=contacts,
    )
    assert found == [due]


@pytest.mark.parametrize(
    ("last", "as_of", "raises"),
    [
        (dt.date(2026, 11, 1), dt.date(2026, 12, 1), False),  # D = B + 1 month
        (dt.date(2026, 11, 1), dt.date(2026, 12, 2), True),
        (LATE, LATE, False),  # oversight on D
    ],
)
def test_overdue_the_day_after_b_plus_the_interval(last, as_of, raises):
    found = run(
        as_of, registrations=[flag("RVHR", dt.date(2026, 1, 10))], contacts=[oversight(last)]
    )
    assert bool(found) is raises


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
def test_only_active_persons(offender, event):
    rows = {
        "offenders": [offender],
        "events": [event],
        "registrations": [flag("RVHR", dt.date(2026, 1, 10))],
    }
    assert run(**rows) == []
    ctx = context(LATE, **rows)
    assert collect(ManagementOversightOverdue().scope(ctx)) == []


def test_intervals_are_parameters():
    check = ManagementOversightOverdue(very_high_months=2, high_or_child_protection_months=6)
    found = run(check=check, registrations=[flag("RVHR", dt.date(2026, 1, 31))])
    assert [f["due_date"] for f in found] == [dt.date(2026, 3, 31)]
    found = run(check=check, registrations=[flag("RCPR", dt.date(2026, 1, 31))])
    assert [f["due_date"] for f in found] == [dt.date(2026, 7, 31)]
    inverted = ManagementOversightOverdue(very_high_months=6, high_or_child_protection_months=2)
    found = run(
        check=inverted,
        registrations=[flag("RVHR", dt.date(2026, 1, 1)), flag("RHRH", dt.date(2026, 3, 1))],
    )
    assert [f["due_date"] for f in found] == [dt.date(2026, 5, 1)]


def test_scope_is_every_active_person_with_an_oversight_flag():
    ctx = context(
        LATE,
        offenders=[{}, {"crn": "X000002"}, {"crn": "X000003"}],
        events=[{}, {"crn": "X000002"}, {"crn": "X000003"}],
        registrations=[
            flag("RVHR", dt.date(2026, 1, 1)),
            flag("RCPR", dt.date(2026, 1, 1)),
            flag("RHRH", dt.date(2026, 11, 30), crn="X000002"),
            flag("RMRH", dt.date(2026, 1, 1), crn="X000003"),
        ],
    )
    assert collect(ManagementOversightOverdue().scope(ctx)) == [
        {"crn": CRN, "subject": ""},
        {"crn": "X000002", "subject": ""},
    ]


def test_each_person_has_their_own_interval():
    found = run(
        offenders=[{}, {"crn": "X000002"}],
        events=[{}, {"crn": "X000002"}],
        registrations=[
            flag("RHRH", dt.date(2026, 5, 20)),
            flag("RVHR", dt.date(2026, 5, 10), crn="X000002"),
        ],
    )
    assert [(f["crn"], f["due_date"]) for f in found] == [
        (CRN, dt.date(2026, 9, 20)),
        ("X000002", dt.date(2026, 6, 10)),
    ]
