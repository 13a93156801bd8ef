"""oasys_overdue: an active CO, SSO or LIC event with no completed LAYER1 or LAYER3
assessment dated on or after sentence, 20 working days after sentence; high for a person
with an active RHRH or RVHR flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.oasys_overdue import OasysOverdue
from tests.builders import CRN, collect, context

SENTENCED = dt.date(2026, 3, 20)  # a Friday: wd(SENTENCED, 20) = 2026-04-21 over Easter
DUE = dt.date(2026, 4, 21)
LATE = dt.date(2026, 5, 11)


def run(
    as_of: dt.date = LATE, check: OasysOverdue | None = None, **rows: Any
) -> list[dict[str, Any]]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": SENTENCED}])
    return collect((check or OasysOverdue()).run(context(as_of, **rows)))


def oasys(day: dt.date = dt.date(2026, 4, 1), **values: Any) -> dict[str, Any]:
    return {"assessment_type": "LAYER3", "status": "COMPLETE", "assessment_date": day} | values


def flag(code: str, **values: Any) -> dict[str, Any]:
    return {"register_type_code": code} | values


@pytest.mark.parametrize(
    ("sentenced", "as_of", "raises"),
    [
        (SENTENCED, DUE, False),  # over Easter 2026 (3 and 6 April)
        (SENTENCED, dt.date(2026, 4, 22), True),
        (dt.date(2025, 12, 1), dt.date(2025, 12, 31), False),  # over Christmas 2025
        (dt.date(2025, 12, 1), dt.date(2026, 1, 1), True),
        (dt.date(2026, 5, 1), dt.date(2026, 6, 2), False),  # over the 4 and 25 May holidays
        (dt.date(2026, 5, 1), dt.date(2026, 6, 3), True),
    ],
)
def test_due_twenty_working_days_after_sentence(sentenced, as_of, raises):
    found = run(as_of, events=[{"sentence_date": sentenced}])
    assert bool(found) is raises


def test_finding_names_the_event_and_when_the_oasys_was_due():
    found = run(
        events=[{"event_number": 2, "disposal_type_code": "LIC", "sentence_date": SENTENCED}]
    )
    assert found == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "medium",
            "reason": "start-of-order OASys not completed for event 2 (LIC sentenced "
            "2026-03-20): none started; due by 2026-04-21",
            "due_date": DUE,
        }
    ]


@pytest.mark.parametrize(
    ("disposal", "raises"),
    [("CO", True), ("SSO", True), ("LIC", True), ("SC", False)],
)
def test_community_orders_and_licences_only(disposal, raises):
    found = run(events=[{"sentence_date": SENTENCED, "disposal_type_code": disposal}])
    assert bool(found) is raises


@pytest.mark.parametrize(
    ("assessment", "raises"),
    [
        pytest.param(oasys(), False, id="completed LAYER3"),
        pytest.param(oasys(assessment_type="LAYER1"), False, id="completed LAYER1"),
        pytest.param(oasys(assessment_type="ROSH_SCREENING"), True, id="screening only"),
        pytest.param(oasys(SENTENCED), False, id="completed on the sentence date"),
        pytest.param(oasys(dt.date(2026, 3, 19)), True, id="completed the day before sentence"),
        pytest.param(oasys(LATE), False, id="completed on D"),
        pytest.param(oasys(LATE + dt.timedelta(days=1)), True, id="dated after D"),
        pytest.param(oasys(status="INCOMPLETE"), True, id="incomplete"),
        pytest.param(oasys(soft_deleted=True), True, id="soft-deleted"),
        pytest.param(oasys(event_id=None), False, id="no event"),
        pytest.param(oasys(event_id=2), False, id="another event of the person"),
        pytest.param(oasys(crn="X000002"), True, id="another person's"),
        pytest.param(
            oasys(rosh_screening_done=False, full_rosh_analysis_done=False),
            False,
            id="without RoSH sections",
        ),
    ],
)
def test_a_completed_layer1_or_layer3_since_sentence_meets_it(assessment, raises):
    found = run(
        offenders=[{}, {"crn": "X000002"}],
        events=[
            {"sentence_date": SENTENCED},
            {"event_number": 2, "sentence_date": dt.date(2025, 1, 6), "disposal_type_code": "SC"},
        ],
        assessments=[assessment],
    )
    assert [f["subject"] for f in found] == (["1"] if raises else [])


@pytest.mark.parametrize(
    ("assessments", "started"),
    [
        pytest.param([], "none started", id="none"),
        pytest.param(
            [oasys(dt.date(2026, 4, 2), status="INCOMPLETE")],
            "LAYER3 started 2026-04-02 but not completed",
            id="one",
        ),
        pytest.param(
            [
                oasys(dt.date(2026, 4, 2), status="INCOMPLETE", assessment_type="LAYER1"),
                oasys(dt.date(2026, 4, 9), status="INCOMPLETE"),
            ],
            "LAYER3 started 2026-04-09 but not completed",
            id="the latest",
        ),
        pytest.param(
            [
                oasys(dt.date(2026, 4, 9), status="INCOMPLETE", assessment_id=2),
                oasys(
                    dt.date(2026, 4, 9),
                    status="INCOMPLETE",
                    assessment_id=1,
                    assessment_type="LAYER1",
                ),
            ],
            "LAYER3 started 2026-04-09 but not completed",
            id="tie: greatest id",
        ),
        pytest.param(
            [oasys(dt.date(2026, 3, 19), status="INCOMPLETE")],
            "none started",
            id="started before sentence",
        ),
        pytest.param(
            [oasys(LATE + dt.timedelta(days=1), status="INCOMPLETE")],
            "none started",
            id="started after D",
        ),
        pytest.param(
            [oasys(dt.date(2026, 4, 2), status="INCOMPLETE", assessment_type="ROSH_SCREENING")],
            "none started",
            id="a screening is not an OASys",
        ),
        pytest.param(
            [oasys(dt.date(2026, 4, 2), status="INCOMPLETE", soft_deleted=True)],
            "none started",
            id="soft-deleted",
        ),
    ],
)
def test_reason_says_when_an_incomplete_oasys_was_started(assessments, started):
    (finding,) = run(assessments=assessments)
    assert f"2026-03-20): {started}; due by 2026-04-21" in finding["reason"]


@pytest.mark.parametrize(
    ("flags", "severity"),
    [
        pytest.param([], "medium", id="no flag"),
        pytest.param([flag("RHRH")], "high", id="RHRH"),
        pytest.param([flag("RVHR")], "high", id="RVHR"),
        pytest.param([flag("RMRH")], "medium", id="RMRH"),
        pytest.param([flag("RLRH")], "medium", id="RLRH"),
        pytest.param([flag("RHRH"), flag("RVHR")], "high", id="two RoSH flags"),
        pytest.param([flag("RHRH", deregistered=True)], "medium", id="deregistered with no date"),
        pytest.param(
            [flag("RHRH", deregistered=True, deregistration_date=LATE + dt.timedelta(days=1))],
            "high",
            id="deregistered after D",
        ),
        pytest.param(
            [flag("RHRH", deregistered=True, deregistration_date=LATE)],
            "medium",
            id="deregistered on D",
        ),
        pytest.param([flag("RHRH", registration_date=LATE)], "high", id="registered on D"),
        pytest.param(
            [flag("RHRH", registration_date=LATE + dt.timedelta(days=1))],
            "medium",
            id="registered after D",
        ),
        pytest.param([flag("RHRH", soft_deleted=True)], "medium", id="soft-deleted flag"),
        pytest.param([flag("RVHR", crn="X000002")], "medium", id="another person's flag"),
    ],
)
def test_high_for_a_high_or_very_high_rosh_flag(flags, severity):
    found = run(offenders=[{}, {"crn": "X000002"}], registrations=flags)
    assert [f["severity"] for f in found] == [severity]


def test_each_event_is_judged_on_its_own_sentence_date():
    events = [
        {"sentence_date": dt.date(2026, 1, 5)},
        {"event_number": 2, "sentence_date": SENTENCED},
    ]
    found = run(events=events, assessments=[oasys(dt.date(2026, 2, 1))])
    assert [(f["subject"], f["due_date"]) for f in found] == [("2", DUE)]


@pytest.mark.parametrize(
    ("event", "offender"),
    [
        pytest.param({"active": False}, {}, id="inactive"),
        pytest.param({"termination_date": LATE}, {}, id="terminated on D"),
        pytest.param({"soft_deleted": True}, {}, id="deleted event"),
        pytest.param({}, {"soft_deleted": True}, id="deleted person"),
    ],
)
def test_only_active_events(event, offender):
    assert run(offenders=[offender], events=[{"sentence_date": SENTENCED} | event]) == []


def test_within_working_days_is_a_parameter():
    assert run(DUE, check=OasysOverdue(within_working_days=19)) != []
    assert run(dt.date(2026, 4, 22), check=OasysOverdue(within_working_days=21)) == []


def test_scope_is_every_active_community_order_or_licence():
    ctx = context(
        SENTENCED,
        offenders=[{}],
        events=[
            {"sentence_date": SENTENCED},
            {"disposal_type_code": "SC"},
            {"disposal_type_code": "SSO", "active": False},
            {"disposal_type_code": "LIC"},
        ],
    )
    assert collect(OasysOverdue().scope(ctx)) == [
        {"crn": CRN, "subject": "1"},
        {"crn": CRN, "subject": "4"},
    ]
