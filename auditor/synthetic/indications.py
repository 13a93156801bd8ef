"""What each active event and person needs, from the flags and risk of the clean caseload.

The generator uses these to create the records every rule asks for, and the fault
injectors use them to know exactly which exceptions a removed record will cause.
"""

from __future__ import annotations

import polars as pl

from auditor.synthetic.allocations import active_flag
from auditor.synthetic.world import World

HOME_VISIT_DISPOSALS = ["CO", "SSO", "LIC"]
OVERSIGHT_MONTHS = {"RVHR": 1, "RHRH": 4, "RCPR": 4}
SAFE_OVERSIGHT_GAP = {1: 27, 4: 115}  # days after which x + k months is surely ≥ D


def person_flags(world: World, flags: pl.DataFrame) -> pl.DataFrame:
    """Per person with active flags: safeguarding, domestic abuse, high RoSH, and the
    management-oversight interval (months) with the earliest registration carrying it."""
    active = flags.filter(active_flag(world.d)).with_columns(
        months=pl.col("register_type_code").replace_strict(
            OVERSIGHT_MONTHS, default=None, return_dtype=pl.Int64
        )
    )
    groups = pl.col("register_type_code")
    per_person = active.group_by("pid").agg(
        safeguarding=groups.is_in(["RCPR", "RCCO", "RCHD"]).any(),
        domestic_abuse_flag=groups.is_in(["ADVP", "REG30"]).any(),
        high_rosh=groups.is_in(["RHRH", "RVHR"]).any(),
        oversight_months=pl.col("months").min(),
    )
    since = (
        active.join(per_person.select("pid", "oversight_months"), on="pid")
        .filter(pl.col("months") == pl.col("oversight_months"))
        .group_by("pid")
        .agg(oversight_since=pl.col("reg").min())
    )
    return per_person.join(since, on="pid", how="left").sort("pid", maintain_order=True)


def event_needs(
    events: pl.DataFrame, facts: pl.DataFrame, per_person: pl.DataFrame
) -> pl.DataFrame:
    """Per event: police check, children's services check and home visit indications."""
    person = facts.select("pid", "child_protection_concern").join(per_person, on="pid", how="left")
    frame = events.join(person, on="pid", how="left", maintain_order="left")
    police = pl.col("domestic_abuse") | pl.col("domestic_abuse_flag").fill_null(False)
    return frame.select(
        "event_id",
        police=police,
        children=police
        | pl.col("safeguarding").fill_null(False)
        | (pl.col("child_protection_concern") == "YES"),
        home_visit=pl.col("disposal_type_code").is_in(HOME_VISIT_DISPOSALS)
        & (
            pl.col("domestic_abuse")
            | (pl.col("offence_category") == "SEXUAL")
            | pl.col("safeguarding").fill_null(False)
            | pl.col("high_rosh").fill_null(False)
        ),
    )
