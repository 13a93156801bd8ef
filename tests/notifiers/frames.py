"""Tiny inline digest inputs for the notifier tests, and a generated organisation of
many providers, teams and SPOs for the leak tests and the benchmark.

``digest_input([exception(crn="X000002", severity="high")], show_names=True)``: omitted
columns take the defaults below (one provider N07, team N07T01 managed by SPO N07S001,
offender manager N07A001); keyword arguments not naming a frame are NotifySettings.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import polars as pl

from auditor.config import NotifySettings
from checks.registry import REGISTRY
from notifiers.digest import DigestInput

AS_OF = dt.date(2026, 11, 25)
SPO, OFFICER, TEAM, PROVIDER = "N07S001", "N07A001", "N07T01", "N07"

OPEN_SCHEMA: dict[str, Any] = {
    "exception_id": pl.Int64, "check": pl.String, "crn": pl.String, "subject": pl.String,
    "severity": pl.String, "reason": pl.String, "due_date": pl.Date,
    "staff_code": pl.String, "team_code": pl.String, "spo_staff_code": pl.String,
    "provider_code": pl.String, "first_seen": pl.Date, "forename": pl.String,
    "surname": pl.String,
}  # fmt: skip
RESOLVED_SCHEMA: dict[str, Any] = {
    "exception_id": pl.Int64, "check": pl.String, "crn": pl.String,
    "staff_code": pl.String, "team_code": pl.String, "spo_staff_code": pl.String,
    "provider_code": pl.String, "resolved_on": pl.Date,
}  # fmt: skip
STAFF_SCHEMA: dict[str, Any] = {
    "staff_code": pl.String, "forename": pl.String, "surname": pl.String,
    "email": pl.String, "team_code": pl.String,
}  # fmt: skip
TEAM_SCHEMA: dict[str, Any] = {
    "team_code": pl.String, "team_name": pl.String, "provider_code": pl.String,
    "spo_staff_code": pl.String,
}  # fmt: skip

DEFAULT_STAFF = [
    {"staff_code": SPO, "forename": "Sue", "surname": "Senior",
     "email": "sue.senior@probation.example", "team_code": TEAM},
    {"staff_code": OFFICER, "forename": "Ann", "surname": "Officer",
     "email": "ann.officer@probation.example", "team_code": TEAM},
]  # fmt: skip
DEFAULT_TEAMS = [
    {"team_code": TEAM, "team_name": "Camden North", "provider_code": PROVIDER,
     "spo_staff_code": SPO},
]  # fmt: skip

_ids = iter(range(1, 10**9))


def exception(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "exception_id": next(_ids), "check": "rsr_missing", "crn": "X000001", "subject": "1",
        "severity": "medium", "reason": "No RSR score recorded", "due_date": AS_OF,
        "staff_code": OFFICER, "team_code": TEAM, "spo_staff_code": SPO,
        "provider_code": PROVIDER, "first_seen": AS_OF, "forename": "Sam",
        "surname": "Person",
    }  # fmt: skip
    row.update(values)
    return row


def resolved(**values: Any) -> dict[str, Any]:
    row = {k: v for k, v in exception().items() if k in RESOLVED_SCHEMA}
    row["resolved_on"] = AS_OF
    row.update(values)
    return row


def digest_input(
    exceptions: list[dict[str, Any]],
    *,
    resolved_rows: list[dict[str, Any]] | None = None,
    staff: list[dict[str, Any]] | None = None,
    teams: list[dict[str, Any]] | None = None,
    as_of: dt.date = AS_OF,
    run_id: int = 1,
    **settings: Any,
) -> DigestInput:
    return DigestInput(
        run_id=run_id,
        as_of=as_of,
        settings=NotifySettings(**settings),
        open_exceptions=pl.DataFrame(exceptions, schema=OPEN_SCHEMA, orient="row"),
        resolved=pl.DataFrame(resolved_rows or [], schema=RESOLVED_SCHEMA, orient="row"),
        staff=pl.DataFrame(DEFAULT_STAFF if staff is None else staff, schema=STAFF_SCHEMA),
        teams=pl.DataFrame(DEFAULT_TEAMS if teams is None else teams, schema=TEAM_SCHEMA),
    )


SURNAMES = ["Smith", "Jones", "O'Brien & Sons", "<script>alert(1)</script>", "Nguyen",
            "\u200fAl-Sayed", "Kowalski", "Brown", "Ó Súilleabháin", "Patel"]  # fmt: skip
FORENAMES = ["Sam", "Alex", "Jo", "Chris", "Kim", "Lee", "Max", "Ali", "Eve", "Ray"]
REASONS = [
    "No RSR score recorded; sentenced 2026-09-14, due by the next working day",
    "Flag RMRH (registration 88123) has no completed review since 2025-06-02",
    "Registered sex offender (ARSO) with no MAPPA flag",
    "No CAS form; COURT_REPORT missing for CJS report",
    "Police domestic abuse check & children's services check not logged",
]


def organisation(
    providers: int, spos_per_provider: int, teams_per_spo: int, officers_per_team: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Staff and teams: every SPO manages ``teams_per_spo`` teams; one team per provider
    has no SPO (its cases are unowned)."""
    staff: list[dict[str, Any]] = []
    teams: list[dict[str, Any]] = []
    for p in range(providers):
        provider = f"P{p:02d}"
        for s in range(spos_per_provider):
            spo = f"{provider}S{s:03d}"
            staff.append(_staff(spo, f"{provider}T{s:02d}0"))
            for t in range(teams_per_spo):
                teams.append(_team(f"{provider}T{s:02d}{t}", provider, spo))
        teams.append(_team(f"{provider}NOSP", provider, None))
    for team in teams:
        for o in range(officers_per_team):
            staff.append(
                _staff(f"{team['team_code'][:3]}{team['team_code'][-3:]}{o}", team["team_code"])
            )
    return pl.DataFrame(staff, schema=STAFF_SCHEMA), pl.DataFrame(teams, schema=TEAM_SCHEMA)


def random_exceptions(
    staff: pl.DataFrame, teams: pl.DataFrame, count: int, seed: int = 1
) -> pl.DataFrame:
    """``count`` open exceptions spread over the organisation's offender managers, with
    about 2 % having no offender manager at all."""
    rng = random.Random(seed)
    team_spo = {t: (p, s) for t, _, p, s in teams.iter_rows()}
    officers = [(code, team) for code, _, _, _, team in staff.iter_rows() if code[3] != "S"]
    checks = sorted(REGISTRY)
    rows = []
    for number in range(1, count + 1):
        provider_team = rng.choice(officers)
        officer, team = provider_team if rng.random() > 0.02 else (None, None)
        provider, spo = team_spo[team] if team else (provider_team[1][:3], None)
        due = AS_OF - dt.timedelta(days=rng.randint(-20, 400)) if rng.random() > 0.1 else None
        rows.append((
            number, rng.choice(checks), f"X{number:06d}", str(number),
            rng.choice(["high", "medium", "medium", "low"]), rng.choice(REASONS), due,
            officer, team, spo, provider, AS_OF - dt.timedelta(days=rng.randint(0, 500)),
            rng.choice(FORENAMES), rng.choice(SURNAMES),
        ))  # fmt: skip
    return pl.DataFrame(rows, schema=OPEN_SCHEMA, orient="row")


def _staff(code: str, team: str) -> dict[str, Any]:
    return {
        "staff_code": code, "forename": "Pat", "surname": f"Staff {code}",
        "email": f"{code.lower()}@probation.example", "team_code": team,
    }  # fmt: skip


def _team(code: str, provider: str, spo: str | None) -> dict[str, Any]:
    return {"team_code": code, "team_name": f"Team {code}", "provider_code": provider,
            "spo_staff_code": spo}  # fmt: skip
