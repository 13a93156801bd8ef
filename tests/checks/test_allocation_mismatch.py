"""allocation_mismatch: an active event whose deciding case allocation says CRC while, at
D, the RSR score is above 6.89, or the person has a High/Very High RoSH flag, a MAPP flag
or MAPPA eligibility, or is eligible for deportation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.allocation_mismatch import AllocationMismatch
from tests.builders import CRN, collect, context

SENTENCED = dt.date(2026, 10, 1)
D = dt.date(2026, 10, 20)
AFTER_D = D + dt.timedelta(days=1)
CRC = {"allocation_decision": "CRC", "decision_date": dt.date(2026, 10, 2)}
DEPORTABLE = [{"deportation_eligible": True}]


def run(as_of: dt.date = D, check: AllocationMismatch | None = None, **rows: Any) -> list:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": SENTENCED}])
    rows.setdefault("case_allocations", [CRC])
    return collect((check or AllocationMismatch()).run(context(as_of, **rows)))


def allocation(decision: str | None, decided: dt.date | None, **more: Any) -> dict:
    return {"allocation_decision": decision, "decision_date": decided, **more}


def october(day: int) -> dt.date:
    return dt.date(2026, 10, day)


@pytest.mark.parametrize(
    ("allocations", "raises"),
    [
        ([allocation("CRC", october(2)), allocation("NPS", october(5))], False),  # latest decides
        ([allocation("NPS", october(2)), allocation("CRC", october(5))], True),
        ([allocation("NPS", None), allocation("CRC", october(2))], True),  # null ranks lowest
        ([allocation("CRC", None), allocation("NPS", october(2))], False),
        ([allocation("CRC", None)], True),  # an undated decision still decides
        ([allocation("NPS", october(2)), allocation("CRC", october(2))], True),  # tie: greatest id
        ([allocation("CRC", october(2)), allocation("NPS", october(2))], False),
        ([allocation("CRC", None), allocation("NPS", None)], False),
        ([allocation("NPS", None), allocation("CRC", None)], True),
        ([allocation("CRC", october(2)), allocation("NPS", AFTER_D)], True),  # not yet decided
        ([allocation("CRC", october(2)), allocation("NPS", D)], False),  # decided on D
        (
            [allocation("CRC", october(2)), allocation(None, october(5))],
            True,
        ),  # no decision recorded
        ([allocation("CRC", october(2)), allocation("NPS", october(5), soft_deleted=True)], True),
        ([allocation("CRC", october(2), soft_deleted=True)], False),
        ([allocation("CRC", october(2), event_id=2)], False),  # another event's allocation
        ([allocation("NPS", october(2))], False),
        ([], False),
    ],
)
def test_the_deciding_allocation(allocations, raises):
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "active": False},
    ]
    found = run(offenders=DEPORTABLE, events=events, case_allocations=allocations)
    assert [f["subject"] for f in found] == (["1"] if raises else [])


def test_finding_is_high_with_no_due_date():
    found = run(offenders=DEPORTABLE, events=[{"event_number": 4, "sentence_date": SENTENCED}])
    assert found == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "high",
            "reason": "Event 4 (CO sentenced 2026-10-01) allocated to the CRC (case allocation 1,"
            " decided 2026-10-02) but: eligible for deportation; reallocate or escalate to the"
            " NPS",
            "due_date": None,
        }
    ]


def test_an_undated_decision_says_so():
    found = run(offenders=DEPORTABLE, case_allocations=[allocation("CRC", None)])
    assert "decided undated" in found[0]["reason"]


@pytest.mark.parametrize(
    ("score", "assessed", "raises"),
    [
        (6.89, None, False),
        (6.90, None, True),
        (7.5, D, True),  # assessed on D
        (7.5, AFTER_D, False),  # the score does not exist yet
        (None, None, False),
    ],
)
def test_rsr_score_above_threshold(score, assessed, raises):
    allocations = [{**CRC, "rsr_score": score, "rsr_assessor_date": assessed}]
    found = run(case_allocations=allocations)
    assert bool(found) is raises
    if raises:
        assert f"RSR score {score:.2f} above 6.89" in found[0]["reason"]


def test_rsr_threshold_is_a_parameter():
    allocations = [{**CRC, "rsr_score": 6.5}]
    assert run(case_allocations=allocations) == []
    found = run(check=AllocationMismatch(rsr_threshold=6.0), case_allocations=allocations)
    assert "RSR score 6.50 above 6" in found[0]["reason"]


def test_only_the_deciding_allocations_score_counts():
    allocations = [
        {"rsr_score": 9.0, "allocation_decision": "NPS", "decision_date": dt.date(2026, 10, 1)},
        {**CRC, "rsr_score": 2.0},
    ]
    assert run(case_allocations=allocations) == []


@pytest.mark.parametrize(
    ("flag", "raises"),
    [
        ({"register_type_code": "RHRH"}, True),
        ({"register_type_code": "RVHR"}, True),
        ({"register_type_code": "RMRH"}, False),
        ({"register_type_code": "RLRH"}, False),
        ({"register_type_code": "RHRH", "deregistered": True, "deregistration_date": D}, False),
        (
            {"register_type_code": "RHRH", "deregistered": True, "deregistration_date": AFTER_D},
            True,
        ),
        ({"register_type_code": "RHRH", "deregistered": True}, False),  # no date: inactive
        ({"register_type_code": "RHRH", "registration_date": AFTER_D}, False),
        ({"register_type_code": "RHRH", "registration_date": D}, True),
        ({"register_type_code": "RHRH", "soft_deleted": True}, False),
        ({"register_type_code": "RHRH", "crn": "X000002"}, False),  # someone else's flag
    ],
)
def test_high_or_very_high_rosh_flag(flag, raises):
    offenders = [{}, {"crn": "X000002"}]
    found = run(offenders=offenders, registrations=[flag])
    assert bool(found) is raises
    if raises:
        assert "active High/Very High RoSH flag (" in found[0]["reason"]


def test_two_rosh_flags_are_both_named():
    flags = [
        {"register_type_code": "RVHR"},
        {"register_type_code": "RHRH"},
        {"register_type_code": "RHRH"},
    ]
    found = run(registrations=flags)
    assert "active High/Very High RoSH flag (RHRH, RVHR)" in found[0]["reason"]


@pytest.mark.parametrize(
    ("flags", "events", "expected"),
    [
        ([{"register_type_code": "MAPP"}], [], "active MAPP flag"),
        (
            [{"register_type_code": "MAPP", "deregistered": True, "deregistration_date": D}],
            [],
            None,
        ),
        (
            [{"register_type_code": "ARSO", "registration_id": 7}],
            [],
            "MAPPA eligible: registered sex offender (ARSO flag 7 from 2020-01-06)",
        ),
        (
            [],
            [{"offence_category": "VIOLENCE", "disposal_type_code": "SSO", "custodial_months": 12}],
            "MAPPA eligible: event 2 (VIOLENCE SSO, 12 months custodial)",
        ),
        (
            [],
            [{"offence_category": "VIOLENCE", "disposal_type_code": "SSO", "custodial_months": 11}],
            None,
        ),
        (
            [],
            [{"offence_category": "SEXUAL", "disposal_type_code": "SC", "custodial_months": None}],
            None,
        ),
        (
            [],
            [
                {
                    "offence_category": "SEXUAL",
                    "disposal_type_code": "SC",
                    "custodial_months": 24,
                    "termination_date": D,
                }
            ],
            None,
        ),
    ],
)
def test_mappa_flag_or_eligibility(flags, events, expected):
    events = [{"sentence_date": SENTENCED}] + [
        {"event_number": 2, "sentence_date": SENTENCED, **event} for event in events
    ]
    found = run(events=events, registrations=flags)
    if expected is None:
        assert found == []
    else:
        assert [f["subject"] for f in found] == ["1"]
        assert expected in found[0]["reason"]


@pytest.mark.parametrize(("eligible", "raises"), [(True, True), (False, False), (None, False)])
def test_deportation_eligible(eligible, raises):
    found = run(offenders=[{"deportation_eligible": eligible}])
    assert bool(found) is raises


def test_the_reason_lists_every_criterion_that_holds():
    found = run(
        offenders=DEPORTABLE,
        case_allocations=[{**CRC, "rsr_score": 8.1}],
        registrations=[
            {"register_type_code": "RVHR"},
            {"register_type_code": "MAPP"},
            {"register_type_code": "ARSO", "registration_id": 3},
        ],
    )
    assert found[0]["reason"] == (
        "Event 1 (CO sentenced 2026-10-01) allocated to the CRC (case allocation 1, decided"
        " 2026-10-02) but: RSR score 8.10 above 6.89; active High/Very High RoSH flag (RVHR);"
        " active MAPP flag; MAPPA eligible: registered sex offender (ARSO flag 3 from"
        " 2020-01-06); eligible for deportation; reallocate or escalate to the NPS"
    )


def test_an_nps_decision_never_raises():
    found = run(
        offenders=DEPORTABLE,
        case_allocations=[{"allocation_decision": "NPS", "rsr_score": 50.0}],
        registrations=[{"register_type_code": "RVHR"}, {"register_type_code": "MAPP"}],
    )
    assert found == []


@pytest.mark.parametrize(
    ("event", "raises"),
    [
        ({"active": False}, False),
        ({"termination_date": D}, False),
        ({"termination_date": AFTER_D}, True),
        ({"soft_deleted": True}, False),
    ],
)
def test_only_active_events(event, raises):
    found = run(offenders=DEPORTABLE, events=[{"sentence_date": SENTENCED, **event}])
    assert bool(found) is raises


def test_a_mismatch_raises_from_the_day_of_sentence():
    found = run(SENTENCED, offenders=DEPORTABLE, case_allocations=[allocation("CRC", SENTENCED)])
    assert [f["subject"] for f in found] == ["1"]


def test_scope_is_every_active_event():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "active": False},
    ]
    ctx = context(D, offenders=[{}], events=events)
    assert collect(AllocationMismatch().scope(ctx)) == [{"crn": CRN, "subject": "1"}]
