"""OASys assessments: the chain behind each active person's RoSH flag.

For the current period of an active person: a report-stage assessment before the first
sentence (a full LAYER3 when the RoSH level is M or above or the court had a standard
report, otherwise a stand-alone RoSH screening); a start-of-order LAYER1/LAYER3 within 20
working days of every sentence in the period; and reviews every six to eleven months
until D. All carry the person's current risk, so the latest completed assessment always
supports the RoSH flag (recent, right level, full analysis where needed). Earlier periods
have older assessments with other risk levels.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.dates import wd
from auditor.synthetic.world import World, pick

RISK_COLUMNS = [
    "rosh",
    "rosh_children",
    "rosh_staff",
    "child_protection_concern",
    "self_harm_concern",
]


def build_assessments(world: World, facts: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    rng = world.rng("assessments")
    anchors = (
        events.filter(pl.col("role").is_in(["current", "merged"]))
        .join(facts.select("pid", "provider_type", *RISK_COLUMNS), on="pid", maintain_order="left")
        .sort("pid", "s", "event_id", maintain_order=True)
        .with_columns(first=pl.int_range(pl.len()).over("pid") == 0)
    )
    pre = _report_stage(world, rng, anchors)
    start = _start_of_order(world, rng, anchors)
    reviews = _reviews(world, rng, start)
    chain = pl.concat([pre, start.drop("next_start"), reviews], how="diagonal_relaxed")
    frame = pl.concat(
        [chain, _in_progress(world, rng, chain), _earlier(world, rng, events)],
        how="diagonal_relaxed",
    )
    return _finish(rng, frame)


def _kind(anchors: pl.DataFrame) -> pl.DataFrame:
    return anchors.select("pid", "event_id", *RISK_COLUMNS)


def _report_stage(world: World, rng: np.random.Generator, anchors: pl.DataFrame) -> pl.DataFrame:
    needed = pl.col("first") & (
        pl.col("court_report_type").is_in(["CJF", "CJS"]).fill_null(False)
        | (pl.col("s") >= world.d - 60)  # the start-of-order assessment may not exist yet
        | pl.Series(rng.random(anchors.height) < 0.25)
    )
    rows = anchors.filter(needed | pl.Series(rng.random(anchors.height) < 0.1))
    full = (rows["rosh"] != "L") | (rows["court_report_type"] == "CJS").fill_null(False)
    date = rows["s"].to_numpy() - rng.integers(3, 31, rows.height)
    return _kind(rows).with_columns(
        on=pl.Series(date),
        assessment_type=pl.when(full).then(pl.lit("LAYER3")).otherwise(pl.lit("ROSH_SCREENING")),
        full=full,
        status=pl.lit("COMPLETE"),
        stage=pl.lit("report"),
    )


def _start_of_order(world: World, rng: np.random.Generator, anchors: pl.DataFrame) -> pl.DataFrame:
    """Within 20 working days of each sentence (none yet for the 'clean20' edge)."""
    rows = anchors.filter(pl.col("edge").fill_null("") != "clean20")
    date = wd(rows["s"].to_numpy(), rng.integers(3, 20, rows.height))
    layer3 = (rows["rosh"] != "L") | (rows["provider_type"] == "NPS")
    frame = _kind(rows).with_columns(
        on=pl.Series(date),
        assessment_type=pl.when(layer3).then(pl.lit("LAYER3")).otherwise(pl.lit("LAYER1")),
        full=rows["rosh"] != "L",
        status=pl.lit("COMPLETE"),
        stage=pl.lit("start"),
    )
    return frame.with_columns(next_start=pl.col("on").shift(-1).over("pid"))


def _reviews(world: World, rng: np.random.Generator, start: pl.DataFrame) -> pl.DataFrame:
    """Reviews after each start-of-order assessment until the next one (or D)."""
    interval = rng.integers(240, 351, start.height)
    until = np.minimum(start["next_start"].fill_null(world.d + 1).to_numpy(), world.d + 1) - 1
    count = np.maximum((until - start["on"].to_numpy()) // interval, 0)
    frame = start.with_columns(interval=pl.Series(interval), count=pl.Series(count))
    frame = frame.with_columns(j=pl.int_ranges(1, pl.col("count") + 1)).explode("j").drop_nulls("j")
    return frame.with_columns(
        on=pl.col("on") + pl.col("j") * pl.col("interval"), stage=pl.lit("review")
    ).drop("j", "interval", "count", "next_start")


def _in_progress(world: World, rng: np.random.Generator, chain: pl.DataFrame) -> pl.DataFrame:
    """5 %: a review started after the latest one and not yet complete at D."""
    latest = (
        chain.filter(pl.col("on") <= world.d)
        .sort("pid", "on", maintain_order=True)
        .group_by("pid", maintain_order=True)
        .last()
    )
    latest = latest.filter(pl.Series(rng.random(latest.height) < 0.05) & (pl.col("on") < world.d))
    gap = (rng.random(latest.height) * (world.d - latest["on"].to_numpy())).astype(np.int64) + 1
    return latest.with_columns(
        on=pl.col("on") + pl.Series(gap), status=pl.lit("INCOMPLETE"), stage=pl.lit("review")
    )


def _earlier(world: World, rng: np.random.Generator, events: pl.DataFrame) -> pl.DataFrame:
    """Assessments of ended events (60 %) and report-stage screenings of future ones."""
    rows = events.filter(
        (pl.col("role").is_in(["history", "ended"]) & pl.Series(rng.random(events.height) < 0.35))
        | ((pl.col("role") == "future") & (pl.col("active_events").fill_null(0) == 0))
    )
    n = rows.height
    future = rows["role"].to_numpy() == "future"
    date = np.where(
        future,
        rows["s"].to_numpy() - rng.integers(3, 31, n),
        rows["s"].to_numpy() + rng.integers(5, 26, n),
    )
    level = pick(rng, ["L", "M", "H", "V"], [0.4, 0.45, 0.13, 0.02], n)
    return rows.select("pid", "event_id").with_columns(
        on=pl.Series(date),
        assessment_type=pl.Series(np.where(future, "ROSH_SCREENING", "LAYER3")),
        full=pl.Series(~future & (level != "L")),
        status=pl.lit("COMPLETE"),
        stage=pl.lit("earlier"),
        rosh=pl.Series(level),
        rosh_children=pl.Series(pick(rng, ["N", "L", "M"], [0.5, 0.4, 0.1], n)),
        rosh_staff=pl.Series(pick(rng, ["N", "L", "M"], [0.2, 0.6, 0.2], n)),
        child_protection_concern=pl.Series(pick(rng, ["YES", "NO", "DK"], [0.2, 0.7, 0.1], n)),
        self_harm_concern=pl.Series(pick(rng, ["YES", "NO", "DK"], [0.1, 0.8, 0.1], n)),
    )


def _finish(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """Contract columns (a few without an event) and ids in date order."""
    n = frame.height
    unlinked = pl.Series(rng.random(n) < 0.1)
    return (
        frame.with_columns(
            event_id=pl.when(unlinked).then(None).otherwise(pl.col("event_id")),
            rosh_screening_done=pl.lit(True),
            full_rosh_analysis_done=pl.col("full"),
            rosh_level=pl.col("rosh"),
            soft_deleted=pl.lit(False),
        )
        .drop("full", "rosh")
        .sort("on", "pid", "stage", "assessment_type", "status", maintain_order=True)
        .with_row_index("assessment_id", offset=1)
    )
