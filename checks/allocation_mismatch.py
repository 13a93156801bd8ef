"""allocation_mismatch: an event allocated to a CRC that meets an NPS criterion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, no_due_date, sentenced_event

if TYPE_CHECKING:
    from checks.context import CheckContext

NPS_ROSH_FLAGS = ("RHRH", "RVHR")


@dataclass(frozen=True)
class AllocationMismatch(Check):
    """An active event allocated to a CRC whose case meets an NPS criterion at D.

    An event's decision is that of its case allocation whose decision exists at D (non-null
    ``allocation_decision``, decision_date null or ≤ D) with the greatest decision_date (a
    null date ranks below every date), ties to the greatest case_allocation_id. Raise for an
    active event whose decision is ``CRC`` while any of these holds, listing every one that
    does: that allocation's ``rsr_score > rsr_threshold``; the person has an active ``RHRH``
    or ``RVHR`` flag; the person has an active ``MAPP`` flag or is MAPPA eligible;
    ``deportation_eligible`` is true.

    The report, para 2.7: "If the RSR score is greater than 6.89% the case should be
    automatically allocated to the NPS." Para 2.9: "The final stage of the CAS identifies
    which agency the case should be allocated to from the RSR score, risk of serious harm
    level, MAPPA status, public interest, and whether sentence has been deferred. Another
    factor that would indicate a need to allocate the case to the NPS is deportation status".
    Para 2.12: "Some cases had been wrongly allocated to a CRC because the MAPPA eligibility
    had not been recognised." Para 2.45 (risk escalation): cases are escalated to the NPS
    "because risk of serious harm was thought to have increased". Glossary, NPS: it manages
    "Those presenting a high or very high risk of serious harm. Those managed under MAPPA
    arrangements. Those with an RSR score over 6.89%. Those eligible for deportation."

    Ambiguity: the rule checks the conditions as they stand at D, not at the decision date
    (a risk that rose after allocation raises too: the case should be escalated). The RSR
    condition reads only the score of the deciding allocation, and only when that score
    exists at D (rsr_assessor_date null or ≤ D).
    """

    rsr_threshold: float = 6.89

    name: ClassVar[str] = "allocation_mismatch"
    title: ClassVar[str] = "Allocated to a CRC but meets an NPS criterion"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "high"
    paragraphs: ClassVar[tuple[str, ...]] = (
        "para 2.7",
        "para 2.9",
        "para 2.12",
        "para 2.45",
        "glossary (NPS)",
    )

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        crc = decisions(ctx).filter(pl.col("allocation_decision") == "CRC")
        cases = (
            ctx.active_events.join(crc, on="event_id", how="inner")
            .join(_nps_rosh_flags(ctx), on="crn", how="left")
            .join(_mappa_flags(ctx), on="crn", how="left")
            .join(ctx.mappa, on="crn", how="left")
            .join(ctx.offenders.select("crn", "deportation_eligible"), on="crn", how="left")
            .filter(pl.any_horizontal(c.fill_null(False) for c, _ in self._conditions()))
            .with_columns(criteria=self._criteria())
        )
        return findings(
            cases,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.lit("high"),
            reason=_reason(),
            due_date=no_due_date(),
        )

    def _conditions(self) -> list[tuple[pl.Expr, pl.Expr]]:
        """Each NPS criterion: when it holds, and how the reason words it."""
        threshold = f"{self.rsr_threshold:g}"
        above = pl.col("rsr_score").cast(pl.Float64) > self.rsr_threshold
        return [
            (above, pl.format("RSR score {} above {}", pl.col("rsr_score"), pl.lit(threshold))),
            (
                pl.col("rosh_flags").is_not_null(),
                pl.format(
                    "active High/Very High RoSH flag ({})",
                    pl.col("rosh_flags").list.sort().list.join(", "),
                ),
            ),
            (pl.col("mapp_flags").is_not_null(), pl.lit("active MAPP flag")),
            (
                pl.col("mappa_criterion").is_not_null(),
                pl.format("MAPPA eligible: {}", "mappa_criterion"),
            ),
            (pl.col("deportation_eligible"), pl.lit("eligible for deportation")),
        ]

    def _criteria(self) -> pl.Expr:
        """The NPS criteria that hold, as a list of texts."""
        texts = [_when(condition, text) for condition, text in self._conditions()]
        return pl.concat_list(texts).list.drop_nulls()


def decisions(ctx: CheckContext) -> pl.LazyFrame:
    """Per event, the deciding case allocation at D: among those whose decision exists,
    the greatest decision_date (null lowest), ties to the greatest case_allocation_id."""
    return (
        ctx.case_allocations.filter(pl.col("allocation_decision").is_not_null())
        .sort("event_id", "decision_date", "case_allocation_id", nulls_last=False)
        .group_by("event_id", maintain_order=True)
        .last()
        .select(
            "event_id", "case_allocation_id", "allocation_decision", "decision_date", "rsr_score"
        )
    )


def _nps_rosh_flags(ctx: CheckContext) -> pl.LazyFrame:
    """crn -> the codes of the person's active RHRH / RVHR flags, a list (worded only for
    the events that raise)."""
    return (
        ctx.flags_of_type(*NPS_ROSH_FLAGS)
        .group_by("crn")
        .agg(rosh_flags=pl.col("register_type_code").unique())
    )


def _mappa_flags(ctx: CheckContext) -> pl.LazyFrame:
    return ctx.persons_with(ctx.flags_of_type("MAPP")).with_columns(mapp_flags=pl.lit(True))


def _when(condition: pl.Expr, text: pl.Expr) -> pl.Expr:
    return pl.when(condition.fill_null(False)).then(text)


def _reason() -> pl.Expr:
    decided = pl.coalesce(fmt_date(pl.col("decision_date")), pl.lit("undated"))
    return pl.format(
        "Event {} allocated to the CRC (case allocation {}, decided {})"
        " but: {}; reallocate or escalate to the NPS",
        sentenced_event(),
        pl.col("case_allocation_id"),
        decided,
        pl.col("criteria").list.join("; "),
    )
