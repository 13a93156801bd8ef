"""Offender managers: who holds each case over time.

An active person's current row names an officer who has not left (some leave tomorrow:
the boundary of assignment_missing), in a team of the provider their allocation points
to. Before it there may be an "unallocated" (…U) row from the start of the period, and a
transfer from an earlier officer. Earlier periods and inactive persons have ended rows; a
few current rows end after D with the next officer's row starting then (planned
transfers: records after D). A person whose every order is still inside its five
working days may be held by the team's …U placeholder only.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.dates import wd
from auditor.synthetic.facts import NO_DAY, active_persons
from auditor.synthetic.organisation import HOLDS_CASES, Organisation
from auditor.synthetic.world import World

COLLEAGUE_ROLES = (*HOLDS_CASES, "leaver", "left_today", "spo")


class StaffPicker:
    """Vectorised random choice of staff by provider type or by team."""

    def __init__(self, organisation: Organisation, rng: np.random.Generator) -> None:
        self.rng = rng
        staff = organisation.staff.join(
            organisation.teams.select("team_code", "provider_type"),
            on="team_code",
            maintain_order="left",
        )
        self.holders = {
            kind: staff.filter(
                pl.col("role").is_in(HOLDS_CASES) & (pl.col("provider_type") == kind)
            )
            for kind in ("NPS", "CRC")
        }
        colleagues = staff.filter(pl.col("role").is_in(COLLEAGUE_ROLES)).sort(
            "team_code", "staff_code", maintain_order=True
        )
        self.colleague_codes = colleagues["staff_code"].to_numpy()
        counts = colleagues.group_by("team_code", maintain_order=True).len()
        self.team_start = dict(
            zip(counts["team_code"], np.cumsum([0, *counts["len"][:-1]]), strict=True)
        )
        self.team_size = dict(zip(counts["team_code"], counts["len"], strict=True))

    def holder(self, provider_type: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(staff_code, team_code) of an officer who may hold a case, per row."""
        codes = np.empty(len(provider_type), dtype=object)
        teams = np.empty(len(provider_type), dtype=object)
        for kind, frame in self.holders.items():
            rows = provider_type == kind
            index = self.rng.integers(0, frame.height, rows.sum())
            codes[rows] = frame["staff_code"].to_numpy()[index]
            teams[rows] = frame["team_code"].to_numpy()[index]
        return codes, teams

    def colleague(self, team_code: np.ndarray) -> np.ndarray:
        """Any officer of the team, leavers included (earlier holders of a case)."""
        start = np.array([self.team_start[t] for t in team_code], dtype=np.int64)
        size = np.array([self.team_size[t] for t in team_code], dtype=np.int64)
        return self.colleague_codes[
            start + (self.rng.random(len(team_code)) * size).astype(np.int64)
        ]


def build_offender_managers(
    world: World, facts: pl.DataFrame, events: pl.DataFrame, picker: StaffPicker
) -> pl.DataFrame:
    rng = world.rng("offender_managers")
    active = active_persons(facts)
    staff, team = picker.holder(active["provider_type"].to_numpy())
    blocks = _current_period(world, rng, active, staff, team, picker)
    blocks.append(_ended(world, rng, facts, events, picker))
    frame = pl.concat([pl.DataFrame(b) for b in blocks if len(b["pid"])], how="vertical")
    return frame.sort("start", "pid", "end", maintain_order=True).with_row_index(
        "offender_manager_id", offset=1
    )


Block = dict[str, np.ndarray]


def _rows(
    pid: np.ndarray,
    staff: np.ndarray,
    team: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    deleted: np.ndarray | None = None,
) -> Block:
    n = len(pid)
    return {
        "pid": np.asarray(pid, dtype=np.int64),
        "staff_code": np.asarray(staff, dtype=object),
        "team_code": np.asarray(team, dtype=object),
        "start": np.asarray(start, dtype=np.int64),
        "end": np.asarray(end, dtype=np.int64),
        "soft_deleted": np.zeros(n, dtype=bool) if deleted is None else deleted,
    }


def _current_period(
    world: World,
    rng: np.random.Generator,
    active: pl.DataFrame,
    staff: np.ndarray,
    team: np.ndarray,
    picker: StaffPicker,
) -> list[Block]:
    """Placeholder, earlier officer, current officer, planned successor, deleted twin."""
    pid = active["pid"].to_numpy()
    named, unallocated = _named_from(world, rng, active)
    period = active["period_start"].to_numpy()
    blocks = [_rows(pid, team + "U", team, period, named)]
    blocks[0] = {k: v[unallocated] for k, v in blocks[0].items()}
    moved = (rng.random(len(pid)) < 0.25) & (world.d - named > 30)
    handover = named + (rng.random(len(pid)) * np.maximum(world.d - named, 1)).astype(np.int64) + 1
    blocks.append(_rows(pid, picker.colleague(team), team, named, handover))
    blocks[1] = {k: v[moved] for k, v in blocks[1].items()}
    begin = np.where(moved, handover, named)
    return blocks + _transfers(world, rng, active, staff, team, begin, picker)


def _named_from(
    world: World, rng: np.random.Generator, active: pl.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """When a named officer took the case (never after D once five working days have
    run out; after D for the 'clean5' edge), and whether a …U row came first."""
    n = active.height
    lag = np.where(rng.random(n) < 0.78, rng.integers(0, 6, n), rng.integers(6, 16, n))
    named = wd(active["period_start"].to_numpy(), lag)
    due = wd(active["first_active"].to_numpy(), 5)
    named = np.where(world.d > due, np.minimum(named, world.d), named)
    edge = active["edge"].fill_null("").to_numpy() == "clean5"
    named = np.where(edge, np.maximum(named, world.d + 1), named)
    return named, (lag > 0) | (named > world.d)


def _transfers(
    world: World,
    rng: np.random.Generator,
    active: pl.DataFrame,
    staff: np.ndarray,
    team: np.ndarray,
    begin: np.ndarray,
    picker: StaffPicker,
) -> list[Block]:
    """The current row (2 % end after D, the successor's row starting then) and a few
    soft-deleted duplicates of it."""
    pid = active["pid"].to_numpy()
    n = len(pid)
    planned = (rng.random(n) < 0.02) & (begin <= world.d)
    until = np.where(planned, world.d + rng.integers(1, 21, n), NO_DAY)
    successor, _ = picker.holder(active["provider_type"].to_numpy())
    after = _rows(pid, successor, team, until, np.full(n, NO_DAY))
    twin = (rng.random(n) < 0.003) & (begin <= world.d)
    deleted = _rows(pid, staff, team, begin, until, np.ones(n, bool))
    return [
        _rows(pid, staff, team, begin, until),
        {k: v[planned] for k, v in after.items()},
        {k: v[twin] for k, v in deleted.items()},
    ]


def _ended(
    world: World,
    rng: np.random.Generator,
    facts: pl.DataFrame,
    events: pl.DataFrame,
    picker: StaffPicker,
) -> Block:
    """One row per earlier event (ended when it ended) and per future event (after D)."""
    kind = facts["kind"].to_numpy()[events["pid"].to_numpy()]
    role = events["role"].to_numpy()
    wanted = pl.Series(
        np.isin(role, ["history", "ended"]) | ((role == "future") & (kind == "future"))
    )
    past = events.filter(wanted)
    kinds = facts["provider_type"].to_numpy()[past["pid"].to_numpy()]
    staff, team = picker.holder(kinds)
    start = past["s"].to_numpy() + rng.integers(0, 6, past.height)
    former = picker.colleague(team)
    is_future = past["role"].to_numpy() == "future"
    return _rows(
        past["pid"].to_numpy(),
        np.where(is_future, staff, former),
        team,
        start,
        np.where(is_future, NO_DAY, past["term"].to_numpy()),
    )
