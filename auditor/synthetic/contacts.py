"""The contacts the rules look for: first appointments, home visits, police and
children's services checks (request, chase, response) and management oversight.

Each is placed within its rule's window: a record a rule already needs at D is dated
(and recorded) on or before D; one still inside its window may fall after D, where it
is a record of the future that must not count. Routine appointments and the
administrative contacts of flags and assessments are in ``routine.py``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.dates import wd
from auditor.synthetic.indications import SAFE_OVERSIGHT_GAP
from auditor.synthetic.world import Values, World, column, pick, with_nulls

PAST_OUTCOMES = (["ATTC", "AFTA", "RSSR", "AFTC"], [0.85, 0.07, 0.05, 0.03])
CHECK_CODES = {"police": ("C369", "XPCH", "C515"), "children": ("SFGC", "XSCH", "SFRR")}


def contact_rows(
    pid: np.ndarray | pl.Series,
    event_id: Values,
    code: Values,
    date: Values,
    created: Values,
    kind: str,
    outcome: Values = None,
) -> pl.DataFrame:
    n = len(pid)
    return pl.DataFrame(
        [
            column(pid, pl.Int64, n).alias("pid"),
            column(event_id, pl.Int64, n).alias("event_id"),
            column(code, pl.String, n).alias("contact_type_code"),
            column(date, pl.Int64, n).alias("on"),
            column(created, pl.Int64, n).alias("created"),
            column(outcome, pl.String, n).alias("outcome_code"),
            column(kind, pl.String, n).alias("kind"),
        ]
    )


def with_outcomes(world: World, rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """An outcome for contacts that have happened (none for those still to come)."""
    outcome = pick(rng, *PAST_OUTCOMES, frame.height)
    happened = frame["on"].to_numpy() <= world.d
    return frame.with_columns(
        outcome_code=pl.Series(with_nulls(outcome, ~happened).tolist(), dtype=pl.String)
    )


def first_appointments(
    world: World, rng: np.random.Generator, events: pl.DataFrame
) -> pl.DataFrame:
    """Booked at court (or the next working day), for 0–10 working days after sentence;
    a few recorded without the event (only where the person has one active event)."""
    rows = events.filter(
        pl.col("disposal_type_code").is_in(["CO", "SSO", "LIC"])
        & (pl.col("edge").fill_null("") != "clean1")
        & (pl.col("is_active") | pl.Series(rng.random(events.height) < 0.5))
        & (pl.col("role") != "future")
    )
    n = rows.height
    s = rows["s"].to_numpy()
    on = np.maximum(
        wd(s, np.where(rng.random(n) < 0.7, rng.integers(0, 6, n), rng.integers(6, 11, n))), s
    )
    created = np.where(rng.random(n) < 0.8, s, wd(s, 1))
    unlinked = (rows["active_events"].fill_null(0).to_numpy() == 1) & rows["is_active"].to_numpy()
    unlinked &= rng.random(n) < 0.05
    event_id = with_nulls(rows["event_id"].to_numpy(), unlinked)
    code = pick(rng, ["COAI", "CODI", "COVI", "COHV"], [0.8, 0.03, 0.07, 0.1], n)
    return with_outcomes(
        world, rng, contact_rows(rows["pid"], event_id, code, on, created, "first_appointment")
    )


def home_visits(world: World, rng: np.random.Generator, events: pl.DataFrame) -> pl.DataFrame:
    """A home visit within 20 working days where indicated (10 % elsewhere); a fifth
    follow a failed attempt."""
    rows = events.filter(
        pl.col("is_active")
        & (pl.col("edge").fill_null("") != "clean20")
        & (pl.col("home_visit") | pl.Series(rng.random(events.height) < 0.1))
        & pl.col("disposal_type_code").is_in(["CO", "SSO", "LIC"])
    )
    n = rows.height
    s = rows["s"].to_numpy()
    on = wd(s, rng.integers(3, 20, n))
    visit = contact_rows(rows["pid"], rows["event_id"], "CHVS", on, on, "home_visit")
    visit = with_outcomes(world, rng, visit).with_columns(
        outcome_code=pl.when(pl.col("on") <= world.d).then(pl.lit("ATTC")).otherwise(None)
    )
    failed = rng.random(n) < 0.2
    attempt_on = wd(s[failed], rng.integers(1, 3, failed.sum()))
    attempt = contact_rows(
        rows["pid"].filter(pl.Series(failed)),
        rows["event_id"].filter(pl.Series(failed)),
        "CHVS",
        attempt_on,
        attempt_on,
        "home_visit_failed",
        pick(rng, ["AFTA", "UAAB"], [0.7, 0.3], failed.sum()),
    )
    return pl.concat([visit, attempt])


def safeguarding_checks(
    world: World, rng: np.random.Generator, events: pl.DataFrame
) -> pl.DataFrame:
    """Requests where a check is indicated (at the report stage or in the first five
    working days), each answered within ten working days, or chased and then answered."""
    frames = []
    for kind in ("police", "children"):
        rows = events.filter(
            pl.col(kind)
            & (pl.col("edge").fill_null("") != "clean5")
            & (
                pl.col("is_active")
                | (pl.col("role").is_in(["history", "ended"]) & pl.col("domestic_abuse"))
            )
        )
        frames.append(_checks_of_kind(world, rng, rows, kind))
    return pl.concat(frames)


def _checks_of_kind(
    world: World, rng: np.random.Generator, rows: pl.DataFrame, kind: str
) -> pl.DataFrame:
    request_code, chase_code, response_code = CHECK_CODES[kind]
    n = rows.height
    s = rows["s"].to_numpy()
    requested = np.where(
        rng.random(n) < 0.5, s - rng.integers(1, 61, n), wd(s, rng.integers(0, 6, n))
    )
    chased = rng.random(n) < 0.2
    chase_on = wd(requested, rng.integers(7, 11, n))
    answered = np.where(
        chased, wd(chase_on, rng.integers(1, 11, n)), wd(requested, rng.integers(1, 11, n))
    )
    old = requested < world.d - 400
    unanswered = old & ~rows["is_active"].to_numpy() & (rng.random(n) < 0.2)
    pid, event_id = rows["pid"], rows["event_id"]
    keep = pl.Series(chased)
    answered_rows = pl.Series(~unanswered)
    return pl.concat(
        [
            contact_rows(pid, event_id, request_code, requested, requested, f"{kind}_request"),
            contact_rows(
                pid.filter(keep),
                event_id.filter(keep),
                chase_code,
                chase_on[chased],
                chase_on[chased],
                f"{kind}_chase",
            ),
            contact_rows(
                pid.filter(answered_rows),
                event_id.filter(answered_rows),
                response_code,
                answered[~unanswered],
                answered[~unanswered],
                f"{kind}_response",
            ),
        ]
    )


def management_oversight(
    world: World, rng: np.random.Generator, per_person: pl.DataFrame, active_pids: pl.Series
) -> pl.DataFrame:
    """Oversight every two-thirds of the interval, the latest within the interval of D."""
    rows = per_person.filter(
        pl.col("oversight_months").is_not_null() & pl.col("pid").is_in(active_pids.implode())
    )
    n = rows.height
    months = rows["oversight_months"].to_numpy()
    gap = rows["oversight_months"].replace_strict(SAFE_OVERSIGHT_GAP).to_numpy()
    latest = world.d - (rng.random(n) * (gap + 1)).astype(np.int64)
    step = (months * 30 * rng.uniform(0.5, 0.8, n)).astype(np.int64)
    frame = rows.select("pid", since="oversight_since").with_columns(
        latest=pl.Series(latest), step=pl.Series(step), k=pl.int_ranges(0, 6)
    )
    frame = frame.explode("k").with_columns(on=pl.col("latest") - pl.col("k") * pl.col("step"))
    frame = frame.filter(pl.col("on") >= pl.col("since"))
    code = pick(rng, ["MO1", "CSPO"], [0.7, 0.3], frame.height)
    return contact_rows(
        frame["pid"], np.full(frame.height, None), code, frame["on"], frame["on"], "oversight"
    )
