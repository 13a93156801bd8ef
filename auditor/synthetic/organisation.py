"""Providers, teams and staff: the NPS divisions and CRCs of 2014 and their teams.

A team has a senior probation officer (grade PSC, the team's SPO), 8–15 officers
(PSM probation officers, PSQ probation services officers, PSP trainees), one or two case
administrators, a few leavers, and an "unallocated" placeholder whose code ends in U.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from auditor.synthetic.dates import date_series
from auditor.synthetic.names import CRC_AREAS, NPS_DIVISIONS, provider_towns
from auditor.synthetic.world import World

STAFF_LETTERS = "ABCDEFGHIJKLMNOPQRSTVWXYZ0123456789"  # never U: U marks the placeholder
CASES_PER_TEAM = 320
NPS_SHARE = 0.3  # share of teams (and cases) in the NPS
LONDON_WEIGHT = 2.0

# Staff roles (work column): who may hold a current case.
HOLDS_CASES = ("officer", "leaving_soon")


@dataclass(frozen=True)
class Organisation:
    providers: pl.DataFrame
    teams: pl.DataFrame  # + provider_type, unallocated_code
    staff: pl.DataFrame  # + role

    def officers(self, provider_type: str | None = None) -> pl.DataFrame:
        """Staff who may hold a current case, with their team's provider type."""
        frame = self.staff.filter(pl.col("role").is_in(HOLDS_CASES)).join(
            self.teams.select("team_code", "provider_type"), on="team_code", maintain_order="left"
        )
        if provider_type is not None:
            frame = frame.filter(pl.col("provider_type") == provider_type)
        return frame


def build_organisation(world: World, persons: int) -> Organisation:
    rng = world.rng("organisation")
    providers = _providers()
    teams = _teams(rng, providers, max(1, round(persons / CASES_PER_TEAM)))
    staff = _staff(world, rng, teams)
    spo = staff.filter(pl.col("role") == "spo").select("team_code", spo_staff_code="staff_code")
    teams = (
        teams.drop("spo_staff_code")
        .join(spo, on="team_code", how="left", maintain_order="left")
        .with_columns(
            spo_staff_code=pl.when(pl.col("no_spo")).then(None).otherwise(pl.col("spo_staff_code"))
        )
        .drop("no_spo")
    )
    return Organisation(providers, teams, staff)


def _providers() -> pl.DataFrame:
    rows = [(code, name, "NPS") for code, (name, _) in NPS_DIVISIONS.items()]
    rows += [(code, name, "CRC") for code, (name, _) in CRC_AREAS.items()]
    return pl.DataFrame(
        rows, schema=["provider_code", "provider_name", "provider_type"], orient="row"
    ).with_columns(soft_deleted=pl.lit(False))


def _teams(rng: np.random.Generator, providers: pl.DataFrame, total: int) -> pl.DataFrame:
    rows = []
    for code, _, kind, _ in providers.iter_rows():
        share = (
            NPS_SHARE / len(NPS_DIVISIONS) if kind == "NPS" else (1 - NPS_SHARE) / len(CRC_AREAS)
        )
        weight = LONDON_WEIGHT if code in ("N07", "C17") else 1.0
        towns = provider_towns(code)
        for k in range(max(1, round(total * share * weight))):
            town = towns[k % len(towns)]
            label = "Public Protection Team" if kind == "NPS" else "Community Team"
            rows.append((f"{code}{k:03d}", f"{town} {label} {k // len(towns) + 1}", code, kind))
    teams = pl.DataFrame(
        rows, schema=["team_code", "team_name", "provider_code", "provider_type"], orient="row"
    )
    return teams.with_columns(
        spo_staff_code=pl.lit(None, dtype=pl.String),
        soft_deleted=pl.lit(False),
        unallocated_code=pl.col("team_code") + "U",
        no_spo=pl.Series(rng.random(teams.height) < 0.03),
    )


def _team_roles(rng: np.random.Generator) -> list[tuple[str, str | None]]:
    """(role, grade) of each member of one team, the placeholder excluded."""
    roles: list[tuple[str, str | None]] = [("spo", "PSC")]
    grades = rng.choice(["PSM", "PSQ", "PSP"], size=int(rng.integers(8, 16)), p=[0.45, 0.4, 0.15])
    roles += [("officer", str(g)) for g in grades]
    roles += [("admin", "ADM")] * int(rng.integers(1, 3))
    roles += [("leaver", str(g)) for g in rng.choice(["PSM", "PSQ"], size=int(rng.integers(1, 3)))]
    if rng.random() < 0.15:
        roles.append(("left_today", "PSQ"))
    if rng.random() < 0.15:
        roles[1] = ("leaving_soon", roles[1][1])
    if rng.random() < 0.05:
        roles.append(("duplicate", "PSQ"))
    return roles


def _staff(world: World, rng: np.random.Generator, teams: pl.DataFrame) -> pl.DataFrame:
    codes, team_codes, roles, grades = [], [], [], []
    for team_code in teams["team_code"]:
        for k, (role, grade) in enumerate(_team_roles(rng)):
            codes.append(f"{team_code}{STAFF_LETTERS[k]}")
            team_codes.append(team_code)
            roles.append(role)
            grades.append(grade)
    for team_code in teams["team_code"]:
        codes.append(f"{team_code}U")
        team_codes.append(team_code)
        roles.append("unallocated")
        grades.append(None)
    _force_boundary_staff(teams, team_codes, roles)
    return _staff_frame(world, rng, codes, team_codes, roles, grades, teams)


def _force_boundary_staff(teams: pl.DataFrame, team_codes: list[str], roles: list[str]) -> None:
    """At least one officer leaves on D (a fault form) and one the day after (clean)."""
    if "left_today" not in roles:
        roles[team_codes.index(teams["team_code"][0]) + 1] = "left_today"
    if "leaving_soon" not in roles:
        roles[team_codes.index(teams["team_code"][-1]) + 1] = "leaving_soon"


def _staff_frame(
    world: World,
    rng: np.random.Generator,
    codes: list[str],
    team_codes: list[str],
    roles: list[str],
    grades: list[str | None],
    teams: pl.DataFrame,
) -> pl.DataFrame:
    n = len(codes)
    role = np.array(roles, dtype=object)
    female = rng.random(n) < 0.6
    forename = world.pools.forenames(rng, female)
    surname = world.pools.surname(rng, n)
    d = world.d
    end = np.select(
        [role == "leaver", role == "left_today", role == "leaving_soon"],
        [
            d - rng.integers(1, 700, n),
            np.full(n, d),
            d + np.where(rng.random(n) < 0.5, 1, rng.integers(2, 60, n)),
        ],
        default=0,
    )
    frame = pl.DataFrame(
        {
            "staff_code": codes,
            "forename": np.where(role == "unallocated", "Unallocated", forename).tolist(),
            "surname": np.where(role == "unallocated", "Staff", surname).tolist(),
            "grade_code": grades,
            "team_code": team_codes,
            "role": role.tolist(),
        }
    )
    has_end = np.isin(role, ["leaver", "left_today", "leaving_soon"])
    return frame.with_columns(
        email=_emails(frame, teams, rng.random(n) < 0.06),
        end_date=date_series("end_date", end, ~has_end),
        soft_deleted=pl.Series(role == "duplicate"),
    )


def _emails(frame: pl.DataFrame, teams: pl.DataFrame, missing: np.ndarray) -> pl.Series:
    domain = (
        frame.join(
            teams.select("team_code", "provider_code", "provider_type"),
            on="team_code",
            maintain_order="left",
        )
        .select(
            pl.when(pl.col("provider_type") == "NPS")
            .then(pl.lit("justice.gov.uk"))
            .otherwise(pl.col("provider_code").str.to_lowercase() + pl.lit(".crc.org.uk"))
        )
        .to_series()
    )
    local = (
        (frame["forename"] + "." + frame["surname"])
        .str.to_lowercase()
        .str.replace_all(r"[^a-z.]", "")
    )
    email = local + "@" + domain
    no_mail = pl.Series(missing) | (frame["role"] == "unallocated")
    return pl.select(pl.when(no_mail).then(None).otherwise(email)).to_series().alias("email")
