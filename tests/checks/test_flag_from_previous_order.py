"""flag_from_previous_order: an active flag that does not persist between orders must not
outlive the order, nor survive from an earlier period of supervision unreviewed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.flag_from_previous_order import FlagFromPreviousOrder
from tests.builders import collect, context

D = dt.date(2026, 3, 15)
P = dt.date(2025, 1, 6)


def flag(code: str = "REG30", on: dt.date = dt.date(2024, 6, 3), **extra: Any) -> dict:
    return {"register_type_code": code, "registration_date": on, **extra}


def review(on: dt.date | None, completed: bool = True, **extra: Any) -> dict[str, Any]:
    return {"registration_id": 1, "review_date": on, "completed": completed, **extra}


def run(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": P}])
    return collect(FlagFromPreviousOrder().run(context(D, **rows)))


def scope(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": P}])
    return collect(FlagFromPreviousOrder().scope(context(D, **rows)))


def test_flag_of_a_person_with_no_active_event_outlived_the_order() -> None:
    found = run(events=[{"sentence_date": P, "termination_date": D}], registrations=[flag()])
    assert found == [
        {
            "crn": "X000001",
            "subject": "1",
            "severity": "medium",
            "reason": "REG30 flag registered 2024-06-03 is still active but the person has no"
            " active event: the flag outlived the order",
            "due_date": None,
        }
    ]


@pytest.mark.parametrize(
    "events",
    [
        pytest.param([], id="no event at all"),
        pytest.param([{"active": False}], id="event not active"),
        pytest.param([{"sentence_date": dt.date(2026, 3, 16)}], id="only event sentenced after D"),
        pytest.param([{"soft_deleted": True}], id="only event soft-deleted"),
    ],
)
def test_inactive_person_raises(events: list) -> None:
    found = run(events=events, registrations=[flag()])
    assert [f["subject"] for f in found] == ["1"]
    assert "outlived the order" in found[0]["reason"]


def test_persisting_flag_of_an_inactive_person_is_not_examined() -> None:
    rows: dict[str, Any] = {
        "events": [],
        "registrations": [flag("ARSO"), flag("INLL"), flag("AVIS")],
    }
    assert run(**rows) == [] and scope(**rows) == []


def test_soft_deleted_person_hides_the_flags() -> None:
    rows: dict[str, Any] = {
        "offenders": [{"soft_deleted": True}],
        "events": [],
        "registrations": [flag()],
    }
    assert run(**rows) == [] and scope(**rows) == []


def test_flag_from_before_p_unreviewed_raises() -> None:
    (found,) = run(registrations=[flag()])
    assert found["reason"] == (
        "REG30 flag registered 2024-06-03, before the current period of supervision began"
        " 2025-01-06, and not reviewed since"
    )
    assert (found["subject"], found["severity"], found["due_date"]) == ("1", "medium", None)


@pytest.mark.parametrize(
    ("registered", "raises"),
    [
        (dt.date(2025, 1, 5), True),  # the day before P
        (P, False),
        (dt.date(2025, 2, 1), False),
    ],
)
def test_registered_before_p(registered: dt.date, raises: bool) -> None:
    assert len(run(registrations=[flag(on=registered)])) == int(raises)


@pytest.mark.parametrize(
    ("reviews", "raises"),
    [
        pytest.param([review(P)], False, id="reviewed on P"),
        pytest.param([review(D)], False, id="reviewed on D"),
        pytest.param([review(dt.date(2025, 1, 5))], True, id="reviewed the day before P"),
        pytest.param([review(dt.date(2026, 3, 16))], True, id="review dated after D"),
        pytest.param([review(dt.date(2025, 6, 1), completed=False)], True, id="not completed"),
        pytest.param([review(None)], True, id="no review date"),
        pytest.param(
            [review(dt.date(2025, 6, 1), soft_deleted=True)], True, id="soft-deleted review"
        ),
        pytest.param(
            [review(dt.date(2025, 6, 1), registration_id=2)], True, id="review of another flag"
        ),
    ],
)
def test_a_completed_review_in_the_current_period_clears_it(reviews: list, raises: bool) -> None:
    rows: dict[str, Any] = {
        "registrations": [flag(), flag("ADVP")],
        "registration_reviews": reviews,
    }
    found = run(**rows)
    assert ("1" in [f["subject"] for f in found]) is raises


@pytest.mark.parametrize(
    ("events", "raises"),
    [
        pytest.param(
            [
                {"sentence_date": dt.date(2024, 1, 2), "termination_date": dt.date(2025, 1, 5)},
                {"sentence_date": P, "event_number": 2},
            ],
            False,
            id="consecutive days merge: P is 2024-01-02",
        ),
        pytest.param(
            [
                {"sentence_date": dt.date(2024, 1, 2), "termination_date": dt.date(2025, 1, 4)},
                {"sentence_date": P, "event_number": 2},
            ],
            True,
            id="a day's gap: P is 2025-01-06",
        ),
        pytest.param(
            [
                {"sentence_date": dt.date(2024, 1, 2), "active": False},
                {"sentence_date": P, "event_number": 2},
            ],
            True,
            id="inactive event with no termination date is one day",
        ),
        pytest.param(
            [
                {"sentence_date": dt.date(2024, 1, 2), "termination_date": dt.date(2025, 3, 1)},
                {
                    "sentence_date": dt.date(2024, 2, 1),
                    "termination_date": dt.date(2024, 3, 1),
                    "event_number": 2,
                },
                {"sentence_date": P, "event_number": 3},
            ],
            False,
            id="the running end, not the last span's end: P is 2024-01-02",
        ),
        pytest.param(
            [
                {"sentence_date": P, "event_number": 1},
                {
                    "sentence_date": dt.date(2025, 6, 2),
                    "termination_date": dt.date(2025, 7, 1),
                    "event_number": 2,
                },
            ],
            True,
            id="a later span inside the active one: P is 2025-01-06",
        ),
    ],
)
def test_p_is_the_start_of_the_current_period(events: list, raises: bool) -> None:
    assert len(run(events=events, registrations=[flag()])) == int(raises)


@pytest.mark.parametrize(
    ("registration", "raises"),
    [
        pytest.param(flag("ARSO"), False, id="persists between orders"),
        pytest.param(
            flag(deregistered=True, deregistration_date=dt.date(2026, 3, 16)),
            True,
            id="deregistered after D: still active",
        ),
        pytest.param(flag(deregistered=True, deregistration_date=D), False, id="deregistered on D"),
        pytest.param(flag(deregistered=True), False, id="deregistered with no date"),
        pytest.param(flag(soft_deleted=True), False, id="soft-deleted flag"),
        pytest.param(flag(on=dt.date(2026, 3, 16)), False, id="registered after D"),
    ],
)
def test_only_active_non_persisting_flags(registration: dict, raises: bool) -> None:
    assert len(run(registrations=[registration])) == int(raises)


def test_scope_covers_flags_of_inactive_persons_too() -> None:
    rows: dict[str, Any] = {
        "offenders": [{}, {"crn": "X000002"}],
        "events": [{"sentence_date": P}, {"crn": "X000002", "active": False}],
        "registrations": [
            flag(on=dt.date(2025, 6, 1)),
            flag(crn="X000002"),
            flag("ARSO", crn="X000002"),
            flag(deregistered=True),
        ],
    }
    assert scope(**rows) == [
        {"crn": "X000001", "subject": "1"},
        {"crn": "X000002", "subject": "2"},
    ]
    assert [(f["crn"], f["subject"]) for f in run(**rows)] == [("X000002", "2")]
