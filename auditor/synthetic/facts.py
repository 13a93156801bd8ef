"""Per-person facts derived from the events, which every later part reads.

One row per person (in pid order): the period of supervision (P, first and last active
sentence dates), the events that matter to the flag rules (MAPPA-qualifying,
domestic-abuse, sexual, life licence) and the person's risk traits.
"""

from __future__ import annotations

import polars as pl

from auditor.synthetic.world import World

NO_DAY = -1  # work columns hold day numbers; -1 stands for null

QUALIFYING = (
    pl.col("offence_category").is_in(["VIOLENCE", "SEXUAL"])
    & pl.col("disposal_type_code").is_in(["SSO", "SC", "LIC"])
    & (pl.col("custodial_months") >= 12)
)


def active_persons(facts: pl.DataFrame) -> pl.DataFrame:
    """The facts of the persons with an order running at D."""
    return facts.filter(pl.col("is_active") & (pl.col("kind") == "active"))


def person_facts(world: World, persons: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    past = events.filter(pl.col("s") <= world.d)
    current = pl.col("is_active")
    per_person = past.group_by("pid").agg(
        period_start=pl.col("s").filter(pl.col("role").is_in(["current", "merged"])).min(),
        first_active=pl.col("s").filter(current).min(),
        last_active=pl.col("s").filter(current).max(),
        active_events=current.sum().cast(pl.Int64),
        has_merged=(pl.col("role") == "merged").any(),
        has_history=(pl.col("role") == "history").any(),
        last_end=pl.col("term").max(),
        qualifying_event=(current & QUALIFYING).any(),
        domestic_abuse_event=(current & pl.col("domestic_abuse")).any(),
        first_sexual=pl.col("s").filter(pl.col("offence_category") == "SEXUAL").min(),
        first_life=pl.col("s")
        .filter((pl.col("disposal_type_code") == "LIC") & pl.col("length_months").is_null())
        .min(),
    )
    facts = persons.join(per_person, on="pid", how="left", maintain_order="left")
    registered = pl.Series(world.rng("facts").random(persons.height) < 0.8)
    return facts.with_columns(
        registered_sex_offender=pl.col("first_sexual").is_not_null() & registered,
        is_active=pl.col("active_events").fill_null(0) > 0,
        child_concern=(pl.col("child_protection_concern") == "YES")
        | pl.col("rosh_children").is_in(["M", "H", "V"]),
        has_history=pl.col("has_history").fill_null(False),
        has_merged=pl.col("has_merged").fill_null(False),
        qualifying_event=pl.col("qualifying_event").fill_null(False),
        domestic_abuse_event=pl.col("domestic_abuse_event").fill_null(False),
    ).sort("pid", maintain_order=True)
