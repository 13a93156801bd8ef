"""assignment_missing: an active event, five working days after sentence, whose person has
no current offender manager, or one whose staff code ends in U, or one who has left."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.assignment_missing import AssignmentMissing
from tests.builders import CRN, collect, context

SENTENCED = dt.date(2026, 10, 1)  # a Thursday: wd(SENTENCED, 5) = Thursday 2026-10-08
D = dt.date(2026, 10, 20)
AFTER_D = D + dt.timedelta(days=1)
OFFICER = {"staff_code": "N07A001"}
PLACEHOLDER = {"staff_code": "N07T01U", "forename": "Unallocated", "surname": "Staff"}
OTHER_TEAM = {"team_code": "N07T02", "spo_staff_code": "N07S002"}


def run(as_of: dt.date = D, **rows: Any) -> list:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": SENTENCED}])
    return collect(AssignmentMissing().run(context(as_of, **rows)))


@pytest.mark.parametrize(
    ("sentenced", "as_of", "raises"),
    [
        (SENTENCED, dt.date(2026, 10, 8), False),  # D = wd(s, 5)
        (SENTENCED, dt.date(2026, 10, 9), True),
        (dt.date(2025, 12, 24), dt.date(2026, 1, 5), False),  # Christmas and New Year
        (dt.date(2025, 12, 24), dt.date(2026, 1, 6), True),
        (dt.date(2026, 4, 2), dt.date(2026, 4, 13), False),  # Easter 2026
        (dt.date(2026, 4, 2), dt.date(2026, 4, 14), True),
        (dt.date(2026, 5, 22), dt.date(2026, 6, 1), False),  # spring bank holiday
        (dt.date(2026, 5, 22), dt.date(2026, 6, 2), True),
        (dt.date(2026, 12, 24), dt.date(2027, 1, 5), False),  # Christmas 2026
        (dt.date(2026, 12, 24), dt.date(2027, 1, 6), True),
    ],
)
def test_due_within_five_working_days(sentenced, as_of, raises):
    assert bool(run(as_of, events=[{"sentence_date": sentenced}])) is raises


def test_no_current_offender_manager():
    found = run(events=[{"event_number": 3, "sentence_date": SENTENCED}])
    assert found == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "high",
            "reason": "Event 3 (CO sentenced 2026-10-01) not assigned to a named offender"
            " manager: no current offender manager; due by 2026-10-08",
            "due_date": dt.date(2026, 10, 8),
        }
    ]


@pytest.mark.parametrize(
    ("managers", "raises"),
    [
        ([{}], False),
        ([{"allocation_date": D}], False),  # allocated on D
        ([{"allocation_date": AFTER_D}], True),  # not yet allocated
        ([{"end_date": D}], True),  # ended on D
        ([{"end_date": AFTER_D}], False),
        ([{"soft_deleted": True}], True),
        ([{}, {"allocation_date": dt.date(2026, 10, 2)}], True),  # two current rows: none
        ([{"end_date": dt.date(2026, 10, 2)}, {"allocation_date": dt.date(2026, 10, 2)}], False),
        ([{"crn": "X000002"}], True),  # someone else's
    ],
)
def test_a_current_offender_manager(managers, raises):
    found = run(offenders=[{}, {"crn": "X000002"}], offender_managers=managers)
    assert [f["subject"] for f in found] == (["1"] if raises else [])
    if raises:
        assert "no current offender manager" in found[0]["reason"]


def test_a_deleted_team_or_officer_hides_the_offender_manager():
    staff = [OFFICER, {"staff_code": "N07A002", "team_code": "N07T02"}]
    teams = [{}, {**OTHER_TEAM, "soft_deleted": True}]
    managers = [{"staff_code": "N07A002", "team_code": "N07T02"}]
    assert len(run(teams=teams, staff=staff, offender_managers=managers)) == 1
    staff = [{**OFFICER, "soft_deleted": True}]
    assert len(run(staff=staff, offender_managers=[{}])) == 1


def test_held_by_the_team_placeholder():
    managers = [{"staff_code": "N07T01U"}]
    found = run(staff=[OFFICER, PLACEHOLDER], offender_managers=managers)
    assert [f["subject"] for f in found] == ["1"]
    assert "held unallocated in team N07T01 (N07T01U)" in found[0]["reason"]


@pytest.mark.parametrize(
    ("left", "raises"),
    [(None, False), (dt.date(2026, 9, 1), True), (D, True), (AFTER_D, False)],
)
def test_an_offender_manager_who_has_left(left, raises):
    found = run(staff=[{**OFFICER, "end_date": left}], offender_managers=[{}])
    assert bool(found) is raises
    if raises:
        assert (
            f"offender manager N07A001 left on {left}; team N07T01 SPO to reassign"
            in (found[0]["reason"])
        )


def test_the_exception_of_a_leaver_goes_to_that_officers_team():
    """The pipeline attaches the owner from ctx.owners, the current offender manager: the
    row naming the leaver is still current, so the team's SPO gets the exception."""
    staff = [OFFICER, {"staff_code": "N07A002", "team_code": "N07T02", "end_date": D}]
    managers = [{"staff_code": "N07A002", "team_code": "N07T02"}]
    ctx = context(
        D,
        offenders=[{}],
        events=[{"sentence_date": SENTENCED}],
        teams=[{}, OTHER_TEAM],
        staff=staff,
        offender_managers=managers,
    )
    assert [f["subject"] for f in collect(AssignmentMissing().run(ctx))] == ["1"]
    assert ctx.owners.collect().to_dicts() == [
        {"crn": CRN, "staff_code": "N07A002", "team_code": "N07T02", "spo_staff_code": "N07S002"}
    ]


@pytest.mark.parametrize(
    ("event", "raises"),
    [
        ({"active": False}, False),
        ({"termination_date": D}, False),
        ({"termination_date": AFTER_D}, True),
        ({"sentence_date": AFTER_D}, False),
        ({"soft_deleted": True}, False),
        ({"disposal_type_code": "SC"}, True),  # every disposal
    ],
)
def test_only_active_events(event, raises):
    assert bool(run(events=[{"sentence_date": SENTENCED, **event}])) is raises


def test_every_active_event_of_the_person_raises():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2},
        {"sentence_date": dt.date(2026, 10, 19), "event_number": 3},
    ]
    assert [f["subject"] for f in run(events=events)] == ["1", "2"]


def test_scope_is_every_active_event():
    events = [{"sentence_date": SENTENCED}, {"sentence_date": AFTER_D, "event_number": 2}]
    ctx = context(D, offenders=[{}], events=events)
    assert collect(AssignmentMissing().scope(ctx)) == [{"crn": CRN, "subject": "1"}]
