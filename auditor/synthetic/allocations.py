"""Case allocations (the CAS record of each event): RSR score and the NPS/CRC decision.

In the clean caseload the decision of an active event is the NPS whenever CHECKS.md's
allocation_mismatch criteria hold at D (RSR above 6.89 %, an active RHRH/RVHR or MAPP
flag, MAPPA eligibility, deportation); otherwise mostly a CRC. Some NPS decisions are
escalations: an earlier CRC decision replaced after risk rose. Scores are held as whole
hundredths (``rsr``) until the extract is written.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.dates import day_number, wd
from auditor.synthetic.events import REQUIRED_FROM
from auditor.synthetic.facts import NO_DAY
from auditor.synthetic.world import World

RSR_THRESHOLD = 689  # hundredths of a per cent: NPS when rsr > 6.89


def active_flag(d: int) -> pl.Expr:
    """A registration active at D (work columns of flags.py)."""
    still = ~pl.col("deregistered") | (~pl.col("undated") & (pl.col("dereg") > d))
    return (pl.col("reg") <= d) & still & ~pl.col("soft_deleted")


def rsr_scored(d: int) -> pl.Expr:
    """An allocation row whose RSR score exists at D (a score without a date counts)."""
    dated = (pl.col("assessed") == NO_DAY) | (pl.col("assessed") <= d)
    return pl.col("rsr").is_not_null() & dated


def person_criteria(world: World, facts: pl.DataFrame, flags: pl.DataFrame) -> pl.DataFrame:
    """Per person: whether an NPS allocation is required at D, and why."""
    active = flags.filter(active_flag(world.d))
    by_flag = active.group_by("pid").agg(
        high_rosh=pl.col("register_type_code").is_in(["RHRH", "RVHR"]).any(),
        mappa_flag=(pl.col("register_type_code") == "MAPP").any(),
    )
    return (
        facts.select("pid", "qualifying_event", "registered_sex_offender", "deportation_eligible")
        .join(by_flag, on="pid", how="left", maintain_order="left")
        .select(
            "pid",
            high_rosh=pl.col("high_rosh").fill_null(False),
            mappa=pl.col("mappa_flag").fill_null(False)
            | pl.col("qualifying_event")
            | pl.col("registered_sex_offender"),
            deportation=pl.col("deportation_eligible").fill_null(False),
        )
        .with_columns(nps_required=pl.col("high_rosh") | pl.col("mappa") | pl.col("deportation"))
    )


def build_case_allocations(
    world: World, events: pl.DataFrame, criteria: pl.DataFrame, court_staff: np.ndarray
) -> pl.DataFrame:
    rng = world.rng("allocations")
    rows = events.filter(
        (pl.col("s") >= day_number(REQUIRED_FROM)) & (pl.col("edge").fill_null("") != "clean1")
    ).join(criteria, on="pid", how="left", maintain_order="left")
    n = rows.height
    required = rows["nps_required"].fill_null(False).to_numpy() & rows["is_active"].to_numpy()
    required |= ~rows["is_active"].to_numpy() & (rng.random(n) < 0.3)
    rsr = _scores(rng, required)
    nps = required | (rsr > RSR_THRESHOLD) | (rng.random(n) < 0.04)
    s = rows["s"].to_numpy()
    frame = rows.select("event_id", "pid", "s", "is_active", "high_rosh", "mappa").with_columns(
        rsr=pl.Series(rsr),
        assessed=pl.Series(np.where(rng.random(n) < 0.05, NO_DAY, s - rng.integers(0, 15, n))),
        decision=pl.Series(np.where(nps, "NPS", "CRC")),
        decided=pl.Series(_decision_dates(world, rng, s)),
        staff=pl.Series(court_staff[rng.integers(0, len(court_staff), n)]),
        soft_deleted=pl.lit(False),
    )
    return (
        _with_escalations(world, rng, frame)
        .sort("decided", "event_id", maintain_order=True)
        .with_row_index("case_allocation_id", offset=1)
    )


def _scores(rng: np.random.Generator, required: np.ndarray) -> np.ndarray:
    n = len(required)
    low = (10 + 679 * rng.beta(1.3, 4, n)).astype(np.int64)
    low[rng.random(n) < 0.005] = RSR_THRESHOLD  # exactly on the threshold: still a CRC case
    high = rng.integers(RSR_THRESHOLD + 1, 4000, n)
    above = np.where(required, rng.random(n) < 0.5, rng.random(n) < 0.07)
    return np.where(above, high, low)


def _decision_dates(world: World, rng: np.random.Generator, s: np.ndarray) -> np.ndarray:
    """81 % by the next working day, 12 % later, 7 % with no date (para 2.14); a date the
    rule already needs (D > wd(s, 1)) is never after D."""
    n = len(s)
    lag = np.where(rng.random(n) < 0.62, 0, 1)
    lag = np.where(rng.random(n) < 0.13, rng.integers(2, 11, n), lag)
    decided = wd(s, lag)
    decided = np.where(world.d > wd(s, 1), np.minimum(decided, world.d), decided)
    return np.where(rng.random(n) < 0.07, NO_DAY, decided)


def _with_escalations(world: World, rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """A quarter of NPS cases required by flags alone were first allocated to a CRC."""
    n = frame.height
    later = frame["decided"].to_numpy() + rng.integers(10, 200, n)
    escalate = (
        frame["is_active"].to_numpy()
        & (frame["high_rosh"].fill_null(False) | frame["mappa"].fill_null(False)).to_numpy()
        & (frame["rsr"].to_numpy() <= RSR_THRESHOLD)
        & (frame["decided"].to_numpy() != NO_DAY)
        & (later <= world.d)
        & (rng.random(n) < 0.25)
    )
    first = frame.filter(pl.Series(escalate)).with_columns(decision=pl.lit("CRC"))
    second = frame.filter(pl.Series(escalate)).with_columns(
        rsr=pl.lit(None, dtype=pl.Int64),
        assessed=pl.lit(NO_DAY),
        decided=pl.Series(later[escalate]),
    )
    return pl.concat([frame.filter(pl.Series(~escalate)), first, second], how="vertical_relaxed")


def provider_types(
    world: World, facts: pl.DataFrame, allocations: pl.DataFrame, criteria: pl.DataFrame
) -> pl.Series:
    """NPS for a person any of whose active events is decided NPS (or must be); CRC
    otherwise; inactive persons at random (30 % NPS)."""
    rng = world.rng("provider_types")
    decided = (
        allocations.filter(pl.col("is_active"))
        .sort("event_id", "decided", "case_allocation_id", maintain_order=True)
        .group_by("event_id", maintain_order=True)
        .last()
        .group_by("pid")
        .agg(nps=(pl.col("decision") == "NPS").any())
    )
    frame = facts.select("pid", "is_active").join(
        decided, on="pid", how="left", maintain_order="left"
    )
    frame = frame.join(
        criteria.select("pid", "nps_required"), on="pid", how="left", maintain_order="left"
    )
    nps = frame["nps"].fill_null(frame["nps_required"].fill_null(False)).to_numpy()
    nps = np.where(frame["is_active"].to_numpy(), nps, rng.random(frame.height) < 0.3)
    return pl.Series("provider_type", np.where(nps, "NPS", "CRC"))
