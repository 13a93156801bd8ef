"""mappa_flag_missing: an active, MAPPA-eligible person (ARSO flag, or a qualifying
violent or sexual event with 12 months' custody or more) must have an active MAPP flag."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.mappa_flag_missing import MappaFlagMissing
from tests.builders import collect, context

D = dt.date(2026, 3, 15)


def event(**extra: Any) -> dict[str, Any]:
    return {
        "offence_category": "VIOLENCE",
        "disposal_type_code": "SSO",
        "custodial_months": 12,
        **extra,
    }


def flag(code: str, **extra: Any) -> dict[str, Any]:
    return {"register_type_code": code, "registration_date": dt.date(2025, 6, 1), **extra}


def run(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    return collect(MappaFlagMissing().run(context(D, **rows)))


def scope(**rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    return collect(MappaFlagMissing().scope(context(D, **rows)))


def test_category_2_event_without_mappa_flag_raises() -> None:
    assert run(events=[event()]) == [
        {
            "crn": "X000001",
            "subject": "",
            "severity": "high",
            "reason": "MAPPA eligible as event 1 (VIOLENCE SSO, 12 months custodial)"
            " but no active MAPP flag",
            "due_date": None,
        }
    ]


def test_registered_sex_offender_without_mappa_flag_raises() -> None:
    found = run(events=[{"offence_category": "ACQUISITIVE"}], registrations=[flag("ARSO")])
    assert [f["reason"] for f in found] == [
        "MAPPA eligible as registered sex offender (ARSO flag 1 from 2025-06-01)"
        " but no active MAPP flag"
    ]


@pytest.mark.parametrize(
    ("events", "raises"),
    [
        pytest.param([event(custodial_months=11)], False, id="11 months"),
        pytest.param([event(custodial_months=12)], True, id="12 months"),
        pytest.param([event(custodial_months=None)], False, id="null custodial months"),
        pytest.param(
            [event(offence_category="SEXUAL", disposal_type_code="SC")], True, id="sexual, custody"
        ),
        pytest.param([event(disposal_type_code="LIC")], True, id="licence"),
        pytest.param([event(disposal_type_code="CO")], False, id="community order"),
        pytest.param([event(offence_category="DRUGS")], False, id="drugs"),
        pytest.param([event(active=False)], False, id="event not active"),
        pytest.param([event(termination_date=D)], False, id="event terminated on D"),
        pytest.param([event(sentence_date=dt.date(2026, 3, 16))], False, id="sentenced after D"),
        pytest.param([event(soft_deleted=True)], False, id="soft-deleted event"),
        pytest.param(
            [event(active=False), {"event_number": 2}],
            False,
            id="active only through a non-qualifying event",
        ),
    ],
)
def test_category_2_eligibility(events: list, raises: bool) -> None:
    assert len(run(events=events)) == int(raises)


@pytest.mark.parametrize(
    ("registration", "raises"),
    [
        pytest.param(flag("MAPP"), False, id="MAPP flag"),
        pytest.param(
            flag("MAPP", deregistered=True, deregistration_date=dt.date(2026, 3, 16)),
            False,
            id="MAPP flag deregistered after D",
        ),
        pytest.param(
            flag("MAPP", deregistered=True, deregistration_date=D),
            True,
            id="MAPP flag deregistered on D",
        ),
        pytest.param(flag("MAPP", deregistered=True), True, id="deregistered with no date"),
        pytest.param(
            flag("MAPP", registration_date=dt.date(2026, 3, 16)),
            True,
            id="MAPP flag registered after D",
        ),
        pytest.param(flag("MAPP", soft_deleted=True), True, id="soft-deleted MAPP flag"),
        pytest.param(flag("AVIS"), True, id="another public protection flag"),
    ],
)
def test_only_an_active_mappa_flag_satisfies(registration: dict, raises: bool) -> None:
    assert len(run(events=[event()], registrations=[registration])) == int(raises)


@pytest.mark.parametrize(
    ("arso", "raises"),
    [
        pytest.param(flag("ARSO"), True, id="active ARSO"),
        pytest.param(flag("ARSO", deregistered=True), False, id="deregistered ARSO"),
        pytest.param(
            flag("ARSO", registration_date=dt.date(2026, 3, 16)),
            False,
            id="ARSO registered after D",
        ),
    ],
)
def test_category_1_needs_an_active_arso_flag(arso: dict, raises: bool) -> None:
    assert len(run(events=[{}], registrations=[arso])) == int(raises)


def test_registered_sex_offender_who_is_not_active_is_not_examined() -> None:
    rows: dict[str, Any] = {"events": [{"active": False}], "registrations": [flag("ARSO")]}
    assert run(**rows) == [] and scope(**rows) == []


def test_soft_deleted_person_hides_the_case() -> None:
    rows: dict[str, Any] = {"offenders": [{"soft_deleted": True}], "events": [event()]}
    assert run(**rows) == [] and scope(**rows) == []


def test_both_criteria_are_named() -> None:
    (found,) = run(events=[event()], registrations=[flag("ARSO")])
    assert "registered sex offender" in found["reason"] and "event 1" in found["reason"]


def test_scope_is_active_mappa_eligible_persons() -> None:
    rows: dict[str, Any] = {
        "offenders": [{}, {"crn": "X000002"}, {"crn": "X000003"}],
        "events": [event(), {"crn": "X000002"}, event(crn="X000003")],
        "registrations": [flag("MAPP", crn="X000003")],
    }
    assert scope(**rows) == [
        {"crn": "X000001", "subject": ""},
        {"crn": "X000003", "subject": ""},
    ]
    assert [f["crn"] for f in run(**rows)] == ["X000001"]
