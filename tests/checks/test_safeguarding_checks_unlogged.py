"""safeguarding_checks_unlogged: once five working days have passed since sentence, an
active event for which a police domestic abuse check or a children's services check is
indicated needs a request contact of that kind dated from sentence − 90 days to D."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.safeguarding_checks_unlogged import SafeguardingChecksUnlogged
from tests.builders import CRN, collect, context

SENTENCED = dt.date(2025, 12, 19)  # a Friday: wd(SENTENCED, 5) = Tuesday 2025-12-30
DUE = dt.date(2025, 12, 30)
LATE = dt.date(2026, 1, 20)
WINDOW_START = dt.date(2025, 9, 20)  # SENTENCED − 90 days

POLICE = "police domestic abuse check"
CHILDREN = "children's services check"


def contact(code: str, day: dt.date, **values: Any) -> dict[str, Any]:
    """A contact of the given type, recorded on the day it took place."""
    row = {
        "contact_type_code": code,
        "contact_date": day,
        "created_datetime": dt.datetime.combine(day, dt.time(9, 0)),
    }
    return row | values


def police_request(day: dt.date, **values: Any) -> dict[str, Any]:
    return contact("C369", day, **values)


def children_request(day: dt.date, **values: Any) -> dict[str, Any]:
    return contact("SFGC", day, **values)


def concern(answer: str, day: dt.date | None = None, **values: Any) -> dict[str, Any]:
    """An assessment (the builder's completed LAYER3) recording child_protection_concern,
    dated ``day`` when one is given."""
    dated = {} if day is None else {"assessment_date": day}
    return {"child_protection_concern": answer} | dated | values


def run(
    as_of: dt.date = LATE, check: SafeguardingChecksUnlogged | None = None, **rows: Any
) -> list[dict[str, Any]]:
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", [{"sentence_date": SENTENCED, "domestic_abuse": True}])
    return collect((check or SafeguardingChecksUnlogged()).run(context(as_of, **rows)))


def unlogged(found: list[dict[str, Any]]) -> set[str]:
    """Which kinds of check the single finding names as not logged."""
    if not found:
        return set()
    (finding,) = found
    missing = finding["reason"].split(" not logged")[0]
    return {kind for kind in (POLICE, CHILDREN) if kind in missing}


@pytest.mark.parametrize(
    ("sentenced", "as_of", "raises"),
    [
        (SENTENCED, DUE, False),  # over Christmas 2025: D = wd(s, 5)
        (SENTENCED, dt.date(2025, 12, 31), True),
        (dt.date(2025, 12, 24), dt.date(2026, 1, 5), False),  # 25, 26 Dec are holidays
        (dt.date(2025, 12, 24), dt.date(2026, 1, 6), True),
        (dt.date(2026, 3, 27), dt.date(2026, 4, 7), False),  # over Easter 2026 (3, 6 April)
        (dt.date(2026, 3, 27), dt.date(2026, 4, 8), True),
        (dt.date(2026, 5, 22), dt.date(2026, 6, 1), False),  # spring bank holiday 2026-05-25
        (dt.date(2026, 5, 22), dt.date(2026, 6, 2), True),
        (dt.date(2026, 4, 4), dt.date(2026, 4, 13), False),  # Saturday: counting from 7 April
        (dt.date(2026, 4, 4), dt.date(2026, 4, 14), True),
    ],
)
def test_due_five_working_days_after_sentence(sentenced, as_of, raises):
    found = run(as_of, events=[{"sentence_date": sentenced, "domestic_abuse": True}])
    assert bool(found) is raises


def test_finding_names_the_event_the_checks_and_when_they_were_due():
    found = run(
        events=[
            {
                "event_number": 3,
                "disposal_type_code": "SSO",
                "sentence_date": SENTENCED,
                "domestic_abuse": True,
            }
        ]
    )
    assert found == [
        {
            "crn": CRN,
            "subject": "1",
            "severity": "high",
            "reason": f"{POLICE} and {CHILDREN} not logged for event 3 (SSO sentenced "
            "2025-12-19; indicated by domestic abuse offence): no request since 2025-09-20;"
            " due by 2025-12-30",
            "due_date": DUE,
        }
    ]


@pytest.mark.parametrize(
    ("event", "flags", "assessments", "expected"),
    [
        pytest.param({}, [], [], set(), id="nothing indicated"),
        pytest.param({"domestic_abuse": True}, [], [], {POLICE, CHILDREN}, id="DA event"),
        pytest.param(
            {},
            [{"register_type_code": "ADVP"}],
            [],
            {POLICE, CHILDREN},
            id="DOMESTIC_ABUSE flag ADVP",
        ),
        pytest.param(
            {},
            [{"register_type_code": "REG30"}],
            [],
            {POLICE, CHILDREN},
            id="DOMESTIC_ABUSE flag REG30",
        ),
        pytest.param({}, [{"register_type_code": "RCPR"}], [], {CHILDREN}, id="SAFEGUARDING flag"),
        pytest.param(
            {}, [{"register_type_code": "RCHD"}], [], {CHILDREN}, id="SAFEGUARDING flag RCHD"
        ),
        pytest.param({}, [{"register_type_code": "AV2S"}], [], set(), id="other flag"),
        pytest.param({}, [{"register_type_code": "RHRH"}], [], set(), id="RoSH flag"),
        pytest.param(
            {}, [], [{"child_protection_concern": "YES"}], {CHILDREN}, id="child protection concern"
        ),
        pytest.param({}, [], [{"child_protection_concern": "DK"}], set(), id="concern DK"),
        pytest.param({}, [], [{"child_protection_concern": None}], set(), id="concern null"),
    ],
)
def test_what_indicates_each_check(event, flags, assessments, expected):
    found = run(
        events=[{"sentence_date": SENTENCED} | event], registrations=flags, assessments=assessments
    )
    assert unlogged(found) == expected


@pytest.mark.parametrize(
    ("assessments", "indicated"),
    [
        pytest.param(
            [concern("YES", dt.date(2025, 1, 1)), concern("NO", dt.date(2025, 6, 1))],
            False,
            id="latest says no",
        ),
        pytest.param(
            [concern("NO", dt.date(2025, 1, 1)), concern("YES", dt.date(2025, 6, 1))],
            True,
            id="latest says yes",
        ),
        pytest.param(
            [
                concern("YES", dt.date(2025, 6, 1), assessment_id=2),
                concern("NO", dt.date(2025, 6, 1), assessment_id=1),
            ],
            True,
            id="tie: greatest assessment_id says yes",
        ),
        pytest.param(
            [
                concern("YES", dt.date(2025, 6, 1), assessment_id=1),
                concern("NO", dt.date(2025, 6, 1), assessment_id=2),
            ],
            False,
            id="tie: greatest assessment_id says no",
        ),
        pytest.param([concern("YES", status="INCOMPLETE")], False, id="incomplete"),
        pytest.param(
            [concern("YES", rosh_screening_done=False, full_rosh_analysis_done=False)],
            False,
            id="no screening or full analysis",
        ),
        pytest.param(
            [concern("YES", rosh_screening_done=True, full_rosh_analysis_done=False)],
            True,
            id="screening only",
        ),
        pytest.param(
            [concern("NO", dt.date(2025, 6, 1)), concern("YES", dt.date(2026, 2, 1))],
            False,
            id="assessment after D",
        ),
        pytest.param([concern("YES", soft_deleted=True)], False, id="soft-deleted assessment"),
    ],
)
def test_child_protection_concern_comes_from_the_latest_completed_screening(assessments, indicated):
    found = run(events=[{"sentence_date": SENTENCED}], assessments=assessments)
    assert bool(found) is indicated


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
        pytest.param(
            {"deregistered": False, "deregistration_date": dt.date(2025, 1, 1)},
            True,
            id="date on a flag not deregistered",
        ),
        pytest.param({"soft_deleted": True}, False, id="soft-deleted"),
    ],
)
def test_only_active_flags_indicate(flag, indicated):
    flags = [{"register_type_code": "RCPR", "registration_date": dt.date(2025, 1, 1)} | flag]
    found = run(events=[{"sentence_date": SENTENCED}], registrations=flags)
    assert bool(found) is indicated


@pytest.mark.parametrize(
    ("contacts", "expected"),
    [
        pytest.param([], {POLICE, CHILDREN}, id="no request"),
        pytest.param([police_request(DUE)], {CHILDREN}, id="police only"),
        pytest.param([children_request(DUE)], {POLICE}, id="children only"),
        pytest.param([police_request(DUE), children_request(DUE)], set(), id="both"),
        pytest.param(
            [police_request(WINDOW_START), children_request(WINDOW_START)],
            set(),
            id="at the report stage, 90 days before sentence",
        ),
        pytest.param(
            [police_request(dt.date(2025, 9, 19)), children_request(WINDOW_START)],
            {POLICE},
            id="91 days before sentence",
        ),
        pytest.param([police_request(LATE), children_request(LATE)], set(), id="dated D"),
        pytest.param(
            [police_request(LATE + dt.timedelta(days=1)), children_request(LATE)],
            {POLICE},
            id="dated after D",
        ),
        pytest.param(
            [
                police_request(DUE, created_datetime=dt.datetime(2026, 1, 21, 8)),
                children_request(DUE, created_datetime=dt.datetime(2026, 1, 20, 23, 59)),
            ],
            {POLICE},
            id="recorded after D",
        ),
        pytest.param(
            [police_request(DUE, soft_deleted=True), children_request(DUE)],
            {POLICE},
            id="soft-deleted request",
        ),
        pytest.param(
            [police_request(DUE, event_id=None), children_request(DUE, event_id=1)],
            set(),
            id="any event or none",
        ),
        pytest.param(
            [contact("C515", DUE), contact("XPCH", DUE), contact("SFRR", DUE)],
            {POLICE, CHILDREN},
            id="a response or chase is not a request",
        ),
        pytest.param([contact("COAP", DUE)], {POLICE, CHILDREN}, id="an office visit"),
    ],
)
def test_a_request_of_each_kind_logs_the_check(contacts, expected):
    assert unlogged(run(contacts=contacts)) == expected


def test_a_request_of_another_event_counts_unless_that_event_is_deleted():
    events = [
        {"sentence_date": SENTENCED, "domestic_abuse": True},
        {
            "event_number": 2,
            "sentence_date": dt.date(2025, 1, 6),
            "active": False,
            "soft_deleted": True,
        },
    ]
    contacts = [police_request(DUE, event_id=2), children_request(DUE, event_id=2)]
    assert unlogged(run(events=events, contacts=contacts)) == {POLICE, CHILDREN}
    events[1]["soft_deleted"] = False
    assert unlogged(run(events=events, contacts=contacts)) == set()


def test_requests_of_another_person_do_not_count():
    other = "X000002"
    found = run(
        offenders=[{}, {"crn": other}],
        contacts=[police_request(DUE, crn=other), children_request(DUE, crn=other)],
    )
    assert unlogged(found) == {POLICE, CHILDREN}


def test_the_window_is_per_event():
    events = [
        {"sentence_date": SENTENCED, "domestic_abuse": True},
        {"event_number": 2, "sentence_date": dt.date(2025, 6, 2), "domestic_abuse": True},
    ]
    contacts = [police_request(dt.date(2025, 6, 2)), children_request(dt.date(2025, 6, 2))]
    found = run(events=events, contacts=contacts)
    assert [f["subject"] for f in found] == ["1"]


@pytest.mark.parametrize(
    ("event", "offender"),
    [
        pytest.param({"active": False}, {}, id="inactive"),
        pytest.param({"termination_date": LATE}, {}, id="terminated on D"),
        pytest.param({"soft_deleted": True}, {}, id="deleted event"),
        pytest.param({}, {"soft_deleted": True}, id="deleted person"),
        pytest.param({"sentence_date": LATE + dt.timedelta(days=1)}, {}, id="sentenced after D"),
    ],
)
def test_only_active_events_are_checked(event, offender):
    found = run(
        offenders=[offender], events=[{"sentence_date": SENTENCED, "domestic_abuse": True} | event]
    )
    assert found == []


def test_terminated_after_d_is_still_active():
    found = run(
        events=[
            {
                "sentence_date": SENTENCED,
                "domestic_abuse": True,
                "termination_date": LATE + dt.timedelta(days=1),
            }
        ]
    )
    assert [f["subject"] for f in found] == ["1"]


def test_reason_lists_every_indication():
    found = run(
        events=[{"sentence_date": SENTENCED, "domestic_abuse": True}],
        registrations=[{"register_type_code": "ADVP"}, {"register_type_code": "RCPR"}],
        assessments=[{"child_protection_concern": "YES"}],
    )
    assert (
        "indicated by domestic abuse offence, DOMESTIC_ABUSE flag, SAFEGUARDING flag, "
        "child protection concern in OASys"
    ) in found[0]["reason"]


def test_parameters():
    check = SafeguardingChecksUnlogged(within_working_days=10, lookback_days=100)
    assert run(DUE + dt.timedelta(days=1), check=check) == []
    contacts = [police_request(dt.date(2025, 9, 10)), children_request(dt.date(2025, 9, 10))]
    assert run(check=check, contacts=contacts) == []


def test_scope_is_every_active_event_past_its_five_working_days():
    ctx = context(
        DUE,
        offenders=[{}],
        events=[
            {"sentence_date": dt.date(2025, 12, 18)},
            {"sentence_date": SENTENCED},
            {"sentence_date": dt.date(2025, 12, 1), "active": False},
        ],
    )
    scope = collect(SafeguardingChecksUnlogged().scope(ctx))
    assert scope == [{"crn": CRN, "subject": "1"}]
