"""documents_missing: five working days after sentence, an active event needs its CAS form,
its written report or oral report notes, and its RSR calculation where it has an RSR
score, each uploaded for the event or for no event on or after sentence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.documents_missing import DocumentsMissing
from tests.builders import CRN, collect, context

SENTENCED = dt.date(2026, 10, 1)  # a Thursday: wd(SENTENCED, 5) = Thursday 2026-10-08
D = dt.date(2026, 10, 20)
AFTER_D = D + dt.timedelta(days=1)
ON_SENTENCE_DAY = dt.datetime(2026, 10, 1, 0, 0)


def run(as_of: dt.date = D, check: DocumentsMissing | None = None, **rows: Any) -> list:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": SENTENCED}])
    return collect((check or DocumentsMissing()).run(context(as_of, **rows)))


def document(kind: str, created: dt.datetime = ON_SENTENCE_DAY, **more: Any) -> dict:
    return {"document_type": kind, "created_datetime": created, **more}


def missing(found: list) -> str | None:
    """The list of missing types from the one finding's reason, or None."""
    if not found:
        return None
    assert len(found) == 1
    return found[0]["reason"].split(": ")[1].split(";")[0]


CAS = document("CASE_ALLOCATION")


@pytest.mark.parametrize(
    ("sentenced", "as_of", "raises"),
    [
        (SENTENCED, dt.date(2026, 10, 8), False),  # D = wd(s, 5)
        (SENTENCED, dt.date(2026, 10, 9), True),
        (dt.date(2025, 12, 24), dt.date(2026, 1, 5), False),  # Christmas 2025
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


def test_finding_lists_the_missing_types_and_when_they_were_due():
    events = [{"event_number": 2, "sentence_date": SENTENCED, "court_report_type": "CJS"}]
    found = run(events=events, case_allocations=[{"rsr_score": 1.5}])
    assert found == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "medium",
            "reason": "Documents not uploaded for event 2 (CO sentenced 2026-10-01):"
            " CASE_ALLOCATION, COURT_REPORT, RSR_CALCULATION; due by 2026-10-08",
            "due_date": dt.date(2026, 10, 8),
        }
    ]


@pytest.mark.parametrize(
    ("sentenced", "raises"),
    [(dt.date(2014, 5, 31), False), (dt.date(2014, 6, 1), True)],
)
def test_required_from_2014_06_01(sentenced, raises):
    assert bool(run(dt.date(2014, 7, 1), events=[{"sentence_date": sentenced}])) is raises


@pytest.mark.parametrize(
    ("report", "documents", "expected"),
    [
        (None, [], "CASE_ALLOCATION"),
        (None, [CAS], None),
        ("CJF", [CAS], "COURT_REPORT"),
        ("CJS", [CAS], "COURT_REPORT"),
        ("CJS", [CAS, document("COURT_REPORT")], None),
        ("CJS", [CAS, document("ORAL_REPORT_NOTES")], "COURT_REPORT"),
        ("CJO", [CAS], "ORAL_REPORT_NOTES"),
        ("CJO", [CAS, document("ORAL_REPORT_NOTES")], None),
        ("CJO", [document("COURT_REPORT")], "CASE_ALLOCATION, ORAL_REPORT_NOTES"),
        ("PSA", [CAS], None),  # an addendum needs nothing more
    ],
)
def test_report_documents_follow_the_report_type(report, documents, expected):
    events = [{"sentence_date": SENTENCED, "court_report_type": report}]
    assert missing(run(events=events, documents=documents)) == expected


@pytest.mark.parametrize(
    ("allocation", "expected"),
    [
        ({"rsr_score": 4.0}, "RSR_CALCULATION"),
        ({"rsr_score": 0}, "RSR_CALCULATION"),
        ({"rsr_score": 4.0, "rsr_assessor_date": D}, "RSR_CALCULATION"),
        ({"rsr_score": 4.0, "rsr_assessor_date": AFTER_D}, None),  # no score at D
        ({"rsr_score": None, "allocation_decision": "CRC"}, None),
        ({"rsr_score": 4.0, "soft_deleted": True}, None),
        ({"rsr_score": 4.0, "event_id": 2}, None),  # another event's score
    ],
)
def test_an_rsr_score_requires_the_rsr_calculation(allocation, expected):
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "active": False},
    ]
    found = run(events=events, documents=[CAS], case_allocations=[allocation])
    assert missing(found) == expected


@pytest.mark.parametrize(
    ("cas", "met"),
    [
        (document("CASE_ALLOCATION", event_id=1), True),
        (document("CASE_ALLOCATION", dt.datetime(2026, 9, 1), event_id=1), True),  # before
        (document("CASE_ALLOCATION", ON_SENTENCE_DAY), True),  # no event, on sentence day
        (document("CASE_ALLOCATION", dt.datetime(2026, 9, 30, 23, 59)), False),  # day before
        (document("CASE_ALLOCATION", dt.datetime(2026, 10, 20, 23, 59)), True),  # on D
        (document("CASE_ALLOCATION", dt.datetime(2026, 10, 21, 0, 0)), False),  # after D
        (document("CASE_ALLOCATION", event_id=2), False),  # another event's
        (document("CASE_ALLOCATION", soft_deleted=True), False),
        (document("CASE_ALLOCATION", crn="X000002"), False),  # someone else's
        (document("OTHER"), False),
    ],
)
def test_a_document_meeting_the_requirement(cas, met):
    offenders = [{}, {"crn": "X000002"}]
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "active": False},
    ]
    found = run(offenders=offenders, events=events, documents=[cas])
    assert missing(found) == (None if met else "CASE_ALLOCATION")


def test_a_deleted_event_hides_its_documents():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": SENTENCED, "event_number": 2, "soft_deleted": True},
    ]
    found = run(events=events, documents=[document("CASE_ALLOCATION", event_id=2)])
    assert [f["subject"] for f in found] == ["1"]


def test_an_unlinked_document_serves_every_event_sentenced_by_then():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": dt.date(2026, 10, 2), "event_number": 2},
        {"sentence_date": dt.date(2026, 10, 5), "event_number": 3},
    ]
    documents = [document("CASE_ALLOCATION", dt.datetime(2026, 10, 2, 16, 0))]
    assert [f["subject"] for f in run(events=events, documents=documents)] == ["3"]


def test_the_rules_are_configurable():
    events = [{"sentence_date": SENTENCED, "court_report_type": "CJS"}]
    allocations = [{"rsr_score": 9.0}]
    check = DocumentsMissing(rules=("rsr_calculation", "court_report"))
    found = run(check=check, events=events, case_allocations=allocations)
    assert missing(found) == "RSR_CALCULATION, COURT_REPORT"
    assert run(check=DocumentsMissing(rules=()), events=events) == []


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown documents_missing rules"):
        DocumentsMissing(rules=("case_allocation", "diversity_form"))


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
    assert bool(run(events=[{"sentence_date": SENTENCED, **event}])) is raises


def test_a_deleted_person_hides_the_case():
    assert run(offenders=[{"soft_deleted": True}]) == []


def test_scope_is_active_events_from_required_from_whose_time_is_up():
    events = [
        {"sentence_date": SENTENCED},
        {"sentence_date": dt.date(2014, 5, 31), "event_number": 2},
        {"sentence_date": dt.date(2026, 10, 14), "event_number": 3},  # due 2026-10-21
        {"sentence_date": SENTENCED, "event_number": 4, "active": False},
    ]
    ctx = context(D, offenders=[{}], events=events)
    assert collect(DocumentsMissing().scope(ctx)) == [{"crn": CRN, "subject": "1"}]
