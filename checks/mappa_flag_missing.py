"""mappa_flag_missing: a MAPPA-eligible person with no MAPPA flag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from checks.base import Check, Grain, findings, no_due_date, person_subject
from checks.context import CheckContext


@dataclass(frozen=True)
class MappaFlagMissing(Check):
    """Raise an active, MAPPA-eligible person who has no active MAPP flag.

    Raise for an active, MAPPA-eligible person (an active ARSO flag — category 1 — or an
    active VIOLENCE or SEXUAL event with disposal SSO, SC or LIC and custodial_months ≥ 12 —
    category 2) who has no active MAPP flag. The reason names the criterion.

    Recommendation 33: "National Probation Service senior managers should ensure that systems
    are in place to identify offenders eligible for Multi-Agency Public Protection
    Arrangements at the report writing stage and point of sentence. (para 2.12)"

    Para 2.12: "Some cases had been wrongly allocated to a CRC because the MAPPA eligibility
    had not been recognised. This is a particular problem where suspended sentences are
    imposed and the custodial part of the sentence is for 12 months, or more, for certain
    offences. ... Another scenario is where offenders are registered sex offenders for
    historical reasons but their current offences are not sexual or violent in nature."

    Ambiguity: the population examined (scope) is the active, MAPPA-eligible persons; having
    no active MAPP flag is the failing condition. The rule names no due date: due_date is null.
    """

    name: ClassVar[str] = "mappa_flag_missing"
    title: ClassVar[str] = "MAPPA-eligible person with no MAPPA flag"
    grain: ClassVar[Grain] = "person"
    severity_rule: ClassVar[str] = "high"
    paragraphs: ClassVar[tuple[str, ...]] = ("Recommendation 33", "para 2.12")

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active, MAPPA-eligible persons."""
        return ctx.mappa.select("crn", subject=person_subject())

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        flagged = ctx.persons_with(ctx.flags_of_type("MAPP"))
        raised = ctx.mappa.join(flagged, on="crn", how="anti")
        return findings(
            raised,
            subject=person_subject(),
            severity=pl.lit("high"),
            reason=pl.format(
                "MAPPA eligible as {} but no active MAPP flag", pl.col("mappa_criterion")
            ),
            due_date=no_due_date(),
        )
