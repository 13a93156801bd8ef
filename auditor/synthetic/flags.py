"""Flags (registrations) of the clean caseload.

Every active person has exactly one active RoSH flag at their assessed level, registered
in the current period; a MAPP flag (level M1–M3, category M1–M4) when MAPPA eligible; a
safeguarding flag when their assessment shows a concern about children; domestic abuse,
wellbeing and IOM flags as their case suggests. Flags of earlier periods are
deregistered, except the types that persist between orders (ARSO, AVIS, INLL) and a few
carried-over flags that were reviewed in the current period. Review dates come from
``reviews.py``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.facts import NO_DAY, active_persons
from auditor.synthetic.world import World, pick
from schemas.codes import ROSH_FLAG_LEVELS

ROSH_TYPES = {level: code for code, level in ROSH_FLAG_LEVELS.items()}
CARRIED_TYPES = ["ALSH", "RMDO", "AV2S", "IIOM"]  # no other rule reads them
HISTORY_TYPES = (["RMRH", "RLRH", "RHRH", "ADVP", "RCCO", "ALSH", "MAPP"], [4, 3, 1, 1, 1, 1, 0.5])


Block = dict[str, np.ndarray]
COLUMNS = {  # of a block (see _rows)
    "pid": pl.Int64,
    "register_type_code": pl.String,
    "register_level_code": pl.String,
    "register_category_code": pl.String,
    "reg": pl.Int64,
    "dereg": pl.Int64,
    "anchor": pl.Int64,
    "role": pl.String,
}


def _rows(
    pid: np.ndarray,
    code: object,
    reg: np.ndarray,
    role: str,
    level: np.ndarray | None = None,
    category: np.ndarray | None = None,
    dereg: np.ndarray | None = None,
    anchor: np.ndarray | None = None,
) -> Block:
    n = len(pid)
    reg = np.asarray(reg, dtype=np.int64)
    return {
        "pid": np.asarray(pid, dtype=np.int64),
        "register_type_code": np.broadcast_to(np.asarray(code, dtype=object), n).copy(),
        "register_level_code": np.full(n, None, dtype=object) if level is None else level,
        "register_category_code": np.full(n, None, dtype=object) if category is None else category,
        "reg": reg,
        "dereg": np.full(n, NO_DAY, dtype=np.int64)
        if dereg is None
        else np.asarray(dereg, dtype=np.int64),
        "anchor": reg if anchor is None else np.asarray(anchor, dtype=np.int64),
        "role": np.full(n, role, dtype=object),
    }


def build_flags(world: World, facts: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    rng = world.rng("flags")
    active = active_persons(facts)
    blocks = [
        _rosh(world, rng, active),
        _mappa(world, rng, active),
        _safeguarding(world, rng, active),
        _domestic_abuse(world, rng, active),
        _wellbeing(world, rng, active),
        _carried(world, rng, active),
        _persisting(facts),
        _earlier(rng, events),
        _oddities(world, rng, active),
    ]
    frames = [pl.DataFrame(b) for b in blocks if len(b["pid"])]
    # A tiny caseload may have no flag at all, or no block that sets undated.
    frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame(schema=COLUMNS)
    if "undated" not in frame.columns:
        frame = frame.with_columns(undated=pl.lit(None, pl.Boolean))
    return (
        frame.with_columns(
            undated=pl.col("undated").fill_null(False),
            deregistered=pl.col("dereg") != NO_DAY,
            soft_deleted=pl.col("role") == "deleted",
        )
        .sort("reg", "pid", "register_type_code", "role", maintain_order=True)
        .with_row_index("registration_id", offset=1)
    )


def _registered_after(
    world: World, rng: np.random.Generator, start: np.ndarray, spread: int
) -> np.ndarray:
    """A registration date a few days into the current period, never after D."""
    return np.minimum(start + rng.integers(0, spread + 1, len(start)), world.d)


def _rosh(world: World, rng: np.random.Generator, active: pl.DataFrame) -> Block:
    code = active["rosh"].replace_strict(ROSH_TYPES).to_numpy()
    level = ("RSK" + active["rosh"]).to_numpy()  # RSKL, RSKM, RSKH, RSKV
    reg = _registered_after(world, rng, active["period_start"].to_numpy(), 10)
    return _rows(active["pid"].to_numpy(), code, reg, "current", level=level)


def _mappa(world: World, rng: np.random.Generator, active: pl.DataFrame) -> Block:
    eligible = (active["qualifying_event"] | active["registered_sex_offender"]).to_numpy()
    other = np.isin(active["rosh"].to_numpy(), ["H", "V"]) & (rng.random(active.height) < 0.15)
    chosen = eligible | other
    pick_rows = active.filter(pl.Series(chosen))
    n = pick_rows.height
    level = pick(rng, ["M1", "M2", "M3"], [0.7, 0.25, 0.05], n)
    category = np.where(
        pick_rows["registered_sex_offender"].to_numpy(),
        "M1",
        np.where(pick_rows["qualifying_event"].to_numpy(), "M2", "M3"),
    ).astype(object)
    reg = _registered_after(world, rng, pick_rows["period_start"].to_numpy(), 15)
    visor = (level != "M1") & (rng.random(n) < 0.5)
    return _concat(
        _rows(pick_rows["pid"].to_numpy(), "MAPP", reg, "current", level=level, category=category),
        _rows(pick_rows["pid"].to_numpy()[visor], "AVIS", reg[visor], "persisting"),
    )


def _one_of(
    world: World,
    rng: np.random.Generator,
    rows: pl.DataFrame,
    types: tuple[list[str], list[float]],
    spread: int,
) -> Block:
    code = pick(rng, *types, rows.height)
    reg = _registered_after(world, rng, rows["period_start"].to_numpy(), spread)
    return _rows(rows["pid"].to_numpy(), code, reg, "current")


def _safeguarding(world: World, rng: np.random.Generator, active: pl.DataFrame) -> Block:
    extra = pl.Series(rng.random(active.height) < 0.05)
    rows = active.filter(pl.col("child_concern") | extra)
    return _one_of(world, rng, rows, (["RCPR", "RCCO", "RCHD"], [0.35, 0.35, 0.3]), 20)


def _domestic_abuse(world: World, rng: np.random.Generator, active: pl.DataFrame) -> Block:
    draw = pl.Series(rng.random(active.height))
    rows = active.filter(
        (pl.col("domestic_abuse_event") & (draw < 0.6))
        | (~pl.col("domestic_abuse_event") & (draw < 0.04))
    )
    return _one_of(world, rng, rows, (["ADVP", "REG30"], [0.7, 0.3]), 20)


def _wellbeing(world: World, rng: np.random.Generator, active: pl.DataFrame) -> Block:
    draw = pl.Series(rng.random(active.height))
    self_harm = active.filter((pl.col("self_harm_concern") == "YES") & (draw < 0.6))
    others = active.filter(draw > 0.88)
    return _concat(
        _one_of(world, rng, self_harm, (["ALSH"], [1]), 30),
        _one_of(world, rng, others, (["RMDO", "AV2S", "IIOM"], [0.5, 0.2, 0.3]), 60),
    )


def _carried(world: World, rng: np.random.Generator, active: pl.DataFrame) -> Block:
    """Flags from an earlier period, still relevant and reviewed in the current one
    (a fifth of them on P itself: the boundary of flag_from_previous_order)."""
    rows = active.filter(pl.col("has_history") & pl.Series(rng.random(active.height) < 0.4))
    n = rows.height
    start = rows["period_start"].to_numpy()
    reg = start - rng.integers(30, 400, n)
    room = np.maximum(np.minimum(world.d - start, 60), 0)
    anchor = start + np.where(rng.random(n) < 0.2, 0, (rng.random(n) * room).astype(np.int64))
    code = pick(rng, CARRIED_TYPES, [0.4, 0.3, 0.1, 0.2], n)
    return _rows(rows["pid"].to_numpy(), code, reg, "carried", anchor=anchor)


def _persisting(facts: pl.DataFrame) -> Block:
    """ARSO for sexual offenders, INLL for lifers, AVIS for MAPPA level 2/3 (below)."""
    sex = facts.filter(pl.col("registered_sex_offender"))
    life = facts.filter(pl.col("first_life").is_not_null())
    return _concat(
        _rows(sex["pid"].to_numpy(), "ARSO", sex["first_sexual"].to_numpy(), "persisting"),
        _rows(life["pid"].to_numpy(), "INLL", life["first_life"].to_numpy(), "persisting"),
    )


def _earlier(rng: np.random.Generator, events: pl.DataFrame) -> Block:
    """Flags of ended events, deregistered when the event ended (3 % with no date)."""
    ended = events.filter(pl.col("role").is_in(["history", "merged", "ended"]))
    ended = pl.concat([ended, ended.filter(pl.Series(rng.random(ended.height) < 0.4))])
    n = ended.height
    code = pick(rng, *HISTORY_TYPES, n)
    end = ended["term"].to_numpy()
    rows = _rows(ended["pid"].to_numpy(), code, ended["s"].to_numpy(), "earlier", dereg=end)
    rows["undated"] = rng.random(n) < 0.03
    return rows


def _oddities(world: World, rng: np.random.Generator, active: pl.DataFrame) -> Block:
    """Rows that must not count: a flag entered in error (soft-deleted), flags registered
    after D, and a second RoSH flag deregistered on D itself (inactive at D)."""
    draw = rng.random(active.height)
    pid = active["pid"].to_numpy()
    d = world.d
    deleted = _rows(pid[draw < 0.01], "RVHR", np.full((draw < 0.01).sum(), d - 30), "deleted")
    late_mask = (draw >= 0.01) & (draw < 0.03)
    late = _rows(pid[late_mask], "RMDO", d + rng.integers(1, 11, late_mask.sum()), "future")
    edge_mask = (draw >= 0.03) & (draw < 0.035)
    start = active["period_start"].to_numpy()[edge_mask]
    ended_today = _rows(
        pid[edge_mask], "RLRH", start, "ended_on_d", dereg=np.full(edge_mask.sum(), d)
    )
    return _concat(deleted, late, ended_today)


def _concat(*blocks: dict) -> Block:
    keys = set().union(*(b.keys() for b in blocks))
    out = {}
    for key in sorted(keys):
        parts = []
        for b in blocks:
            n = len(b["pid"])
            parts.append(b[key] if key in b else np.zeros(n, dtype=bool))
        out[key] = np.concatenate(parts)
    return out
