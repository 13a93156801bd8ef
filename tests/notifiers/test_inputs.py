"""Digest inputs from the store's frames and the extract's directory: which exceptions an
email holds, the provider that routes the unowned ones, and people's names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
import pytest

from auditor.config import NotifySettings
from auditor.store.repository import OPEN_SCHEMA, RESOLVED_SCHEMA
from notifiers.digest import DigestInput
from notifiers.inputs import Directory, build_directory, digest_input
from schemas.examples import example_table

AS_OF = dt.date(2026, 11, 25)
DAY = dt.timedelta(days=1)


def tables(**rows: list[dict[str, Any]]) -> dict[str, pl.LazyFrame]:
    """The directory's tables: two providers, a team in each, a person in each team."""
    defaults: dict[str, list[dict[str, Any]]] = {
        "providers": [
            {"provider_code": "N07", "provider_name": "London", "provider_type": "NPS"},
            {"provider_code": "C21", "provider_name": "Kent", "provider_type": "CRC"},
        ],
        "teams": [
            {
                "team_code": "N07T01",
                "team_name": "Camden",
                "provider_code": "N07",
                "spo_staff_code": "N07S001",
            },
            {"team_code": "C21T01", "team_name": "Dover", "provider_code": "C21"},
        ],
        "staff": [
            {
                "staff_code": "N07S001",
                "forename": "Sam",
                "surname": "Roe",
                "email": "sam.roe@example.org",
                "team_code": "N07T01",
            },
        ],
        "offenders": [
            {"crn": "X000001", "forename": "Amy", "surname": "Bell"},
            {"crn": "X000002", "forename": "Cal", "surname": "Dunn"},
        ],
        "offender_managers": [
            manager(1, "X000001", "N07T01", dt.date(2026, 1, 1)),
            manager(2, "X000002", "N07T01", dt.date(2025, 1, 1), end=dt.date(2026, 1, 1)),
            manager(3, "X000002", "C21T01", dt.date(2026, 2, 1), end=dt.date(2026, 6, 1)),
        ],
    }
    return {name: example_table(name, rows.get(name, d)).lazy() for name, d in defaults.items()}


def manager(
    number: int, crn: str, team: str, allocated: dt.date, end: dt.date | None = None
) -> dict[str, Any]:
    return {"offender_manager_id": number, "crn": crn, "staff_code": "N07S001",
            "team_code": team, "allocation_date": allocated, "end_date": end}  # fmt: skip


def stored(exception_id: int, crn: str = "X000001", **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "exception_id": exception_id, "check": "rsr_missing", "crn": crn, "subject": "1",
        "severity": "high", "reason": "No RSR score", "due_date": AS_OF,
        "staff_code": "N07A001", "team_code": "N07T01", "spo_staff_code": "N07S001",
        "first_seen": AS_OF, "triage": "none", "snoozed_until": None, "dispute_state": None,
    }  # fmt: skip
    return row | values


def inputs(
    open_rows: list[dict[str, Any]],
    directory: Directory | None = None,
    resolved: Sequence[dict[str, Any]] = (),
) -> DigestInput:
    resolved_rows = [
        {k: v for k, v in r.items() if k in RESOLVED_SCHEMA} | {"resolved_on": AS_OF}
        for r in resolved
    ]
    return digest_input(
        7, AS_OF, NotifySettings(),
        pl.DataFrame(open_rows, schema=OPEN_SCHEMA, orient="row"),
        pl.DataFrame(resolved_rows, schema=RESOLVED_SCHEMA, orient="row"),
        directory or build_directory(tables()),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("triage", "snoozed_until", "dispute", "shown"),
    [
        ("none", None, None, True),
        ("acknowledged", None, None, True),
        ("disputed", None, "pending", True),  # waiting for the SPO's ruling
        ("disputed", None, "approved", False),  # the SPO upheld it: a false positive
        ("snoozed", AS_OF + DAY, None, False),
        ("snoozed", AS_OF, None, False),  # snoozed until today: not before tomorrow
        ("snoozed", AS_OF - DAY, None, True),  # the snooze is over
        ("done", None, None, False),  # fixed, says an administrator: the next run confirms it
    ],
)
def test_an_open_exception_is_emailed_unless_snoozed_done_or_a_false_positive(
    triage: str, snoozed_until: dt.date | None, dispute: str | None, shown: bool
) -> None:
    made = inputs([stored(1, triage=triage, snoozed_until=snoozed_until, dispute_state=dispute)])

    assert made.open_exceptions["exception_id"].to_list() == ([1] if shown else [])


def test_rows_carry_the_persons_names_from_the_extract() -> None:
    made = inputs([stored(1, "X000001"), stored(2, "X000002"), stored(3, "X000009")])

    names = made.open_exceptions.select("exception_id", "forename", "surname").rows()
    assert sorted(names) == [(1, "Amy", "Bell"), (2, "Cal", "Dunn"), (3, None, None)]


@pytest.mark.parametrize(
    ("crn", "team", "provider"),
    [
        ("X000002", "N07T01", "N07"),  # the team's provider, whoever managed the person before
        ("X000002", None, "C21"),  # no team: the provider of the latest manager's team
        ("X000009", None, None),  # never allocated, and two providers: unknown
    ],
)
def test_the_provider_routes_an_unowned_exception(
    crn: str, team: str | None, provider: str | None
) -> None:
    row = stored(1, crn, team_code=team, staff_code=None, spo_staff_code=None)

    made = inputs([row], resolved=[row])

    assert made.open_exceptions["provider_code"].to_list() == [provider]
    assert made.resolved["provider_code"].to_list() == [provider]


def test_with_one_provider_in_the_extract_every_exception_is_its() -> None:
    only_london = tables(
        providers=[{"provider_code": "N07", "provider_name": "London", "provider_type": "NPS"}],
        teams=[{"team_code": "N07T01", "team_name": "Camden", "provider_code": "N07"}],
        offender_managers=[],
    )
    row = stored(1, "X000009", team_code=None, staff_code=None, spo_staff_code=None)

    made = inputs([row], build_directory(only_london))

    assert made.open_exceptions["provider_code"].to_list() == ["N07"]


def test_a_directory_read_straight_from_an_extract_skips_deleted_rows_and_repeated_keys() -> None:
    staff = {"forename": "Sam", "surname": "Roe", "team_code": "N07T01"}
    raw = tables(staff=[
        {"staff_code": "N07S001", "email": "sam.roe@example.org", **staff},
        {"staff_code": "N07S001", "email": "again@example.org", **staff},
        {"staff_code": "N07S002", "email": "gone@example.org", **staff, "soft_deleted": True},
    ])  # fmt: skip

    directory = build_directory(raw)

    assert directory.staff.select("staff_code", "email").rows() == [
        ("N07S001", "sam.roe@example.org")
    ]
    assert directory.sole_provider is None
