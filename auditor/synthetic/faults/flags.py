"""Faults in flag upkeep: flag_review_overdue, flag_from_previous_order,
mappa_flag_missing and mappa_flag_incomplete.

A review fault changes only review dates and reviews of flags registered in the
current period (or of types that persist), so the previous-order rule never sees it; a
previous-order fault keeps the flag's next review date ahead of D. Flags left active
from an earlier order are only of types no other rule reads (wellbeing), or belong to
inactive persons, whom no other rule looks at.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.allocations import active_flag
from auditor.synthetic.dates import add_months
from auditor.synthetic.facts import NO_DAY, QUALIFYING
from auditor.synthetic.faults.injection import Form, Injection, among, of, persons_of, set_where
from auditor.synthetic.faults.rosh import current_flags, flags_missing


def _reviewable(ctx: Injection) -> pl.DataFrame:
    """Active flags of active persons with a review period, not carried over from an
    earlier period, one per person (the first)."""
    facts = ctx.active_persons().select("pid", "period_start")
    flags = ctx.caseload.flags.filter(
        active_flag(ctx.d)
        & pl.col("role").is_in(["current", "persisting"])
        & (pl.col("months") > 0)
    ).join(facts, on="pid", maintain_order="left")
    flags = flags.filter(
        (pl.col("reg") >= pl.col("period_start")) | (pl.col("role") == "persisting")
    )
    last_due = add_months(
        flags["anchor"].to_numpy(), flags["done"].to_numpy() * flags["months"].to_numpy()
    )
    flags = flags.with_columns(last_due=pl.Series(last_due))
    return (
        flags.sort("pid", "registration_id", maintain_order=True)
        .group_by("pid", maintain_order=True)
        .first()
    )


def flag_review_overdue(ctx: Injection) -> None:
    flags = _reviewable(ctx)
    missed = flags.filter((pl.col("done") > 0) & (pl.col("last_due") < ctx.d))
    forms = [
        Form("last review not done", 0.4, persons_of(missed)),
        Form("no next review date", 0.2, persons_of(flags)),
        Form(
            "review overdue for three months",
            0.25,
            persons_of(flags.filter(pl.col("reg") < ctx.d - 90)),
        ),
        Form(
            "next review date was yesterday",
            0.15,
            persons_of(flags.filter(pl.col("reg") < ctx.d - 1)),
        ),
    ]
    frame = ctx.caseload.flags
    reviews = ctx.caseload.reviews
    for form, chosen in ctx.plan("flag_review_overdue", forms).items():
        picked = flags.filter(of(chosen))
        rows = among("registration_id", picked["registration_id"])
        if form.startswith("last review"):
            due = picked.select("registration_id", "last_due")
            reviews = reviews.join(due, on="registration_id", how="left", maintain_order="left")
            reviews = reviews.filter(
                ~(
                    pl.col("last_due").is_not_null()
                    & ((pl.col("due") >= pl.col("last_due")) | ~pl.col("completed"))
                )
            )
            reviews = reviews.drop("last_due")
            frame = frame.join(due, on="registration_id", how="left", maintain_order="left")
            frame = set_where(frame, rows, next_review=pl.col("last_due")).drop("last_due")
        else:
            day = {"no": NO_DAY, "review": ctx.d - 90, "next": ctx.d - 1}[form.split()[0]]
            frame = set_where(frame, rows, next_review=pl.lit(day))
        ctx.record(
            "flag_review_overdue",
            picked["pid"],
            picked["registration_id"],
            f"flag_review_overdue: {form}",
        )
    ctx.update(flags=frame, reviews=reviews)


PREVIOUS_ORDER_FORMS = {
    "flag left active after the order ended": ("ended", 0.25),
    "deregistration date recorded but flag not deregistered": ("ended", 0.1),
    "deregistration dated after the as-of date": ("ended", 0.1),
    "flag from an earlier order not reviewed this period": ("carried", 0.25),
    "review of the earlier flag left incomplete": ("carried", 0.1),
    "earlier flag reviewed the day before the period began": ("carried", 0.1),
    "self-harm flag of an earlier order never deregistered": ("left_on", 0.1),
}


def flag_from_previous_order(ctx: Injection) -> None:
    pools = _previous_order_pools(ctx)
    forms = [
        Form(name, share, persons_of(pools[pool]))
        for name, (pool, share) in PREVIOUS_ORDER_FORMS.items()
    ]
    for form, chosen in ctx.plan("flag_from_previous_order", forms).items():
        pool = pools[PREVIOUS_ORDER_FORMS[form][0]].filter(of(chosen))
        picked = pool.sort("pid", "registration_id", maintain_order=True)
        picked = picked.group_by("pid", maintain_order=True).first()
        _keep_previous_flag(ctx, form, picked)
        description = f"flag_from_previous_order: {form}"
        ctx.record(
            "flag_from_previous_order", picked["pid"], picked["registration_id"], description
        )


def _previous_order_pools(ctx: Injection) -> dict[str, pl.DataFrame]:
    """Deregistered flags of inactive persons; carried-over flags; deregistered
    self-harm flags of an earlier period of an active person."""
    flags = ctx.caseload.flags
    facts = ctx.caseload.facts
    inactive = facts.filter((pl.col("kind") == "inactive") & ~pl.col("soft_deleted"))["pid"]
    earlier = pl.col("role") == "earlier"
    ended = flags.filter(
        among("pid", inactive) & earlier & pl.col("deregistered") & ~pl.col("undated")
    )
    active = ctx.active_persons().select("pid", "period_start")
    carried = flags.filter(pl.col("role") == "carried").join(active, on="pid", how="semi")
    left_on = flags.filter(earlier & (pl.col("register_type_code") == "ALSH")).join(
        active, on="pid"
    )
    left_on = left_on.filter(pl.col("reg") < pl.col("period_start")).drop("period_start")
    return {"ended": ended, "carried": carried, "left_on": left_on}


def _keep_previous_flag(ctx: Injection, form: str, picked: pl.DataFrame) -> None:
    flags = ctx.caseload.flags
    reviews = ctx.caseload.reviews
    rows = among("registration_id", picked["registration_id"])
    if form.startswith("flag left active"):
        flags = set_where(flags, rows, deregistered=False, dereg=pl.lit(NO_DAY))
    elif form.startswith("deregistration date recorded"):
        flags = set_where(flags, rows, deregistered=False)
    elif form.startswith("deregistration dated after"):
        flags = set_where(flags, rows, dereg=pl.lit(ctx.d + 10))
    elif form.startswith("self-harm"):
        flags = set_where(
            flags, rows, deregistered=False, dereg=pl.lit(NO_DAY), next_review=pl.lit(ctx.d + 40)
        )
    else:
        reviews = _undo_period_reviews(ctx, reviews, picked, form)
    ctx.update(flags=flags, reviews=reviews)


def _undo_period_reviews(
    ctx: Injection, reviews: pl.DataFrame, picked: pl.DataFrame, form: str
) -> pl.DataFrame:
    period = ctx.caseload.facts.select("pid", "period_start")
    starts = picked.join(period, on="pid", maintain_order="left").select(
        "registration_id", "period_start"
    )
    reviews = reviews.join(starts, on="registration_id", how="left", maintain_order="left")
    in_period = pl.col("completed") & (pl.col("on") >= pl.col("period_start")).fill_null(False)
    if form.startswith("review of the earlier flag"):
        reviews = set_where(reviews, in_period, completed=False)
    elif form.endswith("the day before the period began"):
        first = in_period & (
            pl.col("on") == pl.col("on").filter(in_period).min().over("registration_id")
        )
        reviews = reviews.with_columns(first=first, later=in_period & ~first)
        reviews = set_where(reviews, pl.col("first"), on=pl.col("period_start") - 1)
        reviews = reviews.filter(~pl.col("later")).drop("first", "later")
    else:
        reviews = reviews.filter(~in_period)
    return reviews.drop("period_start")


def mappa_flag_missing(ctx: Injection) -> None:
    eligible = ctx.active_persons().filter(
        pl.col("qualifying_event") | pl.col("registered_sex_offender")
    )
    mapp = current_flags(ctx, ["MAPP"]).filter(among("pid", eligible["pid"]))
    twelve = ctx.caseload.events.filter(pl.col("is_active") & (pl.col("custodial_months") == 12))
    by_twelve = eligible.filter(~pl.col("registered_sex_offender") & among("pid", twelve["pid"]))
    longer = ctx.caseload.events.filter(
        pl.col("is_active") & QUALIFYING & (pl.col("custodial_months") > 12)
    )
    by_twelve = by_twelve.filter(~among("pid", longer["pid"]))
    flags_missing(
        ctx,
        "mappa_flag_missing",
        "MAPP flag",
        mapp,
        "deregistered (custodial term exactly 12 months)",
        np.intersect1d(persons_of(mapp), by_twelve["pid"].to_numpy()),
    )


INCOMPLETE: dict[str, dict[str, str | None]] = {
    "level M0 (not managed)": {"register_level_code": "M0"},
    "no MAPPA level": {"register_level_code": None},
    "a risk level in place of the MAPPA level": {"register_level_code": "RSKH"},
    "nominal category X9": {"register_category_code": "X9"},
    "no MAPPA category": {"register_category_code": None},
    "neither level nor category": {"register_level_code": None, "register_category_code": None},
}


def mappa_flag_incomplete(ctx: Injection) -> None:
    mapp = current_flags(ctx, ["MAPP"])
    pids = persons_of(mapp)
    forms = [Form(name, 1 / len(INCOMPLETE), pids) for name in INCOMPLETE]
    frame = ctx.caseload.flags
    for form, chosen in ctx.plan("mappa_flag_incomplete", forms).items():
        picked = mapp.filter(of(chosen))
        frame = set_where(
            frame, among("registration_id", picked["registration_id"]), **INCOMPLETE[form]
        )
        ctx.record(
            "mappa_flag_incomplete",
            picked["pid"],
            picked["registration_id"],
            f"mappa_flag_incomplete: {form}",
        )
    ctx.update(flags=frame)
