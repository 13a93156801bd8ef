"""mappa_flag_incomplete: an active MAPP flag of an active person needs a level M1–M3 and
a category M1–M4."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.mappa_flag_incomplete import MappaFlagIncomplete
from tests.builders import collect, context

D = dt.date(2026, 3, 15)


def mapp(level: str | None = "M1", category: str | None = "M2", **extra: Any) -> dict:
    return {
        "register_type_code": "MAPP",
        "registration_date": dt.date(2025, 6, 1),
        "register_level_code": level,
        "register_category_code": category,
        **extra,
    }


def run(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect(MappaFlagIncomplete().run(context(D, **rows)))


def scope(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect(MappaFlagIncomplete().scope(context(D, **rows)))


@pytest.mark.parametrize("level", ["M1", "M2", "M3"])
@pytest.mark.parametrize("category", ["M1", "M2", "M3", "M4"])
def test_complete_flag_raises_nothing(level: str, category: str) -> None:
    assert run(registrations=[mapp(level, category)]) == []


@pytest.mark.parametrize(
    ("level", "category", "reason"),
    [
        (
            "M0",
            "M2",
            "MAPP flag registered 2025-06-01: MAPPA level is M0 (expected one of M1, M2, M3)",
        ),
        (
            None,
            "M2",
            "MAPP flag registered 2025-06-01: MAPPA level is not recorded (expected"
            " one of M1, M2, M3)",
        ),
        ("RSKH", "M2", "MAPPA level is RSKH"),
        (
            "M1",
            "X9",
            "MAPP flag registered 2025-06-01: MAPPA category is X9 (expected one of"
            " M1, M2, M3, M4)",
        ),
        ("M1", None, "MAPPA category is not recorded"),
        (
            None,
            None,
            "MAPPA level is not recorded (expected one of M1, M2, M3); MAPPA category"
            " is not recorded (expected one of M1, M2, M3, M4)",
        ),
    ],
)
def test_bad_level_or_category_raises(level: str | None, category: str | None, reason: str) -> None:
    (found,) = run(registrations=[mapp(level, category)])
    assert (found["crn"], found["subject"], found["severity"], found["due_date"]) == (
        "X000001",
        "1",
        "medium",
        None,
    )
    assert reason in found["reason"]


def test_other_flags_are_not_examined() -> None:
    other = mapp(None, None, register_type_code="ARSO")
    assert run(registrations=[other]) == [] and scope(registrations=[other]) == []


@pytest.mark.parametrize(
    ("registration", "raises"),
    [
        pytest.param(
            mapp("M0", deregistered=True, deregistration_date=dt.date(2026, 3, 16)),
            True,
            id="deregistered after D: still active",
        ),
        pytest.param(
            mapp("M0", deregistered=True, deregistration_date=D), False, id="deregistered on D"
        ),
        pytest.param(mapp("M0", deregistered=True), False, id="deregistered with no date"),
        pytest.param(
            mapp("M0", registration_date=dt.date(2026, 3, 16)), False, id="registered after D"
        ),
        pytest.param(mapp("M0", soft_deleted=True), False, id="soft-deleted flag"),
    ],
)
def test_only_active_flags(registration: dict, raises: bool) -> None:
    assert len(run(registrations=[registration])) == int(raises)


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param({"events": [{"termination_date": D}]}, id="event terminated on D"),
        pytest.param({"events": [{"active": False}]}, id="event not active"),
        pytest.param({"events": [{"soft_deleted": True}]}, id="soft-deleted event"),
        pytest.param({"offenders": [{"soft_deleted": True}]}, id="soft-deleted person"),
    ],
)
def test_flags_of_persons_not_active_are_not_examined(rows: dict) -> None:
    assert run(registrations=[mapp(None)], **rows) == []
    assert scope(registrations=[mapp(None)], **rows) == []


def test_each_mapp_flag_is_its_own_exception_and_scope_is_active_mapp_flags() -> None:
    rows: dict[str, Any] = {
        "registrations": [
            mapp("M0"),
            mapp("M2", "M1"),
            mapp("M1", "X9"),
            mapp("RSKL", register_type_code="RHRH"),
        ]
    }
    assert [f["subject"] for f in run(**rows)] == ["1", "3"]
    assert [s["subject"] for s in scope(**rows)] == ["1", "2", "3"]
