"""mappa_flag_incomplete: a MAPPA flag without a valid level or category."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, no_due_date
from checks.context import CheckContext

MAPPA_LEVELS = ("M1", "M2", "M3")
MAPPA_CATEGORIES = ("M1", "M2", "M3", "M4")


@dataclass(frozen=True)
class MappaFlagIncomplete(Check):
    """Raise each active MAPP flag of an active person with a bad level or category.

    Raise for an active MAPP flag of an active person whose register_level_code is not one of
    M1, M2, M3, or whose register_category_code is not one of M1–M4 (a null is neither).

    Recommendation 25: "The National Offender Management Service should produce a list of
    national definitions for nDelius flags and all staff in the National Probation Service and
    Community Rehabilitation Companies should ensure that their cases are updated in line with
    that list. (para 2.10, 2.33)"

    Para 2.33: "There are numerous nDelius flags for various issues; Risk of Serious Harm and
    Child Protection/Safeguarding tend to be widely used; other flags, such as MAPPA,
    Self-harm, and Domestic Abuse, less so."

    The rule names no due date, so due_date is null.
    """

    name: ClassVar[str] = "mappa_flag_incomplete"
    title: ClassVar[str] = "MAPPA flag without a level or category"
    grain: ClassVar[Grain] = "registration"
    severity_rule: ClassVar[str] = "medium"
    paragraphs: ClassVar[tuple[str, ...]] = ("Recommendation 25",)

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active MAPP flags of active persons."""
        return _mappa_flags(ctx).select("crn", subject=pl.col("registration_id").cast(pl.String))

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        bad_level = ~pl.col("register_level_code").is_in(MAPPA_LEVELS).fill_null(False)
        bad_category = ~pl.col("register_category_code").is_in(MAPPA_CATEGORIES).fill_null(False)
        problems = pl.concat_list(
            pl.when(bad_level).then(_described("level", "register_level_code", MAPPA_LEVELS)),
            pl.when(bad_category).then(
                _described("category", "register_category_code", MAPPA_CATEGORIES)
            ),
        ).list.drop_nulls()
        raised = _mappa_flags(ctx).filter(bad_level | bad_category)
        return findings(
            raised,
            subject=pl.col("registration_id").cast(pl.String),
            severity=pl.lit("medium"),
            reason=pl.format(
                "MAPP flag registered {}: {}",
                fmt_date(pl.col("registration_date")),
                problems.list.join("; "),
            ),
            due_date=no_due_date(),
        )


def _mappa_flags(ctx: CheckContext) -> pl.LazyFrame:
    return ctx.flags_of_type("MAPP").join(ctx.active_persons, on="crn", how="semi")


def _described(what: str, column: str, allowed: tuple[str, ...]) -> pl.Expr:
    recorded = pl.format("is {}", pl.col(column)).fill_null(pl.lit("is not recorded"))
    return pl.format(
        "MAPPA {} {} (expected one of {})", pl.lit(what), recorded, pl.lit(", ".join(allowed))
    )
