"""rosh_flag_missing: an assessed risk of serious harm with no RoSH flag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, no_due_date, person_subject
from checks.context import CheckContext


@dataclass(frozen=True)
class RoshFlagMissing(Check):
    """Raise an active person assessed at a RoSH level who has no active RoSH flag.

    Raise for an active person whose latest completed assessment with a RoSH screening or
    full analysis records a RoSH level, and who has no active RoSH flag (a flag of group
    ROSH). Severity is high when that level is H or V, else medium.

    Para 2.33: "Many of the flags on individual cases are not current, referring to a previous
    period of supervision and should have been removed." Case example: "In another case,
    warning flags were not completed which could have had serious implications."

    Recommendation 27: "... the risk of serious harm flags on nDelius are only used when
    backed up by either a Risk of Serious Harm screening ... or a full Offender Assessment
    System risk assessment ..."

    Ambiguity: the population examined (scope) is the active persons whose latest screening
    or full analysis records a RoSH level; having no RoSH flag is the failing condition. A
    person whose latest assessment no longer records a level leaves the scope.
    Ambiguity: the rule names no due date, so due_date is null.
    """

    name: ClassVar[str] = "rosh_flag_missing"
    title: ClassVar[str] = "RoSH level assessed but no RoSH flag"
    grain: ClassVar[Grain] = "person"
    severity_rule: ClassVar[str] = "high when the level is H or V, else medium"
    paragraphs: ClassVar[tuple[str, ...]] = ("para 2.33",)

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active persons whose latest RoSH screening or full analysis records a level."""
        return _assessed(ctx).select("crn", subject=person_subject())

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        flagged = ctx.persons_with(ctx.flags_of_group("ROSH"))
        raised = _assessed(ctx).join(flagged, on="crn", how="anti")
        return findings(
            raised,
            subject=person_subject(),
            severity=pl.when(pl.col("rosh_level").is_in(["H", "V"]))
            .then(pl.lit("high"))
            .otherwise(pl.lit("medium")),
            reason=pl.format(
                "RoSH assessed as {} ({} assessment {}, {}) but no active RoSH flag",
                pl.col("rosh_level"),
                pl.col("assessment_type"),
                pl.col("assessment_id"),
                fmt_date(pl.col("assessment_date")),
            ),
            due_date=no_due_date(),
        )


def _assessed(ctx: CheckContext) -> pl.LazyFrame:
    """Active persons with their latest screening or full analysis, where it has a level."""
    return (
        ctx.latest_assessment("rosh_screening_or_full")
        .filter(pl.col("rosh_level").is_not_null())
        .join(ctx.active_persons, on="crn", how="semi")
    )
