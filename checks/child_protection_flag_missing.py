"""child_protection_flag_missing: a risk to children assessed but not flagged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, no_due_date, person_subject
from checks.context import CheckContext

CHILDREN_RISK_LEVELS = ("M", "H", "V")


@dataclass(frozen=True)
class ChildProtectionFlagMissing(Check):
    """Raise an active person assessed as a risk to children with no safeguarding flag.

    Raise for an active person whose latest completed assessment with a RoSH screening or full
    analysis records child_protection_concern = 'YES' or rosh_children of M, H or V, and who
    has no active flag of group SAFEGUARDING.

    Para 2.33, case example: "In another case, warning flags were not completed which could
    have had serious implications. The case in question should have been flagged to warn of;
    potential risk to staff, mental health concerns, self-harm/suicide concerns and risk to
    children."

    Para 2.37: "In over half of all the cases we found that staff had rightly identified that
    there were child protection concerns, and in one-quarter there may have been child
    protection concerns which had not been adequately checked. ... Establishing whether there
    are child protection concerns is important work for probation staff; failing to do so is
    not defensible."

    Ambiguity: the population examined (scope) is the active persons whose latest screening or
    full analysis shows the concern; having no SAFEGUARDING flag is the failing condition.
    The rule names no due date, so due_date is null.
    """

    name: ClassVar[str] = "child_protection_flag_missing"
    title: ClassVar[str] = "Risk to children assessed but no safeguarding flag"
    grain: ClassVar[Grain] = "person"
    severity_rule: ClassVar[str] = "high"
    paragraphs: ClassVar[tuple[str, ...]] = ("para 2.33", "para 2.37")

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active persons whose latest screening or full analysis shows a child concern."""
        return self._concerned(ctx).select("crn", subject=person_subject())

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        flagged = ctx.persons_with(ctx.flags_of_group("SAFEGUARDING"))
        raised = self._concerned(ctx).join(flagged, on="crn", how="anti")
        return findings(
            raised,
            subject=person_subject(),
            severity=pl.lit("high"),
            reason=pl.format(
                "{} assessment {} ({}) records {} but no active safeguarding flag",
                pl.col("assessment_type"),
                pl.col("assessment_id"),
                fmt_date(pl.col("assessment_date")),
                self._findings().list.join(" and "),
            ),
            due_date=no_due_date(),
        )

    def _concern(self) -> tuple[pl.Expr, pl.Expr]:
        concern = (pl.col("child_protection_concern") == "YES").fill_null(False)
        risk = pl.col("rosh_children").is_in(CHILDREN_RISK_LEVELS).fill_null(False)
        return concern, risk

    def _concerned(self, ctx: CheckContext) -> pl.LazyFrame:
        concern, risk = self._concern()
        return (
            ctx.latest_assessment("rosh_screening_or_full")
            .filter(concern | risk)
            .join(ctx.active_persons, on="crn", how="semi")
        )

    def _findings(self) -> pl.Expr:
        concern, risk = self._concern()
        return pl.concat_list(
            pl.when(concern).then(pl.lit("a child protection concern")),
            pl.when(risk).then(pl.format("RoSH to children {}", pl.col("rosh_children"))),
        ).list.drop_nulls()
