"""rosh_flag_unsupported: each active RoSH flag of an active person needs a recent,
consistent screening (L) or full RoSH analysis (M, H, V), and a person has one RoSH flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.rosh_flag_unsupported import RoshFlagUnsupported
from tests.builders import collect, context

D = dt.date(2026, 3, 15)


def flag(code: str = "RHRH", **extra: Any) -> dict[str, Any]:
    return {"register_type_code": code, "registration_date": dt.date(2025, 6, 1), **extra}


def full(level: str | None = "H", on: dt.date = dt.date(2025, 6, 1), **extra: Any) -> dict:
    return {"assessment_date": on, "rosh_level": level, **extra}


def screening(level: str | None = "L", on: dt.date = dt.date(2025, 6, 1), **extra: Any) -> dict:
    return {
        "assessment_type": "ROSH_SCREENING",
        "assessment_date": on,
        "rosh_level": level,
        "full_rosh_analysis_done": False,
        **extra,
    }


def run(as_of: dt.date = D, check: RoshFlagUnsupported | None = None, **rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect((check or RoshFlagUnsupported()).run(context(as_of, **rows)))


def scope(as_of: dt.date = D, **rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{}])
    return collect(RoshFlagUnsupported().scope(context(as_of, **rows)))


@pytest.mark.parametrize(
    ("registrations", "assessments"),
    [
        pytest.param([flag("RHRH")], [full("H")], id="H flag, full analysis H"),
        pytest.param([flag("RVHR")], [full("V")], id="V flag, full analysis V"),
        pytest.param([flag("RMRH")], [full(None)], id="level not recorded: cannot differ"),
        pytest.param([flag("RLRH")], [screening("L")], id="L flag, screening"),
        pytest.param([flag("RLRH")], [full("L")], id="L flag, full analysis also serves"),
        pytest.param([flag("RHRH")], [full("H", on=dt.date(2025, 3, 15))], id="exactly 12 months"),
        pytest.param(
            [flag("RHRH", deregistered=False, deregistration_date=dt.date(2025, 1, 1))],
            [full("H")],
            id="date on a flag not deregistered is ignored",
        ),
    ],
)
def test_supported_flag_raises_nothing(registrations: list, assessments: list) -> None:
    assert run(registrations=registrations, assessments=assessments) == []


@pytest.mark.parametrize(
    ("registrations", "assessments", "severity", "fragment"),
    [
        pytest.param(
            [flag("RHRH")], [], "high", "no full RoSH analysis behind the RHRH flag", id="H, none"
        ),
        pytest.param(
            [flag("RVHR")],
            [screening("V")],
            "high",
            "no full RoSH analysis",
            id="V, screening only is not enough",
        ),
        pytest.param(
            [flag("RMRH")],
            [screening("M")],
            "medium",
            "no full RoSH analysis",
            id="M, screening only is not enough",
        ),
        pytest.param(
            [flag("RLRH")], [], "medium", "no RoSH screening behind the RLRH flag", id="L, none"
        ),
        pytest.param(
            [flag("RHRH")],
            [full("H", status="INCOMPLETE")],
            "high",
            "no full RoSH analysis",
            id="incomplete does not count",
        ),
        pytest.param(
            [flag("RHRH")],
            [full("H", on=dt.date(2026, 3, 16))],
            "high",
            "no full RoSH analysis",
            id="assessment after D does not exist",
        ),
        pytest.param(
            [flag("RHRH")],
            [full("H", soft_deleted=True)],
            "high",
            "no full RoSH analysis",
            id="soft-deleted assessment",
        ),
        pytest.param(
            [flag("RHRH")],
            [full("M")],
            "high",
            "assessment 1 (2025-06-01) assessed RoSH as M, but the RHRH flag says H",
            id="level differs",
        ),
        pytest.param(
            [flag("RLRH")],
            [screening("M")],
            "medium",
            "latest RoSH screening, assessment 1 (2025-06-01) assessed RoSH as M",
            id="L flag, screening says M",
        ),
        pytest.param(
            [flag("RHRH")],
            [full("H", on=dt.date(2025, 3, 14))],
            "high",
            "assessment 1 (2025-03-14) behind the RHRH flag is more than 12 months old"
            " (before 2025-03-15)",
            id="a day more than 12 months",
        ),
    ],
)
def test_unsupported_flag_raises(
    registrations: list, assessments: list, severity: str, fragment: str
) -> None:
    (found,) = run(registrations=registrations, assessments=assessments)
    assert (found["crn"], found["subject"], found["severity"]) == ("X000001", "1", severity)
    assert found["due_date"] is None
    assert fragment in found["reason"]


@pytest.mark.parametrize(
    ("as_of", "assessed", "raises"),
    [
        (dt.date(2024, 2, 29), dt.date(2023, 2, 28), False),  # 29 Feb − 12 months = 28 Feb
        (dt.date(2024, 2, 29), dt.date(2023, 2, 27), True),
        (dt.date(2025, 2, 28), dt.date(2024, 2, 28), False),
        (dt.date(2025, 2, 28), dt.date(2024, 2, 27), True),
        (dt.date(2026, 3, 31), dt.date(2025, 3, 31), False),
        (dt.date(2026, 3, 31), dt.date(2025, 3, 30), True),
    ],
)
def test_age_is_calendar_months_clamped(as_of: dt.date, assessed: dt.date, raises: bool) -> None:
    registrations = [flag("RHRH", registration_date=dt.date(2023, 1, 2))]
    found = run(as_of, registrations=registrations, assessments=[full("H", on=assessed)])
    assert len(found) == int(raises)


def test_max_age_is_a_parameter() -> None:
    found = run(
        check=RoshFlagUnsupported(max_age_months=6),
        registrations=[flag("RHRH")],
        assessments=[full("H", on=dt.date(2025, 9, 14))],
    )
    assert "more than 6 months old (before 2025-09-15)" in found[0]["reason"]


@pytest.mark.parametrize(
    ("assessments", "raises"),
    [
        pytest.param(
            [full("H", on=dt.date(2025, 1, 1)), full("M", on=dt.date(2025, 6, 1))],
            True,
            id="the later one decides",
        ),
        pytest.param(
            [full("M", on=dt.date(2025, 1, 1)), full("H", on=dt.date(2025, 6, 1))],
            False,
            id="an earlier mismatch does not matter",
        ),
        pytest.param(
            [full("M", assessment_id=7), full("H", assessment_id=8)],
            False,
            id="same date: greater assessment_id decides (H)",
        ),
        pytest.param(
            [full("H", assessment_id=7), full("M", assessment_id=8)],
            True,
            id="same date: greater assessment_id decides (M)",
        ),
        pytest.param(
            [full("H"), screening("M", on=dt.date(2025, 9, 1))],
            False,
            id="a later screening does not support an H flag",
        ),
        pytest.param(
            [full("H"), full("M", on=dt.date(2025, 9, 1), status="INCOMPLETE")],
            False,
            id="a later incomplete analysis is ignored",
        ),
    ],
)
def test_supporting_assessment_is_the_latest_completed(assessments: list, raises: bool) -> None:
    assert len(run(registrations=[flag("RHRH")], assessments=assessments)) == int(raises)


def test_l_flag_is_backed_by_a_later_screening_not_an_earlier_full_analysis() -> None:
    assessments = [full("L", on=dt.date(2025, 1, 1)), screening("M", on=dt.date(2025, 6, 1))]
    (found,) = run(registrations=[flag("RLRH")], assessments=assessments)
    assert "latest RoSH screening, assessment 2" in found["reason"]


def test_two_rosh_flags_raise_on_every_one_with_their_own_reasons() -> None:
    found = run(registrations=[flag("RHRH"), flag("RMRH")], assessments=[full("H")])
    assert [(f["subject"], f["severity"]) for f in found] == [("1", "high"), ("2", "medium")]
    assert found[0]["reason"] == "the person has 2 active RoSH flags (RHRH, RMRH)"
    assert found[1]["reason"] == (
        "latest full RoSH analysis, assessment 1 (2025-06-01) assessed RoSH as H, but the"
        " RMRH flag says M; the person has 2 active RoSH flags (RHRH, RMRH)"
    )


def test_two_flags_of_the_same_type_are_two_flags() -> None:
    found = run(registrations=[flag("RHRH"), flag("RHRH")], assessments=[full("H")])
    assert [f["subject"] for f in found] == ["1", "2"]
    assert all("2 active RoSH flags (RHRH, RHRH)" in f["reason"] for f in found)


def test_several_reasons_are_joined_in_one_exception() -> None:
    found = run(registrations=[flag("RHRH")], assessments=[full("M", on=dt.date(2024, 1, 2))])
    (reason,) = [f["reason"] for f in found]
    assert reason.count("; ") == 1
    assert "more than 12 months old" in reason and "assessed RoSH as M" in reason


@pytest.mark.parametrize(
    ("second", "raises"),
    [
        pytest.param(
            flag("RMRH", deregistered=True, deregistration_date=dt.date(2026, 3, 16)),
            True,
            id="deregistered after D: still active",
        ),
        pytest.param(
            flag("RMRH", deregistered=True, deregistration_date=D), False, id="deregistered on D"
        ),
        pytest.param(flag("RMRH", deregistered=True), False, id="deregistered with no date"),
        pytest.param(
            flag("RMRH", registration_date=dt.date(2026, 3, 16)), False, id="registered after D"
        ),
        pytest.param(flag("RMRH", soft_deleted=True), False, id="soft-deleted flag"),
        pytest.param(flag("ALSH"), False, id="not a RoSH flag"),
    ],
)
def test_only_active_rosh_flags_count(second: dict, raises: bool) -> None:
    found = run(registrations=[flag("RHRH"), second], assessments=[full("H")])
    assert any("2 active RoSH flags" in f["reason"] for f in found) is raises


@pytest.mark.parametrize(
    ("rows"),
    [
        pytest.param({"events": [{"termination_date": D}]}, id="event terminated on D"),
        pytest.param({"events": [{"active": False}]}, id="event not active"),
        pytest.param(
            {"events": [{"sentence_date": dt.date(2026, 3, 16)}]}, id="event sentenced after D"
        ),
        pytest.param({"events": [{"soft_deleted": True}]}, id="soft-deleted event"),
        pytest.param(
            {"offenders": [{"soft_deleted": True}]}, id="soft-deleted person hides the case"
        ),
    ],
)
def test_flags_of_persons_not_active_are_not_examined(rows: dict) -> None:
    assert run(registrations=[flag("RHRH")], **rows) == []
    assert scope(registrations=[flag("RHRH")], **rows) == []


def test_scope_is_active_rosh_flags_of_active_persons() -> None:
    rows: dict[str, Any] = {
        "offenders": [{}, {"crn": "X000002"}],
        "events": [{}, {"crn": "X000002", "active": False}],
        "registrations": [
            flag("RHRH"),
            flag("ALSH"),
            flag("RLRH", crn="X000002"),
            flag("RMRH", deregistered=True, deregistration_date=dt.date(2026, 1, 1)),
        ],
    }
    assert scope(**rows) == [{"crn": "X000001", "subject": "1"}]


def test_findings_are_within_scope() -> None:
    rows: dict[str, Any] = {
        "registrations": [flag("RHRH"), flag("RLRH")],
        "assessments": [full("M")],
    }
    found = {(f["crn"], f["subject"]) for f in run(**rows)}
    assert found and found <= {(s["crn"], s["subject"]) for s in scope(**rows)}


def test_rosh_group_type_without_a_level_needs_a_full_analysis() -> None:
    """Ambiguity: a site's own ROSH-group code has no level F."""
    register_types = [
        {
            "register_type_code": "RHRH",
            "description": "High RoSH",
            "flag_group": "ROSH",
            "review_period_months": 6,
            "persists_between_orders": False,
        },
        {
            "register_type_code": "RXXX",
            "description": "Local RoSH",
            "flag_group": "ROSH",
            "review_period_months": 6,
            "persists_between_orders": False,
        },
    ]
    found = run(
        registrations=[flag("RXXX")], register_types=register_types, assessments=[screening("H")]
    )
    assert [(f["severity"], f["reason"]) for f in found] == [
        ("medium", "no full RoSH analysis behind the RXXX flag registered 2025-06-01")
    ]
    assert (
        run(registrations=[flag("RXXX")], register_types=register_types, assessments=[full("H")])
        == []
    )
