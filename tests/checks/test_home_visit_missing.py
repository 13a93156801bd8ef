"""home_visit_missing: 20 working days after sentence, an active CO, SSO or LIC event
that calls for a home visit (domestic abuse, a sexual offence, a SAFEGUARDING flag, or an
RHRH or RVHR flag) and no home visit since sentence whose outcome is not a failure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.home_visit_missing import HomeVisitMissing
from tests.builders import CRN, collect, context

SENTENCED = dt.date(2026, 3, 20)  # a Friday: wd(SENTENCED, 20) = 2026-04-21 over Easter
DUE = dt.date(2026, 4, 21)
LATE = dt.date(2026, 5, 11)
INDICATED = {"sentence_date": SENTENCED, "domestic_abuse": True}


def run(
    as_of: dt.date = LATE, check: HomeVisitMissing | None = None, **rows: Any
) -> list[dict[str, Any]]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [INDICATED])
    return collect((check or HomeVisitMissing()).run(context(as_of, **rows)))


def visit(day: dt.date = dt.date(2026, 4, 1), code: str = "CHVS", **values: Any) -> dict[str, Any]:
    """A home visit, recorded on the day it took place, attended."""
    row = {
        "contact_type_code": code,
        "contact_date": day,
        "outcome_code": "ATTC",
        "created_datetime": dt.datetime.combine(day, dt.time(17, 0)),
    }
    return row | values


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
    found = run(as_of, events=[INDICATED | {"sentence_date": sentenced}])
    assert bool(found) is raises


def test_finding_names_the_event_what_calls_for_a_visit_and_when_it_was_due():
    found = run(events=[INDICATED | {"event_number": 2, "disposal_type_code": "SSO"}])
    assert found == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "medium",
            "reason": "no home visit since event 2 (SSO sentenced 2026-03-20) although "
            "indicated by domestic abuse; due by 2026-04-21",
            "due_date": DUE,
        }
    ]


@pytest.mark.parametrize(
    ("disposal", "raises"),
    [("CO", True), ("SSO", True), ("LIC", True), ("SC", False)],
)
def test_community_orders_and_licences_only(disposal, raises):
    assert bool(run(events=[INDICATED | {"disposal_type_code": disposal}])) is raises


@pytest.mark.parametrize(
    ("event", "flags", "indications"),
    [
        pytest.param({}, [], None, id="nothing"),
        pytest.param({"domestic_abuse": True}, [], "domestic abuse", id="domestic abuse"),
        pytest.param({"offence_category": "SEXUAL"}, [], "sexual offence", id="sexual offence"),
        pytest.param({"offence_category": "VIOLENCE"}, [], None, id="violence"),
        pytest.param({}, [{"register_type_code": "RCPR"}], "RCPR flag", id="RCPR"),
        pytest.param({}, [{"register_type_code": "RCCO"}], "RCCO flag", id="RCCO"),
        pytest.param({}, [{"register_type_code": "RCHD"}], "RCHD flag", id="RCHD"),
        pytest.param({}, [{"register_type_code": "RHRH"}], "RHRH flag", id="RHRH"),
        pytest.param({}, [{"register_type_code": "RVHR"}], "RVHR flag", id="RVHR"),
        pytest.param({}, [{"register_type_code": "RMRH"}], None, id="RMRH"),
        pytest.param(
            {}, [{"register_type_code": "ADVP"}], None, id="a DOMESTIC_ABUSE flag is not listed"
        ),
        pytest.param({}, [{"register_type_code": "ARSO"}], None, id="ARSO"),
        pytest.param(
            {"domestic_abuse": True, "offence_category": "SEXUAL"},
            [
                {"register_type_code": "RVHR"},
                {"register_type_code": "RCPR"},
                {"register_type_code": "RCPR"},
            ],
            "domestic abuse, sexual offence, RCPR, RVHR flag",
            id="all of them",
        ),
    ],
)
def test_what_calls_for_a_home_visit(event, flags, indications):
    found = run(events=[{"sentence_date": SENTENCED} | event], registrations=flags)
    if indications is None:
        assert found == []
    else:
        (finding,) = found
        assert f"indicated by {indications}; due by" in finding["reason"]


@pytest.mark.parametrize(
    ("flag", "indicated"),
    [
        pytest.param({}, True, id="active"),
        pytest.param({"registration_date": LATE}, True, id="registered on D"),
        pytest.param(
            {"registration_date": LATE + dt.timedelta(days=1)}, False, id="registered after D"
        ),
        pytest.param(
            {"deregistered": True, "deregistration_date": LATE + dt.timedelta(days=1)},
            True,
            id="deregistered after D",
        ),
        pytest.param(
            {"deregistered": True, "deregistration_date": LATE}, False, id="deregistered on D"
        ),
        pytest.param({"deregistered": True}, False, id="deregistered with no date"),
        pytest.param({"soft_deleted": True}, False, id="soft-deleted"),
        pytest.param({"crn": "X000002"}, False, id="another person's"),
    ],
)
def test_only_the_persons_active_flags_call_for_it(flag, indicated):
    flags = [{"register_type_code": "RHRH", "registration_date": dt.date(2025, 1, 1)} | flag]
    found = run(
        offenders=[{}, {"crn": "X000002"}],
        events=[{"sentence_date": SENTENCED}],
        registrations=flags,
    )
    assert bool(found) is indicated


@pytest.mark.parametrize(
    ("contact", "raises"),
    [
        pytest.param(visit(), False, id="home visit attended"),
        pytest.param(visit(code="COHV"), False, id="COHV: first appointment and home visit"),
        pytest.param(visit(code="COAI"), True, id="a first appointment in the office"),
        pytest.param(visit(code="COAP"), True, id="an office visit"),
        pytest.param(visit(outcome_code=None), False, id="no outcome recorded"),
        pytest.param(visit(outcome_code="AFTC"), False, id="failed to comply at the visit"),
        pytest.param(visit(outcome_code="AFTA"), True, id="failed to attend"),
        pytest.param(visit(outcome_code="UAAB"), True, id="unacceptable absence"),
        pytest.param(visit(outcome_code="APPW"), True, id="withdrawn"),
        pytest.param(visit(outcome_code="RSSR"), True, id="rescheduled"),
        pytest.param(visit(SENTENCED), False, id="on the sentence date"),
        pytest.param(visit(dt.date(2026, 3, 19)), True, id="the day before sentence"),
        pytest.param(visit(LATE), False, id="on D"),
        pytest.param(
            visit(LATE + dt.timedelta(days=1), created_datetime=dt.datetime(2026, 5, 1, 9)),
            True,
            id="booked for after D",
        ),
        pytest.param(
            visit(created_datetime=dt.datetime(2026, 5, 12, 9)), True, id="recorded after D"
        ),
        pytest.param(
            visit(created_datetime=dt.datetime(2026, 5, 11, 23, 59)), False, id="recorded late on D"
        ),
        pytest.param(visit(soft_deleted=True), True, id="soft-deleted"),
        pytest.param(visit(event_id=None), False, id="no event"),
        pytest.param(visit(event_id=2), False, id="another event of the person"),
        pytest.param(visit(crn="X000002"), True, id="another person's"),
    ],
)
def test_a_home_visit_since_sentence_that_was_not_a_failure_meets_it(contact, raises):
    found = run(
        offenders=[{}, {"crn": "X000002"}],
        events=[INDICATED, {"event_number": 2, "disposal_type_code": "SC"}],
        contacts=[contact],
    )
    assert [f["subject"] for f in found] == (["1"] if raises else [])


def test_a_visit_to_a_deleted_event_is_hidden():
    events = [INDICATED, {"event_number": 2, "disposal_type_code": "SC", "soft_deleted": True}]
    found = run(events=events, contacts=[visit(event_id=2)])
    assert [f["subject"] for f in found] == ["1"]


def test_each_event_is_judged_on_its_own_sentence_date():
    events = [INDICATED | {"sentence_date": dt.date(2026, 1, 5)}, INDICATED | {"event_number": 2}]
    found = run(events=events, contacts=[visit(dt.date(2026, 2, 2))])
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
    assert run(offenders=[offender], events=[INDICATED | event]) == []


def test_within_working_days_is_a_parameter():
    assert run(DUE, check=HomeVisitMissing(within_working_days=19)) != []
    assert run(dt.date(2026, 4, 22), check=HomeVisitMissing(within_working_days=21)) == []


def test_scope_is_every_active_community_order_or_licence_past_its_due_date():
    ctx = context(
        DUE,
        offenders=[{}],
        events=[
            {"sentence_date": dt.date(2026, 3, 19)},
            {"sentence_date": SENTENCED},
            {"disposal_type_code": "SC"},
            {"disposal_type_code": "SSO", "active": False},
            {"disposal_type_code": "LIC"},
        ],
    )
    assert collect(HomeVisitMissing().scope(ctx)) == [
        {"crn": CRN, "subject": "1"},
        {"crn": CRN, "subject": "5"},
    ]
