"""allocation_unrecorded: an active event sentenced on or after 2014-06-01 with no
allocation decision on any of its case allocations once the working day after sentence
has passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.allocation_unrecorded import AllocationUnrecorded
from tests.builders import CRN, collect, context

SENTENCED = dt.date(2026, 10, 1)  # a Thursday: wd(SENTENCED, 1) = Friday 2026-10-02
LATE = dt.date(2026, 10, 20)


def run(as_of: dt.date = LATE, check: AllocationUnrecorded | None = None, **rows: Any) -> list:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": SENTENCED}])
    return collect((check or AllocationUnrecorded()).run(context(as_of, **rows)))


@pytest.mark.parametrize(
    ("sentenced", "as_of", "raises"),
    [
        (SENTENCED, dt.date(2026, 10, 2), False),  # D = wd(s, 1)
        (SENTENCED, dt.date(2026, 10, 3), True),
        (dt.date(2025, 12, 24), dt.date(2025, 12, 29), False),  # Christmas 2025
        (dt.date(2025, 12, 24), dt.date(2025, 12, 30), True),
        (dt.date(2026, 4, 2), dt.date(2026, 4, 7), False),  # Easter 2026
        (dt.date(2026, 4, 2), dt.date(2026, 4, 8), True),
        (dt.date(2026, 5, 22), dt.date(2026, 5, 26), False),  # spring bank holiday
        (dt.date(2026, 5, 22), dt.date(2026, 5, 27), True),
        (dt.date(2026, 12, 24), dt.date(2026, 12, 29), False),  # Christmas 2026
        (dt.date(2026, 12, 24), dt.date(2026, 12, 30), True),
        (dt.date(2026, 4, 4), dt.date(2026, 4, 7), False),  # Easter Saturday -> Tuesday
        (dt.date(2026, 4, 4), dt.date(2026, 4, 8), True),
    ],
)
def test_due_the_working_day_after_sentence(sentenced, as_of, raises):
    found = run(as_of, events=[{"sentence_date": sentenced}])
    assert bool(found) is raises


def test_finding_names_the_event_and_when_it_was_due():
    found = run(dt.date(2026, 10, 3), events=[{"event_number": 3, "sentence_date": SENTENCED}])
    assert found == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "medium",
            "reason": "Allocation decision (NPS or CRC) not recorded for event 3"
            " (CO sentenced 2026-10-01); due by 2026-10-02",
            "due_date": dt.date(2026, 10, 2),
        }
    ]


@pytest.mark.parametrize(
    ("sentenced", "raises"),
    [(dt.date(2014, 5, 31), False), (dt.date(2014, 6, 1), True)],
)
def test_required_from_2014_06_01(sentenced, raises):
    assert bool(run(dt.date(2014, 7, 1), events=[{"sentence_date": sentenced}])) is raises


@pytest.mark.parametrize(
    ("allocation", "raises"),
    [
        ({"allocation_decision": "CRC"}, False),  # undated decision exists
        ({"allocation_decision": "NPS", "decision_date": LATE}, False),  # decided on D
        ({"allocation_decision": "NPS", "decision_date": LATE + dt.timedelta(days=1)}, True),
        ({"allocation_decision": None, "decision_date": SENTENCED, "rsr_score": 2.0}, True),
        ({"allocation_decision": "NPS", "soft_deleted": True}, True),
        ({"allocation_decision": "NPS", "event_id": 2}, True),  # another event's decision
    ],
)
def test_a_decision_of_the_event_existing_at_d(allocation, raises):
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "active": False},
    ]
    found = run(events=events, case_allocations=[allocation])
    assert [f["subject"] for f in found] == (["1"] if raises else [])


@pytest.mark.parametrize(
    ("event", "raises"),
    [
        ({"active": False}, False),
        ({"termination_date": LATE}, False),
        ({"termination_date": LATE + dt.timedelta(days=1)}, True),
        ({"sentence_date": LATE + dt.timedelta(days=1)}, False),
        ({"soft_deleted": True}, False),
    ],
)
def test_only_active_events(event, raises):
    assert bool(run(events=[{"sentence_date": SENTENCED, **event}])) is raises


def test_a_deleted_person_hides_the_case():
    assert run(offenders=[{"soft_deleted": True}]) == []


def test_within_working_days_is_a_parameter():
    check = AllocationUnrecorded(within_working_days=5)
    assert run(dt.date(2026, 10, 8), check=check) == []
    assert len(run(dt.date(2026, 10, 9), check=check)) == 1


def test_scope_is_active_events_sentenced_from_required_from():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": dt.date(2014, 5, 31), "event_number": 2},
        {"sentence_date": SENTENCED, "event_number": 3, "soft_deleted": True},
    ]
    ctx = context(LATE, offenders=[{}], events=events)
    assert collect(AllocationUnrecorded().scope(ctx)) == [{"crn": CRN, "subject": "1"}]
