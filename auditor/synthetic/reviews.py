"""Flag reviews: each flag with a review period is reviewed every period from its anchor
(its registration date, or for a carried-over flag its first review in the current
period), and its next_review_date is the first review date still to come after D.

A few active flags have next_review_date exactly D (due today: not yet overdue).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.dates import add_months
from auditor.synthetic.facts import NO_DAY
from auditor.synthetic.world import World
from schemas.codes import bundled_register_types

KEEP_REVIEWS = 2  # older reviews of long-running flags are left out


def review_months() -> dict[str, int]:
    types = bundled_register_types()
    return dict(
        zip(types["register_type_code"], types["review_period_months"].fill_null(0), strict=True)
    )


def schedule_reviews(
    world: World, flags: pl.DataFrame, facts: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(flags with next_review, reviews): see the module docstring."""
    rng = world.rng("reviews")
    person = facts.select("pid", "is_active", "last_end")
    flags = flags.join(person, on="pid", how="left", maintain_order="left")
    months = flags["register_type_code"].replace_strict(review_months(), default=0).to_numpy()
    anchor = flags["anchor"].to_numpy()
    limit = _limit(world, flags)
    done = _reviews_done(anchor, limit, months)
    next_review = add_months(anchor, (done + 1) * months)
    due_today = flags["is_active"].fill_null(False).to_numpy() & (
        flags["dereg"].to_numpy() == NO_DAY
    )
    due_today &= (flags["reg"].to_numpy() <= world.d) & (rng.random(flags.height) < 0.01)
    next_review = np.where(due_today & (next_review > world.d), world.d, next_review)
    flags = flags.with_columns(
        next_review=pl.Series(np.where(flags["role"].to_numpy() == "deleted", NO_DAY, next_review)),
        months=pl.Series(months),
        done=pl.Series(done),
    ).drop("is_active", "last_end")
    return flags, _review_rows(world, rng, flags)


def _limit(world: World, flags: pl.DataFrame) -> np.ndarray:
    """The last day reviews were done: D, the deregistration, or (persisting flags of an
    inactive person) the end of their last order."""
    dereg = flags["dereg"].to_numpy()
    inactive = ~flags["is_active"].fill_null(False).to_numpy()
    last_end = flags["last_end"].fill_null(world.d).to_numpy()
    limit = np.where(inactive, np.minimum(last_end, world.d), world.d)
    return np.where(dereg != NO_DAY, np.minimum(dereg, limit), limit)


def _reviews_done(anchor: np.ndarray, limit: np.ndarray, months: np.ndarray) -> np.ndarray:
    """How many periods after the anchor fall on or before the limit."""
    step = np.maximum(months, 1)
    month_gap = limit.astype("datetime64[D]").astype("datetime64[M]").astype(
        np.int64
    ) - anchor.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    count = np.maximum(month_gap // step, 0)
    overshoot = add_months(anchor, count * months) > limit
    count = np.maximum(count - overshoot, 0)
    return np.where(months > 0, count, 0)


def _review_rows(world: World, rng: np.random.Generator, flags: pl.DataFrame) -> pl.DataFrame:
    carried = pl.col("role") == "carried"
    first = (
        pl.when(carried).then(0).otherwise(pl.max_horizontal(1, pl.col("done") - KEEP_REVIEWS + 1))
    )
    done = (
        flags.filter((pl.col("months") > 0) & (pl.col("role") != "deleted"))
        .select(
            "registration_id",
            "anchor",
            "months",
            "role",
            j=pl.int_ranges(first, pl.col("done") + 1),
        )
        .explode("j")
        .drop_nulls("j")
    )
    due = add_months(done["anchor"].to_numpy(), done["j"].to_numpy() * done["months"].to_numpy())
    jitter = np.where(done["j"].to_numpy() == 0, 0, rng.integers(0, 8, done.height))
    completed = done.select(
        "registration_id",
        due=pl.Series(due),
        on=pl.Series(due - jitter),
        completed=pl.lit(True),
        soft_deleted=pl.Series(
            (rng.random(done.height) < 0.003) & (done["role"] == "current").to_numpy()
        ),
    )
    open_flags = flags.filter(
        (pl.col("months") > 0) & (pl.col("dereg") == NO_DAY) & (pl.col("role") != "deleted")
    )
    pending = open_flags.filter(pl.Series(rng.random(open_flags.height) < 0.3)).select(
        "registration_id",
        due="next_review",
        on=pl.lit(NO_DAY),
        completed=pl.lit(False),
        soft_deleted=pl.lit(False),
    )
    return pl.concat([completed, pending], how="vertical_relaxed").sort(
        "registration_id", "due", "completed", maintain_order=True
    )
