"""Events (convictions with their sentence) and the period structure of each person.

Roles of an event (work column ``role``):

- ``current``: active at D; an active person has one (88 %) or two;
- ``merged``: ended, but its span touches the current one (ended the day before, or
  overlapping), so it opens the current period of supervision: P is its sentence date;
- ``history``: an earlier period, ended at least two days before P (a gap of exactly two
  days does not merge: a boundary of the period rule);
- ``ended``: an event of an inactive person;
- ``future``: sentenced after D (must not count).

Persons whose single event sits exactly on a working-day edge (``edge``) give each
windowed rule a record on both sides of its boundary.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from auditor.synthetic.dates import date_series, day_number, edge_sentence_dates, next_working_day
from auditor.synthetic.names import ALL_TOWNS
from auditor.synthetic.world import World, pick, pick_series, with_nulls

EDGE_WINDOWS = {"1": 1, "5": 5, "20": 20}
REQUIRED_FROM = dt.date(2014, 6, 1)
DISPOSALS = (["CO", "SSO", "LIC", "SC"], [0.42, 0.25, 0.27, 0.06])
OFFENCES = (
    ["VIOLENCE", "SEXUAL", "ACQUISITIVE", "DRUGS", "MOTORING", "PUBLIC_ORDER", "OTHER"],
    [0.25, 0.05, 0.25, 0.15, 0.10, 0.10, 0.10],
)
REPORTS = (["none", "CJO", "CJF", "CJS", "PSA"], [0.25, 0.25, 0.30, 0.15, 0.05])
Block = dict[str, np.ndarray]
DOMESTIC_ABUSE_RATE = {"VIOLENCE": 0.45, "PUBLIC_ORDER": 0.15, "OTHER": 0.05}


def edge_labels(world: World) -> dict[str, int]:
    """Edge label -> sentence date (day number): 'clean5' is the earliest sentence date
    not yet due for a 5-working-day rule, 'fault5' the latest already due."""
    labels = {}
    for name, n in EDGE_WINDOWS.items():
        clean, fault = edge_sentence_dates(world.as_of, n)
        labels[f"clean{name}"] = day_number(clean)
        labels[f"fault{name}"] = day_number(fault)
    if world.as_of >= dt.date(2015, 6, 1):
        labels["required_clean"] = day_number(REQUIRED_FROM - dt.timedelta(days=1))
        labels["required_fault"] = day_number(REQUIRED_FROM)
    return labels


def assign_edges(world: World, persons: pl.DataFrame) -> pl.Series:
    """Pick a few active persons for each edge label (the rest get null)."""
    rng = world.rng("edges")
    labels = edge_labels(world)
    per_label = max(2, round(persons.height * 0.002))
    eligible = np.flatnonzero(
        (persons["kind"] == "active").to_numpy() & ~persons["soft_deleted"].to_numpy()
    )
    sizes = [per_label if label[-1].isdigit() else max(1, per_label // 10) for label in labels]
    chosen = rng.choice(eligible, size=min(len(eligible), sum(sizes)), replace=False)
    edge = np.full(persons.height, None, dtype=object)
    bounds = np.cumsum([0, *sizes])
    for k, label in enumerate(labels):
        edge[chosen[bounds[k] : bounds[k + 1]]] = label
    return pl.Series("edge", edge.tolist(), dtype=pl.String)


def build_events(world: World, persons: pl.DataFrame) -> pl.DataFrame:
    """Events of every person, with work columns role and pid."""
    rng = world.rng("events")
    kind = persons["kind"].to_numpy()
    edge = persons["edge"].to_numpy()
    blocks = []
    active = np.flatnonzero(kind == "active")
    starts, current = _current(world, rng, active, edge[active])
    blocks.append(current)
    period_start, merged = _merged(world, rng, active, starts, edge[active])
    blocks.append(merged)
    blocks.append(_history(rng, active, period_start, edge[active], "history", [0.62, 0.28, 0.10]))
    inactive = np.flatnonzero(kind == "inactive")
    last_end = world.d - np.where(
        rng.random(len(inactive)) < 0.02, 0, rng.integers(1, 1500, len(inactive))
    )
    blocks.append(
        _block(inactive, last_end - rng.integers(180, 1100, len(inactive)), last_end, "ended")
    )
    blocks.append(
        _history(
            rng, inactive, blocks[-1]["s"], np.full(len(inactive), None), "ended", [0.65, 0.35]
        )
    )
    future = np.flatnonzero(kind == "future")
    extra = active[(rng.random(len(active)) < 0.03) & (edge[active] == None)]  # noqa: E711
    late = np.concatenate([future, extra])
    blocks.append(_block(late, world.d + rng.integers(1, 11, len(late)), None, "future"))
    events = pl.concat([pl.DataFrame(b) for b in blocks if len(b["pid"])], how="vertical")
    shift = events["role"].to_numpy() != "current"  # current ones already sit on court days
    on_court_day = np.where(shift, next_working_day(events["s"].to_numpy()), events["s"].to_numpy())
    return _attributes(world, rng, events.with_columns(s=pl.Series(on_court_day)), persons)


def _block(pid: np.ndarray, start: np.ndarray, end: np.ndarray | None, role: str) -> Block:
    n = len(pid)
    end_values = np.full(n, -1, dtype=np.int64) if end is None else np.asarray(end, dtype=np.int64)
    return {
        "pid": np.asarray(pid, dtype=np.int64),
        "s": np.asarray(start, dtype=np.int64),
        "term": end_values,
        "role": np.full(n, role, dtype=object),
    }


def _current(
    world: World, rng: np.random.Generator, active: np.ndarray, edge: np.ndarray
) -> tuple[np.ndarray, Block]:
    """The active events: one per active person, a second for 12 %."""
    n = len(active)
    d = world.d
    recent = rng.random(n) < 0.07
    back = np.where(recent, rng.integers(0, 46, n), np.minimum(45 + rng.exponential(330, n), 1800))
    start = d - back.astype(np.int64)
    start = np.minimum(next_working_day(start), d)  # courts sit on working days
    for label, day in edge_labels(world).items():
        start[edge == label] = day
    first = _block(active, start, None, "current")
    second = (rng.random(n) < 0.12) & (edge == None) & (d - start >= 3)  # noqa: E711
    gap = (rng.random(second.sum()) * (d - start[second])).astype(np.int64) + 1
    two = _block(
        active[second], np.minimum(next_working_day(start[second] + gap), d), None, "current"
    )
    return start, {k: np.concatenate([first[k], two[k]]) for k in first}


def _merged(
    world: World, rng: np.random.Generator, active: np.ndarray, start: np.ndarray, edge: np.ndarray
) -> tuple[np.ndarray, Block]:
    """An ended event whose span runs into the first active one (8 %): it starts P."""
    n = len(active)
    has = (rng.random(n) < 0.08) & (edge == None)  # noqa: E711
    overlap = rng.random(n) < 0.5
    room = np.maximum(world.d - start, 0)
    end = np.where(
        overlap, start + (rng.random(n) * np.minimum(room, 200)).astype(np.int64), start - 1
    )
    begin = end - rng.integers(180, 720, n)
    period_start = np.where(has, begin, start)
    return period_start, _block(active[has], begin[has], end[has], "merged")


def _history(
    rng: np.random.Generator,
    pid: np.ndarray,
    anchor: np.ndarray,
    edge: np.ndarray,
    role: str,
    count_weights: list[float],
) -> Block:
    """Earlier, separate periods before ``anchor`` (a gap of at least two days)."""
    counts = rng.choice(len(count_weights), size=len(pid), p=count_weights)
    counts[edge != None] = 0  # noqa: E711
    blocks = []
    anchor = np.asarray(anchor, dtype=np.int64).copy()
    for k in range(1, len(count_weights)):
        has = counts >= k
        gap = np.where(rng.random(len(pid)) < 0.03, 2, rng.integers(30, 900, len(pid)))
        end = anchor - gap
        begin = end - rng.integers(180, 1100, len(pid))
        blocks.append(_block(pid[has], begin[has], end[has], role))
        anchor = begin
    return {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}


def _attributes(
    world: World, rng: np.random.Generator, events: pl.DataFrame, persons: pl.DataFrame
) -> pl.DataFrame:
    n = events.height
    role = events["role"].to_numpy()
    edge = persons["edge"].to_numpy()[events["pid"].to_numpy()]
    disposal = pick(rng, *DISPOSALS, n)
    disposal[(edge != None) & (disposal == "SC")] = "CO"  # noqa: E711
    disposal[np.isin(edge, ["required_clean", "required_fault"])] = "LIC"
    offence = pick_series(rng, *OFFENCES, n)
    da_rate = offence.replace_strict(DOMESTIC_ABUSE_RATE, default=0.01).to_numpy()
    report = pick(rng, *REPORTS, n)
    length, custodial = _lengths(world, rng, disposal, events["s"].to_numpy(), role)
    stale = rng.random(n) < 0.03  # ACTIVE_FLAG left on after termination
    term = events["term"].to_numpy()
    ends_soon = (role == "current") & (rng.random(n) < 0.04) & (edge == None)  # noqa: E711
    term = np.where(ends_soon, world.d + rng.integers(1, 31, n), term)
    return events.with_columns(
        date_series("sentence_date", events["s"].to_numpy()),
        date_series("termination_date", term, term < 0),
        pl.Series("term", np.where(term < 0, -1, term)),
        disposal_type_code=pl.Series(disposal.tolist()),
        offence_category=offence,
        domestic_abuse=pl.Series(rng.random(n) < da_rate),
        court_report_type=pl.Series(with_nulls(report, report == "none").tolist(), dtype=pl.String),
        length_months=pl.Series(length.tolist(), dtype=pl.Int64),
        custodial_months=pl.Series(custodial.tolist(), dtype=pl.Int64),
        court_name=pl.Series(_courts(rng, disposal).tolist(), dtype=pl.String),
        active=pl.Series(np.isin(role, ["current", "future"]) | stale),
        soft_deleted=pl.lit(False),
        edge=pl.Series(edge.tolist(), dtype=pl.String),
    )


def _lengths(
    world: World,
    rng: np.random.Generator,
    disposal: np.ndarray,
    start: np.ndarray,
    role: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    n = len(disposal)
    length = np.select(
        [disposal == "CO", disposal == "SSO", disposal == "SC"],
        [rng.integers(6, 37, n), rng.integers(12, 25, n), rng.integers(12, 121, n)],
        default=rng.integers(6, 61, n),
    ).astype(object)
    elapsed = np.ceil((world.d - start) / 30.4).astype(np.int64) + 1
    running = (role == "current") & np.isin(disposal, ["CO", "SSO"])
    length[running] = np.maximum(length[running].astype(np.int64), elapsed[running])
    length[(disposal == "LIC") & ((rng.random(n) < 0.03) | (world.d - start > 3000))] = None  # life
    custodial = np.select(
        [disposal == "SSO", disposal == "SC", disposal == "LIC"],
        [rng.integers(1, 25, n), rng.integers(6, 121, n), rng.integers(6, 97, n)],
        default=-1,
    ).astype(object)
    custodial[(custodial == -1) | ((disposal == "SC") & (rng.random(n) < 0.02))] = None
    return length, custodial


def _courts(rng: np.random.Generator, disposal: np.ndarray) -> np.ndarray:
    n = len(disposal)
    towns = np.array(ALL_TOWNS, dtype=object)[rng.integers(0, len(ALL_TOWNS), n)]
    crown = np.isin(disposal, ["SC", "LIC"]) | (rng.random(n) < 0.15)
    court = np.where(crown, towns + " Crown Court", towns + " Magistrates' Court").astype(object)
    court[rng.random(n) < 0.02] = None
    return court


def number_events(events: pl.DataFrame, world: World) -> pl.DataFrame:
    """Event numbers per person in sentence order, and whether the event is active at D."""
    d = world.d
    return events.sort("pid", "s", "role", maintain_order=True).with_columns(
        event_number=pl.int_range(1, pl.len() + 1).over("pid").cast(pl.Int64),
        is_active=(pl.col("role") == "current")
        & pl.col("active")
        & (pl.col("s") <= d)
        & ((pl.col("term") < 0) | (pl.col("term") > d)),
    )
