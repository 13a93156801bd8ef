"""rsr_missing: an active event sentenced on or after 2014-06-01 with no RSR score on any
of its case allocations once the working day after sentence has passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.rsr_missing import RsrMissing
from tests.builders import CRN, collect, context

SENTENCED = dt.date(2026, 10, 1)  # a Thursday: wd(SENTENCED, 1) = Friday 2026-10-02
LATE = dt.date(2026, 10, 20)


def run(as_of: dt.date = LATE, check: RsrMissing | None = None, **rows: Any) -> list[dict]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": SENTENCED}])
    return collect((check or RsrMissing()).run(context(as_of, **rows)))


@pytest.mark.parametrize(
    ("sentenced", "as_of", "raises"),
    [
        (SENTENCED, dt.date(2026, 10, 2), False),  # D = wd(s, 1): still in time
        (SENTENCED, dt.date(2026, 10, 3), True),  # the day after
        (dt.date(2026, 10, 2), dt.date(2026, 10, 5), False),  # Friday -> Monday
        (dt.date(2026, 10, 2), dt.date(2026, 10, 6), True),
        (dt.date(2026, 10, 3), dt.date(2026, 10, 5), False),  # Saturday: counting from Monday
        (dt.date(2026, 10, 3), dt.date(2026, 10, 6), True),
        (dt.date(2025, 12, 24), dt.date(2025, 12, 29), False),  # over Christmas 2025
        (dt.date(2025, 12, 24), dt.date(2025, 12, 28), False),
        (dt.date(2025, 12, 24), dt.date(2025, 12, 30), True),
        (dt.date(2026, 4, 2), dt.date(2026, 4, 7), False),  # over Easter 2026
        (dt.date(2026, 4, 2), dt.date(2026, 4, 8), True),
        (dt.date(2026, 5, 22), dt.date(2026, 5, 26), False),  # spring bank holiday 2026-05-25
        (dt.date(2026, 5, 22), dt.date(2026, 5, 27), True),
        (dt.date(2026, 12, 24), dt.date(2026, 12, 29), False),  # 28 Dec 2026 is a substitute
        (dt.date(2026, 12, 24), dt.date(2026, 12, 30), True),
    ],
)
def test_due_the_working_day_after_sentence(sentenced, as_of, raises):
    found = run(as_of, events=[{"sentence_date": sentenced}])
    assert bool(found) is raises


def test_finding_names_the_event_and_when_it_was_due():
    found = run(
        dt.date(2026, 10, 5),
        events=[{"event_number": 2, "disposal_type_code": "SSO", "sentence_date": SENTENCED}],
    )
    assert found == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "medium",
            "reason": "RSR score not recorded for event 2 (SSO sentenced 2026-10-01);"
            " due by 2026-10-02",
            "due_date": dt.date(2026, 10, 2),
        }
    ]


@pytest.mark.parametrize(
    ("sentenced", "raises"),
    [(dt.date(2014, 5, 31), False), (dt.date(2014, 6, 1), True)],
)
def test_required_from_2014_06_01(sentenced, raises):
    found = run(dt.date(2014, 7, 1), events=[{"sentence_date": sentenced}])
    assert bool(found) is raises


def test_required_from_is_a_parameter():
    check = RsrMissing(required_from=dt.date(2026, 10, 2))
    assert run(check=check) == []


@pytest.mark.parametrize(
    ("allocation", "raises"),
    [
        ({"rsr_score": 3.2}, False),
        ({"rsr_score": 0}, False),  # a zero score is a score
        ({"rsr_score": 3.2, "rsr_assessor_date": LATE}, False),  # assessed on D
        ({"rsr_score": 3.2, "rsr_assessor_date": LATE + dt.timedelta(days=1)}, True),
        ({"rsr_score": None, "allocation_decision": "CRC"}, True),
        ({"rsr_score": 3.2, "soft_deleted": True}, True),
        ({"rsr_score": 3.2, "event_id": 2}, True),  # another event's score
    ],
)
def test_a_score_of_the_event_existing_at_d(allocation, raises):
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "active": False},
    ]
    found = run(events=events, case_allocations=[allocation])
    assert [f["subject"] for f in found] == (["1"] if raises else [])


def test_one_scored_allocation_among_several_is_enough():
    allocations = [{"rsr_score": None}, {"rsr_score": 5.0}]
    assert run(case_allocations=allocations) == []


@pytest.mark.parametrize(
    ("event", "raises"),
    [
        ({"active": False}, False),
        ({"termination_date": LATE}, False),  # terminated on D
        ({"termination_date": LATE + dt.timedelta(days=1)}, True),
        ({"sentence_date": LATE + dt.timedelta(days=1)}, False),  # not yet sentenced
        ({"soft_deleted": True}, False),
    ],
)
def test_only_active_events(event, raises):
    found = run(events=[{"sentence_date": SENTENCED, **event}])
    assert bool(found) is raises


def test_a_deleted_person_hides_the_case():
    assert run(offenders=[{"soft_deleted": True}]) == []


def test_scope_is_active_events_sentenced_from_required_from():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": dt.date(2014, 5, 31), "event_number": 2},
        {"sentence_date": SENTENCED, "event_number": 3, "active": False},
        {"sentence_date": LATE, "event_number": 4},  # in scope though not yet due
    ]
    ctx = context(LATE, offenders=[{}], events=events)
    assert [r["subject"] for r in collect(RsrMissing().scope(ctx))] == ["1", "4"]
