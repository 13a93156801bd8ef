"""child_protection_flag_missing: an active person whose latest screening or full analysis
shows a child protection concern or a medium-or-higher RoSH to children must have an
active SAFEGUARDING flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.child_protection_flag_missing import ChildProtectionFlagMissing
from tests.builders import collect, context

D = dt.date(2026, 3, 15)


def assessed(
    concern: str | None = "YES",
    children: str | None = None,
    on: dt.date = dt.date(2025, 6, 1),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "assessment_date": on,
        "child_protection_concern": concern,
        "rosh_children": children,
        **extra,
    }


def flag(code: str, **extra: Any) -> dict[str, Any]:
    return {"register_type_code": code, "registration_date": dt.date(2025, 6, 1), **extra}


def run(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect(ChildProtectionFlagMissing().run(context(D, **rows)))


def scope(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect(ChildProtectionFlagMissing().scope(context(D, **rows)))


@pytest.mark.parametrize(
    ("concern", "children", "raises"),
    [
        ("YES", None, True),
        ("NO", "M", True),
        (None, "H", True),
        ("DK", "V", True),
        ("NO", "L", False),
        ("DK", "N", False),
        (None, None, False),
        ("NO", None, False),
    ],
)
def test_concern_or_risk_to_children(
    concern: str | None, children: str | None, raises: bool
) -> None:
    assert len(run(assessments=[assessed(concern, children)])) == int(raises)


def test_exception_names_what_the_assessment_found() -> None:
    assert run(assessments=[assessed("YES", "H")]) == [
        {
            "crn": "X000001",
            "subject": "",
            "severity": "high",
            "reason": "LAYER3 assessment 1 (2025-06-01) records a child protection concern and"
            " RoSH to children H but no active safeguarding flag",
            "due_date": None,
        }
    ]


@pytest.mark.parametrize(
    "assessments",
    [
        pytest.param([assessed(status="INCOMPLETE")], id="incomplete"),
        pytest.param([assessed(on=dt.date(2026, 3, 16))], id="assessed after D"),
        pytest.param([assessed(soft_deleted=True)], id="soft-deleted"),
        pytest.param(
            [assessed(rosh_screening_done=False, full_rosh_analysis_done=False)],
            id="neither screening nor full analysis",
        ),
        pytest.param(
            [assessed("YES", on=dt.date(2025, 1, 1)), assessed("NO")],
            id="the latest shows no concern",
        ),
        pytest.param(
            [assessed("YES", assessment_id=8), assessed("NO", assessment_id=9)],
            id="same date: the greater assessment_id shows no concern",
        ),
    ],
)
def test_only_the_latest_completed_screening_or_analysis_counts(assessments: list) -> None:
    assert run(assessments=assessments) == []


def test_screening_alone_counts() -> None:
    screening = assessed(assessment_type="ROSH_SCREENING", full_rosh_analysis_done=False)
    assert len(run(assessments=[screening])) == 1


def test_tie_on_date_the_greater_assessment_id_decides() -> None:
    found = run(assessments=[assessed("YES", assessment_id=9), assessed("NO", assessment_id=8)])
    assert ["assessment 9" in f["reason"] for f in found] == [True]


@pytest.mark.parametrize(
    ("registration", "raises"),
    [
        pytest.param(flag("RCPR"), False, id="child protection flag"),
        pytest.param(flag("RCCO"), False, id="child concerns flag"),
        pytest.param(flag("RCHD"), False, id="risk to children flag"),
        pytest.param(
            flag("RCPR", deregistered=True, deregistration_date=dt.date(2026, 3, 16)),
            False,
            id="deregistered after D: still active",
        ),
        pytest.param(
            flag("RCPR", deregistered=True, deregistration_date=D), True, id="deregistered on D"
        ),
        pytest.param(flag("RCPR", deregistered=True), True, id="deregistered with no date"),
        pytest.param(
            flag("RCPR", registration_date=dt.date(2026, 3, 16)), True, id="registered after D"
        ),
        pytest.param(flag("RCPR", soft_deleted=True), True, id="soft-deleted flag"),
        pytest.param(flag("ADVP"), True, id="domestic abuse flag is not safeguarding"),
    ],
)
def test_only_an_active_safeguarding_flag_satisfies(registration: dict, raises: bool) -> None:
    assert len(run(assessments=[assessed()], registrations=[registration])) == int(raises)


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
    assert run(assessments=[assessed()], **rows) == []
    assert scope(assessments=[assessed()], **rows) == []


def test_scope_is_active_persons_whose_latest_assessment_shows_the_concern() -> None:
    rows: dict[str, Any] = {
        "offenders": [{}, {"crn": "X000002"}, {"crn": "X000003"}],
        "events": [{}, {"crn": "X000002"}, {"crn": "X000003"}],
        "assessments": [
            assessed(),
            assessed("NO", crn="X000002"),
            assessed(None, "M", crn="X000003"),
        ],
        "registrations": [flag("RCPR", crn="X000003")],
    }
    assert scope(**rows) == [
        {"crn": "X000001", "subject": ""},
        {"crn": "X000003", "subject": ""},
    ]
    assert [f["crn"] for f in run(**rows)] == ["X000001"]
