"""Timeliness measures (CHECKS.md, "Timeliness measures"; checks/measures.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from auditor.calendar import wd
from checks.context import CheckContext
from checks.measures import (
    MEASURES,
    MET_BY_MEASURE,
    OUTPUT_SCHEMA,
    timeliness_measures,
)
from tests.builders import OLD, context

S = dt.date(2024, 3, 28)  # a Thursday; Good Friday 29 March and Easter Monday 1 April follow
NEXT_DAY = dt.date(2024, 4, 2)  # wd(S, 1): the bank holidays and the weekend are skipped
FIFTH_DAY = dt.date(2024, 4, 8)  # wd(S, 5)
TWENTIETH_DAY = dt.date(2024, 4, 29)  # wd(S, 20)
D = dt.date(2024, 5, 7)  # S is D − 40: in the window, and every clock has run out
DAY = dt.timedelta(days=1)
CHRISTMAS_S = dt.date(2026, 12, 15)  # a Tuesday: Christmas, Boxing Day, New Year follow
CHRISTMAS_TWENTIETH_DAY = dt.date(2027, 1, 15)  # wd(CHRISTMAS_S, 20) = CHRISTMAS_S + 31
CHRISTMAS_D = CHRISTMAS_S + 30 * DAY  # the window's last day: the OASys clock still runs
ONE_EVENT: list[dict[str, Any]] = [{"sentence_date": S}]  # event 1, of X000001

ALLOCATION = "allocation_decision_next_day"
NAMED = "named_offender_manager_5_days"
FIRST_APPOINTMENT = "first_appointment_5_days"
RSR = "rsr_score_recorded"
OASYS = "start_of_order_oasys_20_days"

ORGANISATION: dict[str, list[dict[str, Any]]] = {
    "providers": [
        {},  # N07, NPS
        {"provider_code": "C21", "provider_name": "CRC 21", "provider_type": "CRC"},
    ],
    "teams": [
        {},  # N07T01
        {"team_code": "N07T02", "team_name": "Team 2"},
        {"team_code": "C21T01", "team_name": "CRC team", "provider_code": "C21"},
    ],
    "staff": [
        {},  # N07A001, in N07T01
        {"staff_code": "N07T01U", "forename": "Unallocated"},
        {"staff_code": "N07U001"},  # a U, but not at the end: a named officer
        {"staff_code": "N07B001", "team_code": "N07T02"},
        {"staff_code": "C21A001", "team_code": "C21T01"},
    ],
}


def build(as_of: dt.date = D, **rows: list[dict[str, Any]]) -> CheckContext:
    """One person (X000001) with one CO event sentenced on S, unless told otherwise."""
    rows.setdefault("offenders", [{}])
    rows.setdefault("events", ONE_EVENT)
    return context(as_of, **{**ORGANISATION, **rows})


def national(ctx: CheckContext, measure: str) -> tuple[int, int]:
    """(met, eligible) of a measure over the whole window."""
    row = _rows(timeliness_measures(ctx), measure, "national")[0]
    return row["met"], row["eligible"]


def _rows(frame: pl.DataFrame, measure: str, level: str) -> list[dict[str, Any]]:
    return frame.filter(measure=measure, level=level).to_dicts()


def test_fixture_dates_are_the_working_days_they_claim() -> None:
    assert (wd(S, 1), wd(S, 5), wd(S, 20)) == (NEXT_DAY, FIFTH_DAY, TWENTIETH_DAY)
    assert wd(CHRISTMAS_S, 20) == CHRISTMAS_TWENTIETH_DAY > CHRISTMAS_D


def test_every_measure_has_a_rule_and_a_unique_key() -> None:
    keys = [m.key for m in MEASURES]
    assert len(set(keys)) == len(keys)
    assert list(MET_BY_MEASURE) == keys


@pytest.mark.parametrize(
    ("days_before_d", "counted"),
    [(58, False), (57, True), (40, True), (30, True), (29, False)],
)
def test_window_is_d_minus_57_to_d_minus_30(days_before_d: int, counted: bool) -> None:
    ctx = build(events=[{"sentence_date": D - dt.timedelta(days=days_before_d)}])
    assert national(ctx, RSR) == (0, int(counted))


def test_rows_carry_the_window_and_the_inspection_figure() -> None:
    frame = timeliness_measures(build())
    row = _rows(frame, ALLOCATION, "national")[0]
    assert (row["window_from"], row["window_to"]) == (dt.date(2024, 3, 11), dt.date(2024, 4, 7))
    assert (row["inspection_figure"], row["inspection_paragraph"]) == ("81 %", "para 2.14")
    assert frame.schema == pl.Schema(OUTPUT_SCHEMA)


@pytest.mark.parametrize(
    ("active", "termination_date"),
    [(True, None), (False, None), (True, S + 10 * DAY)],
)
def test_inactive_and_terminated_events_in_the_window_count(
    active: bool, termination_date: dt.date | None
) -> None:
    event = {"sentence_date": S, "active": active, "termination_date": termination_date}
    assert national(build(events=[event]), RSR) == (0, 1)


@pytest.mark.parametrize(
    ("decision", "decision_date", "met"),
    [
        ("CRC", S, 1),
        ("NPS", S - 3 * DAY, 1),  # decided at the report stage
        ("CRC", S + DAY, 1),  # Good Friday
        ("CRC", NEXT_DAY, 1),  # Tuesday after Easter: still the next working day
        ("CRC", NEXT_DAY + DAY, 0),
        ("CRC", None, 0),  # cannot be shown to be in time
        (None, S, 0),
    ],
)
def test_allocation_decision_by_the_next_working_day(
    decision: str | None, decision_date: dt.date | None, met: int
) -> None:
    allocation = {"allocation_decision": decision, "decision_date": decision_date}
    ctx = build(case_allocations=[allocation])
    assert national(ctx, ALLOCATION) == (met, 1)


def test_allocation_decision_of_another_event_does_not_count() -> None:
    events = [*ONE_EVENT, {"sentence_date": OLD, "event_number": 2}]
    allocation = {"event_id": 2, "allocation_decision": "CRC", "decision_date": S}
    assert national(build(events=events, case_allocations=[allocation]), ALLOCATION) == (0, 1)


@pytest.mark.parametrize(
    ("managers", "met"),
    [
        ([{"staff_code": "N07A001", "allocation_date": FIFTH_DAY}], 1),
        ([{"staff_code": "N07A001", "allocation_date": FIFTH_DAY + DAY}], 0),
        ([{"staff_code": "N07A001", "allocation_date": OLD}], 1),  # held since before
        ([{"staff_code": "N07U001", "allocation_date": S}], 1),
        ([{"staff_code": "N07T01U", "allocation_date": S}], 0),  # the team, not a name
        ([], 0),
        (
            [
                {"staff_code": "N07A001", "allocation_date": OLD, "end_date": S},
                {"staff_code": "N07T01U", "allocation_date": S},
            ],
            0,  # the named officer had gone by sentence
        ),
        (
            [
                {"staff_code": "N07A001", "allocation_date": S, "end_date": S + 20 * DAY},
                {"staff_code": "N07T01U", "allocation_date": S + 20 * DAY},
            ],
            1,  # named in time, since back with the team
        ),
    ],
)
def test_assigned_to_a_named_offender_manager_within_5_working_days(
    managers: list[dict[str, Any]], met: int
) -> None:
    assert national(build(offender_managers=managers), NAMED) == (met, 1)


@pytest.mark.parametrize(
    ("contact", "met"),
    [
        ({"contact_type_code": "COAI", "contact_date": S}, 1),
        ({"contact_type_code": "COAI", "contact_date": FIFTH_DAY, "event_id": 1}, 1),
        ({"contact_type_code": "COHV", "contact_date": FIFTH_DAY}, 1),  # two categories
        ({"contact_type_code": "COAI", "contact_date": FIFTH_DAY + DAY}, 0),
        ({"contact_type_code": "COAI", "contact_date": S - DAY}, 0),
        ({"contact_type_code": "COAI", "contact_date": S, "event_id": 2}, 0),  # other event
        ({"contact_type_code": "COAP", "contact_date": S}, 0),  # an office visit
        (
            {
                "contact_type_code": "COAI",
                "contact_date": S,
                "created_datetime": dt.datetime(2024, 5, 8, 9, 0),  # recorded after D
            },
            0,
        ),
    ],
)
def test_first_appointment_within_5_working_days(contact: dict[str, Any], met: int) -> None:
    events = [*ONE_EVENT, {"sentence_date": OLD, "event_number": 2}]
    assert national(build(events=events, contacts=[contact]), FIRST_APPOINTMENT) == (met, 1)


@pytest.mark.parametrize("disposal", ["CO", "SSO", "LIC", "SC"])
@pytest.mark.parametrize(("contacts", "met"), [([{"contact_date": S}], 1), ([], 0)])
def test_first_appointment_measures_every_disposal(
    disposal: str, contacts: list[dict[str, Any]], met: int
) -> None:
    """The measures table names no disposal: a custodial event is in the population,
    and without a first appointment it has not met the measure."""
    events = [{"sentence_date": S, "disposal_type_code": disposal}]
    contacts = [{"contact_type_code": "COAI", **contact} for contact in contacts]
    assert national(build(events=events, contacts=contacts), FIRST_APPOINTMENT) == (met, 1)


@pytest.mark.parametrize(
    ("score", "assessor_date", "met"),
    [(5.2, None, 1), (5.2, D, 1), (5.2, D + DAY, 0), (None, S, 0)],
)
def test_rsr_score_recorded(score: float | None, assessor_date: dt.date | None, met: int) -> None:
    allocation = {"rsr_score": score, "rsr_assessor_date": assessor_date}
    assert national(build(case_allocations=[allocation]), RSR) == (met, 1)


@pytest.mark.parametrize(
    ("assessment", "disposal", "expected"),
    [
        ({"assessment_date": TWENTIETH_DAY}, "CO", (1, 1)),
        ({"assessment_date": S, "assessment_type": "LAYER1"}, "SSO", (1, 1)),
        ({"assessment_date": S}, "LIC", (1, 1)),
        ({"assessment_date": TWENTIETH_DAY + DAY}, "CO", (0, 1)),
        ({"assessment_date": S - DAY}, "CO", (0, 1)),  # before the order
        ({"assessment_date": S, "status": "INCOMPLETE"}, "CO", (0, 1)),
        ({"assessment_date": S, "assessment_type": "ROSH_SCREENING"}, "CO", (0, 1)),
        ({"assessment_date": S}, "SC", (1, 1)),  # custody is measured too
        ({"assessment_date": TWENTIETH_DAY + DAY}, "SC", (0, 1)),
    ],
)
def test_start_of_order_oasys_within_20_working_days(
    assessment: dict[str, Any], disposal: str, expected: tuple[int, int]
) -> None:
    events = [{"sentence_date": S, "disposal_type_code": disposal}]
    assert national(build(events=events, assessments=[assessment]), OASYS) == expected


@pytest.mark.parametrize("as_of", [S + 30 * DAY, TWENTIETH_DAY])
def test_an_event_counts_whether_or_not_its_clock_has_run_out(as_of: dt.date) -> None:
    """S + 30 days falls before wd(S, 20) over Easter: the population is still the
    events sentenced in the window, and one not met by D counts as not met."""
    ctx = build(as_of=as_of)
    assert national(ctx, OASYS) == (0, 1)
    assert national(ctx, NAMED) == (0, 1)


@pytest.mark.parametrize(
    ("as_of", "assessment_date", "expected"),
    [
        (CHRISTMAS_D, CHRISTMAS_D, (1, 1)),  # done by D, with a day of the clock left
        (CHRISTMAS_D, CHRISTMAS_TWENTIETH_DAY, (0, 1)),  # in time, but after D: not met
        (CHRISTMAS_D, None, (0, 1)),  # the clock is still running: not met
        (CHRISTMAS_D + DAY, CHRISTMAS_TWENTIETH_DAY, (1, 1)),  # a run later, it counts
        (CHRISTMAS_D + DAY, None, (0, 1)),
    ],
)
def test_a_christmas_window_event_counts_before_its_oasys_clock_runs_out(
    as_of: dt.date, assessment_date: dt.date | None, expected: tuple[int, int]
) -> None:
    """Sentenced 2026-12-15: on D = 2027-01-14 it is D − 30, in the window, though its
    20-working-day clock only runs out on 2027-01-15."""
    events = [{"sentence_date": CHRISTMAS_S}]
    assessments = [{"assessment_date": assessment_date}] if assessment_date else []
    ctx = build(as_of=as_of, events=events, assessments=assessments)
    assert national(ctx, OASYS) == expected
    assert all(national(ctx, m.key)[1] == 1 for m in MEASURES)


def _aggregation_context() -> CheckContext:
    """Five people: three in N07T01 (NPS), one in C21T01 (CRC), one with nobody.

    Each has one CO event on S; people 1, 2 and 4 have an RSR score; person 3's event
    is custody.
    """
    crns = [f"X00000{n}" for n in range(1, 6)]
    teams = {"X000001": "N07T01", "X000002": "N07T01", "X000003": "N07T01"}
    teams["X000004"] = "C21T01"
    return build(
        offenders=[{"crn": crn} for crn in crns],
        events=[
            {"crn": crn, "sentence_date": S, "disposal_type_code": "SC" if n == 3 else "CO"}
            for n, crn in enumerate(crns, start=1)
        ],
        offender_managers=[
            {"crn": crn, "team_code": team, "staff_code": team[:3] + "A001"}
            for crn, team in teams.items()
        ],
        case_allocations=[{"event_id": n, "crn": crns[n - 1], "rsr_score": 3.0} for n in (1, 2, 4)],
    )


@pytest.mark.parametrize(
    ("level", "provider", "team", "met", "eligible", "percent"),
    [
        ("national", None, None, 3, 5, 60.0),
        ("provider", "C21", None, 1, 1, 100.0),
        ("provider", "N07", None, 2, 3, 200 / 3),
        ("provider", "UNKNOWN", None, 0, 1, 0.0),
        ("team", "C21", "C21T01", 1, 1, 100.0),
        ("team", "N07", "N07T01", 2, 3, 200 / 3),
        ("team", "UNKNOWN", "UNALLOCATED", 0, 1, 0.0),
    ],
)
def test_counts_add_up_by_team_provider_and_nationally(
    level: str, provider: str | None, team: str | None, met: int, eligible: int, percent: float
) -> None:
    rows = _rows(timeliness_measures(_aggregation_context()), RSR, level)
    row = next(r for r in rows if (r["provider_code"], r["team_code"]) == (provider, team))
    assert (row["met"], row["eligible"]) == (met, eligible)
    assert row["percent"] == pytest.approx(percent)


@pytest.mark.parametrize("measure", [m.key for m in MEASURES])
def test_every_event_in_the_window_is_eligible_for_every_measure(measure: str) -> None:
    """A team's only event, a custodial one, counts for all five measures."""
    ctx = build(
        events=[{"sentence_date": S, "disposal_type_code": "SC"}],
        offender_managers=[{}],
    )
    team = _rows(timeliness_measures(ctx), measure, "team")
    assert [(r["team_code"], r["eligible"]) for r in team] == [("N07T01", 1)]


def test_rows_come_in_measure_order_national_then_providers_then_teams() -> None:
    frame = timeliness_measures(_aggregation_context())
    first = frame.filter(measure=ALLOCATION).select("level", "provider_code", "team_code")
    assert first.rows() == [
        ("national", None, None),
        ("provider", "C21", None),
        ("provider", "N07", None),
        ("provider", "UNKNOWN", None),
        ("team", "C21", "C21T01"),
        ("team", "N07", "N07T01"),
        ("team", "UNKNOWN", "UNALLOCATED"),
    ]
    assert frame["measure"].unique(maintain_order=True).to_list() == [m.key for m in MEASURES]


def test_an_empty_window_gives_one_national_row_per_measure() -> None:
    frame = timeliness_measures(build(events=[]))
    assert frame.select("measure", "level", "met", "eligible", "percent").rows() == [
        (m.key, "national", 0, 0, None) for m in MEASURES
    ]


def test_provider_rows_carry_the_provider_type() -> None:
    rows = _rows(timeliness_measures(_aggregation_context()), RSR, "provider")
    assert {r["provider_code"]: r["provider_type"] for r in rows} == {
        "C21": "CRC",
        "N07": "NPS",
        "UNKNOWN": None,
    }
