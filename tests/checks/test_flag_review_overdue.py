"""flag_review_overdue: an active flag of an active person whose type is reviewed
periodically must have a next review date, and D must not be past it (plus grace)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.flag_review_overdue import FlagReviewOverdue
from tests.builders import collect, context

D = dt.date(2026, 3, 15)


def flag(code: str = "AV2S", due: dt.date | None = D, **extra: Any) -> dict[str, Any]:
    return {
        "register_type_code": code,
        "registration_date": dt.date(2025, 6, 1),
        "next_review_date": due,
        **extra,
    }


def run(check: FlagReviewOverdue | None = None, **rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect((check or FlagReviewOverdue()).run(context(D, **rows)))


def scope(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect(FlagReviewOverdue().scope(context(D, **rows)))


@pytest.mark.parametrize(
    ("due", "raises"),
    [
        (dt.date(2026, 3, 16), False),
        (D, False),  # due today: not yet overdue
        (dt.date(2026, 3, 14), True),
        (dt.date(2024, 1, 1), True),
    ],
)
def test_overdue_when_d_is_past_the_next_review_date(due: dt.date, raises: bool) -> None:
    assert len(run(registrations=[flag(due=due)])) == int(raises)


def test_overdue_exception_carries_the_due_date() -> None:
    assert run(registrations=[flag("AV2S", due=dt.date(2026, 3, 14))]) == [
        {
            "crn": "X000001",
            "subject": "1",
            "severity": "medium",
            "reason": "AV2S flag registered 2025-06-01 (review every 6 months): review was due"
            " 2026-03-14 and is overdue (due by 2026-03-14)",
            "due_date": dt.date(2026, 3, 14),
        }
    ]


def test_no_next_review_date_raises_with_no_due_date() -> None:
    (found,) = run(registrations=[flag("RCPR", due=None)])
    assert (found["severity"], found["due_date"]) == ("high", None)
    assert found["reason"] == (
        "RCPR flag registered 2025-06-01 (review every 3 months): no next review date recorded"
    )


@pytest.mark.parametrize(
    ("code", "severity"),
    [
        ("MAPP", "high"),
        ("RCPR", "high"),
        ("RHRH", "medium"),
        ("RCCO", "medium"),
        ("ARSO", "medium"),
    ],
)
def test_severity(code: str, severity: str) -> None:
    found = run(registrations=[flag(code, due=dt.date(2026, 1, 1))])
    assert [f["severity"] for f in found] == [severity]


@pytest.mark.parametrize(
    ("grace_days", "due", "raises"),
    [
        (5, dt.date(2026, 3, 10), False),  # 10 March + 5 days = D
        (5, dt.date(2026, 3, 9), True),
        (0, dt.date(2026, 3, 14), True),
    ],
)
def test_grace_days(grace_days: int, due: dt.date, raises: bool) -> None:
    found = run(FlagReviewOverdue(grace_days=grace_days), registrations=[flag(due=due)])
    assert len(found) == int(raises)
    if raises:
        assert found[0]["due_date"] == due + dt.timedelta(days=grace_days)


def review_types(months: int | None) -> list[dict[str, Any]]:
    return [
        {
            "register_type_code": "AV2S",
            "description": "Risk to staff",
            "flag_group": "WELLBEING",
            "review_period_months": months,
            "persists_between_orders": False,
        }
    ]


@pytest.mark.parametrize(("months", "raises"), [(0, False), (None, False), (1, True)])
def test_only_types_with_a_review_period(months: int | None, raises: bool) -> None:
    rows: dict[str, Any] = {
        "registrations": [flag(due=None)],
        "register_types": review_types(months),
    }
    assert len(run(**rows)) == int(raises)
    assert len(scope(**rows)) == int(raises)


def test_a_completed_review_does_not_replace_the_next_review_date() -> None:
    """Only next_review_date decides (the literal rule)."""
    reviews = [{"registration_id": 1, "review_date": dt.date(2026, 3, 1), "completed": True}]
    found = run(registrations=[flag(due=dt.date(2026, 3, 1))], registration_reviews=reviews)
    assert len(found) == 1


@pytest.mark.parametrize(
    ("registration", "raises"),
    [
        pytest.param(
            flag(due=None, deregistered=True, deregistration_date=dt.date(2026, 3, 16)),
            True,
            id="deregistered after D: still active",
        ),
        pytest.param(
            flag(due=None, deregistered=True, deregistration_date=D), False, id="deregistered on D"
        ),
        pytest.param(flag(due=None, deregistered=True), False, id="deregistered with no date"),
        pytest.param(
            flag(due=None, registration_date=dt.date(2026, 3, 16)), False, id="registered after D"
        ),
        pytest.param(flag(due=None, soft_deleted=True), False, id="soft-deleted flag"),
    ],
)
def test_only_active_flags(registration: dict, raises: bool) -> None:
    assert len(run(registrations=[registration])) == int(raises)


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param({"events": [{"termination_date": D}]}, id="event terminated on D"),
        pytest.param({"events": [{"active": False}]}, id="event not active"),
        pytest.param({"events": []}, id="no event"),
        pytest.param({"events": [{"soft_deleted": True}]}, id="soft-deleted event"),
        pytest.param({"offenders": [{"soft_deleted": True}]}, id="soft-deleted person"),
    ],
)
def test_flags_of_persons_not_active_are_not_examined(rows: dict) -> None:
    assert run(registrations=[flag(due=None)], **rows) == []
    assert scope(registrations=[flag(due=None)], **rows) == []


def test_scope_is_reviewable_active_flags_of_active_persons() -> None:
    rows: dict[str, Any] = {
        "offenders": [{}, {"crn": "X000002"}],
        "events": [{}, {"crn": "X000002", "active": False}],
        "registrations": [
            flag("MAPP"),
            flag("ALSH", crn="X000002"),
            flag("RCPR", deregistered=True),
        ],
    }
    assert scope(**rows) == [{"crn": "X000001", "subject": "1"}]
