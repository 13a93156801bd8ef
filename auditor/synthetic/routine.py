"""Routine contacts: planned office visits through each order, and the administrative
contacts nDelius writes for flags (registration, review, deregistration) and completed
OASys assessments. No rule reads them (their category is OTHER); they give the contact
log its realistic bulk, including late recording and appointments booked after D.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.contacts import contact_rows
from auditor.synthetic.dates import off_weekend
from auditor.synthetic.facts import NO_DAY
from auditor.synthetic.world import World, pick_series

OFFICE_OUTCOMES = (
    ["ATTC", "AFTA", "AFTC", "RSSR", "APPW", "UAAB"],
    [0.8, 0.06, 0.04, 0.05, 0.03, 0.02],
)


def appointments(world: World, rng: np.random.Generator, events: pl.DataFrame) -> pl.DataFrame:
    """Planned office visits spread over each event's span (to D for active events,
    with a couple booked for the fortnight after D)."""
    d = world.d
    spans = events.filter(pl.col("s") <= d)
    start = spans["s"].to_numpy()
    active = spans["is_active"].to_numpy()
    end = np.where(active, d + 14, spans["term"].to_numpy())
    end = np.where(end < start, start, end)
    per = np.where(active, 14, 30)
    cap = np.where(active, 40, 14)
    count = np.minimum((end - start) // per, cap) + rng.integers(0, 3, len(start))
    owner = np.repeat(np.arange(len(start)), count)
    on = off_weekend(
        start[owner] + (rng.random(len(owner)) * (end[owner] - start[owner] + 1)).astype(np.int64)
    )
    booked = on > d
    late = rng.random(len(owner)) < 0.15
    created = np.where(
        booked,
        d - rng.integers(0, 11, len(owner)),
        on + np.where(late, rng.integers(1, 6, len(owner)), 0),
    )
    outcome = pick_series(rng, *OFFICE_OUTCOMES, len(owner))
    outcome = pl.select(pl.when(pl.Series(booked)).then(None).otherwise(outcome)).to_series()
    return contact_rows(
        spans["pid"].to_numpy()[owner],
        spans["event_id"].to_numpy()[owner],
        "COAP",
        on,
        created,
        "routine",
        outcome,
    )


def administrative(
    flags: pl.DataFrame, reviews: pl.DataFrame, assessments: pl.DataFrame
) -> pl.DataFrame:
    """ERGN/ERGR/ERGD for flags and C004 for completed assessments, on their dates."""
    registered = flags.filter(~pl.col("soft_deleted"))
    ended = registered.filter(pl.col("dereg") != NO_DAY)
    reviewed = reviews.filter(pl.col("completed")).join(
        flags.select("registration_id", "pid"), on="registration_id", maintain_order="left"
    )
    done = assessments.filter(pl.col("status") == "COMPLETE")
    return pl.concat(
        [
            contact_rows(
                registered["pid"], None, "ERGN", registered["reg"], registered["reg"], "admin"
            ),
            contact_rows(reviewed["pid"], None, "ERGR", reviewed["on"], reviewed["on"], "admin"),
            contact_rows(ended["pid"], None, "ERGD", ended["dereg"], ended["dereg"], "admin"),
            contact_rows(done["pid"], done["event_id"], "C004", done["on"], done["on"], "admin"),
        ]
    )
