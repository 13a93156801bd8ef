"""rosh_flag_missing: an active person whose latest screening or full analysis records a
RoSH level must have an active RoSH flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.rosh_flag_missing import RoshFlagMissing
from tests.builders import collect, context

D = dt.date(2026, 3, 15)


def assessed(level: str | None, on: dt.date = dt.date(2025, 6, 1), **extra: Any) -> dict:
    return {"assessment_date": on, "rosh_level": level, **extra}


def flag(code: str, **extra: Any) -> dict[str, Any]:
    return {"register_type_code": code, "registration_date": dt.date(2025, 6, 1), **extra}


def run(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect(RoshFlagMissing().run(context(D, **rows)))


def scope(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect(RoshFlagMissing().scope(context(D, **rows)))


@pytest.mark.parametrize(
    ("level", "severity"), [("L", "medium"), ("M", "medium"), ("H", "high"), ("V", "high")]
)
def test_assessed_level_without_a_rosh_flag_raises(level: str, severity: str) -> None:
    found = run(assessments=[assessed(level)], registrations=[flag("ALSH")])
    assert found == [
        {
            "crn": "X000001",
            "subject": "",
            "severity": severity,
            "reason": f"RoSH assessed as {level} (LAYER3 assessment 1, 2025-06-01)"
            " but no active RoSH flag",
            "due_date": None,
        }
    ]


@pytest.mark.parametrize(
    "assessments",
    [
        pytest.param([], id="no assessment"),
        pytest.param([assessed(None)], id="no level recorded"),
        pytest.param([assessed("H", status="INCOMPLETE")], id="incomplete"),
        pytest.param([assessed("H", on=dt.date(2026, 3, 16))], id="assessed after D"),
        pytest.param([assessed("H", soft_deleted=True)], id="soft-deleted"),
        pytest.param(
            [assessed("H", rosh_screening_done=False, full_rosh_analysis_done=False)],
            id="neither screening nor full analysis",
        ),
        pytest.param(
            [assessed("H", on=dt.date(2025, 1, 1)), assessed(None)], id="the latest has no level"
        ),
        pytest.param(
            [assessed("H", assessment_id=8), assessed(None, assessment_id=9)],
            id="same date: the greater assessment_id has no level",
        ),
    ],
)
def test_no_assessed_level_raises_nothing(assessments: list) -> None:
    assert run(assessments=assessments) == []


def test_screening_only_counts() -> None:
    screening = assessed("M", assessment_type="ROSH_SCREENING", full_rosh_analysis_done=False)
    assert [f["severity"] for f in run(assessments=[screening])] == ["medium"]


def test_tie_on_date_greater_assessment_id_decides_the_level() -> None:
    found = run(assessments=[assessed("H", assessment_id=9), assessed("L", assessment_id=8)])
    assert [(f["severity"], "assessment 9" in f["reason"]) for f in found] == [("high", True)]


@pytest.mark.parametrize(
    ("registration", "raises"),
    [
        pytest.param(flag("RLRH"), False, id="any RoSH flag, even of another level"),
        pytest.param(flag("RHRH"), False, id="RoSH flag of the level"),
        pytest.param(
            flag("RHRH", deregistered=True, deregistration_date=dt.date(2026, 3, 16)),
            False,
            id="deregistered after D: still active",
        ),
        pytest.param(
            flag("RHRH", deregistered=True, deregistration_date=D), True, id="deregistered on D"
        ),
        pytest.param(flag("RHRH", deregistered=True), True, id="deregistered with no date"),
        pytest.param(
            flag("RHRH", registration_date=dt.date(2026, 3, 16)), True, id="registered after D"
        ),
        pytest.param(flag("RHRH", soft_deleted=True), True, id="soft-deleted flag"),
        pytest.param(flag("MAPP"), True, id="not a RoSH flag"),
    ],
)
def test_only_an_active_rosh_flag_satisfies(registration: dict, raises: bool) -> None:
    found = run(assessments=[assessed("H")], registrations=[registration])
    assert len(found) == int(raises)


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param({"events": [{"termination_date": D}]}, id="event terminated on D"),
        pytest.param({"events": [{"active": False}]}, id="event not active"),
        pytest.param({"events": [{"soft_deleted": True}]}, id="soft-deleted event"),
        pytest.param({"offenders": [{"soft_deleted": True}]}, id="soft-deleted person"),
    ],
)
def test_persons_not_active_are_not_examined(rows: dict) -> None:
    assert run(assessments=[assessed("H")], **rows) == []
    assert scope(assessments=[assessed("H")], **rows) == []


def test_event_terminated_after_d_is_still_active() -> None:
    found = run(assessments=[assessed("H")], events=[{"termination_date": dt.date(2026, 3, 16)}])
    assert len(found) == 1


def test_scope_is_active_persons_with_an_assessed_level() -> None:
    rows: dict[str, Any] = {
        "offenders": [{}, {"crn": "X000002"}, {"crn": "X000003"}],
        "events": [{}, {"crn": "X000002"}, {"crn": "X000003", "active": False}],
        "assessments": [assessed("H"), assessed(None, crn="X000002"), assessed("H", crn="X000003")],
        "registrations": [flag("RHRH")],
    }
    assert scope(**rows) == [{"crn": "X000001", "subject": ""}]
    assert run(**rows) == []
