"""documents_missing: an active event whose required documents are not uploaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, sentenced_event

if TYPE_CHECKING:
    from checks.context import CheckContext

# rule name -> (document type it requires, when the event requires it)
RULES: dict[str, tuple[str, pl.Expr]] = {
    "case_allocation": ("CASE_ALLOCATION", pl.lit(True)),
    "court_report": ("COURT_REPORT", pl.col("court_report_type").is_in(["CJF", "CJS"])),
    "oral_report_notes": ("ORAL_REPORT_NOTES", pl.col("court_report_type") == "CJO"),
    "rsr_calculation": ("RSR_CALCULATION", pl.col("rsr_scored")),
}


@dataclass(frozen=True)
class DocumentsMissing(Check):
    """An active event missing one or more of its required documents.

    For an active event with ``sentence_date ≥ required_from`` and
    ``D > wd(sentence_date, within_working_days)``, each enabled rule names a document type
    the event requires:

    - ``case_allocation``: ``CASE_ALLOCATION`` (the CAS form), always;
    - ``court_report``: ``COURT_REPORT`` when court_report_type is ``CJF`` or ``CJS``;
    - ``oral_report_notes``: ``ORAL_REPORT_NOTES`` when court_report_type is ``CJO``;
    - ``rsr_calculation``: ``RSR_CALCULATION`` when a case allocation of the event has a
      non-null rsr_score (one that exists at D).

    A requirement is met by a document of that type recorded by D whose event_id is the
    event, or whose event_id is null, of the same person, created on or after sentence_date.
    Raise once per event, the reason listing every missing type in the order of ``rules``.

    The report, recommendation 29: "administrative staff in court teams upload all documents
    onto nDelius and do not leave them on paper in files." Recommendation 35: "on allocation
    to CRCs, all information is provided about cases as listed in the relevant probation
    instruction." Para 2.27: "Some staff told us that they did not know where to find
    uploaded documents, including the CAS document." Para 2.28: "If a report had been
    presented to the court there was a copy of the written report or notes of the oral
    report in three-quarters of cases. In only half of the cases was the RSR score on
    nDelius."

    Ambiguity: "The list of rules is configurable" is read as the parameter ``rules``, the
    names of the enabled rules above (all four by default); a name not in that list is a
    configuration error. An addendum report (``PSA``) requires nothing.
    """

    within_working_days: int = 5
    required_from: date = date(2014, 6, 1)
    rules: tuple[str, ...] = tuple(RULES)

    name: ClassVar[str] = "documents_missing"
    title: ClassVar[str] = "Required documents not uploaded"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "medium"
    paragraphs: ClassVar[tuple[str, ...]] = (
        "recommendation 29",
        "recommendation 35",
        "para 2.27",
        "para 2.28",
    )

    def __post_init__(self) -> None:
        unknown = [rule for rule in self.rules if rule not in RULES]
        if unknown:
            known = ", ".join(RULES)
            raise ValueError(f"unknown documents_missing rules {unknown}; known rules: {known}")

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        missing = (
            _unmet(ctx, self._requirements(ctx))
            .sort("event_id", "rule_order")
            .group_by("event_id", maintain_order=True)
            .agg(
                pl.col(
                    "crn", "event_number", "disposal_type_code", "sentence_date", "due_date"
                ).first(),
                missing_types=pl.col("document_type").str.join(", "),
            )
        )
        return findings(
            missing,
            subject=pl.col("event_id").cast(pl.String),
            severity=pl.lit("medium"),
            reason=pl.format(
                "Documents not uploaded for event {}: {}; due by {}",
                sentenced_event(),
                pl.col("missing_types"),
                fmt_date(pl.col("due_date")),
            ),
        )

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active events sentenced on or after required_from whose time is up."""
        return self._events(ctx).select("crn", subject=pl.col("event_id").cast(pl.String))

    def _events(self, ctx: CheckContext) -> pl.LazyFrame:
        required_from = ctx.active_events.filter(pl.col("sentence_date") >= self.required_from)
        return ctx.overdue_events(self.within_working_days, required_from)

    def _requirements(self, ctx: CheckContext) -> pl.LazyFrame:
        """One row per (event, required document type) of the enabled rules."""
        scored = (
            ctx.case_allocations.filter(pl.col("rsr_score").is_not_null())
            .select("event_id", rsr_scored=pl.lit(True))
            .unique()
        )
        events = (
            self._events(ctx)
            .join(scored, on="event_id", how="left")
            .with_columns(pl.col("rsr_scored").fill_null(False))
            # computed once: the optimiser pushes each rule's filter into its own copy
            .cache()
        )
        return pl.concat(
            [
                events.filter(RULES[rule][1]).with_columns(
                    document_type=pl.lit(RULES[rule][0]), rule_order=pl.lit(order)
                )
                for order, rule in enumerate(dict.fromkeys(self.rules))
            ]
            or [events.clear().with_columns(document_type=pl.lit(""), rule_order=pl.lit(0))]
        )


def _unmet(ctx: CheckContext, required: pl.LazyFrame) -> pl.LazyFrame:
    """The requirements no document meets: none of that type for the event, and none of
    the person's with no event created on or after sentence."""
    documents = ctx.documents.select(
        "crn", "event_id", "document_type", created=pl.col("created_datetime").dt.date()
    )
    keys = ["event_id", "document_type"]
    not_of_event = required.join(
        documents.filter(pl.col("event_id").is_not_null()), on=keys, how="anti"
    )
    of_person = (
        not_of_event.join(
            documents.filter(pl.col("event_id").is_null()).drop("event_id"),
            on=["crn", "document_type"],
        )
        .filter(pl.col("created") >= pl.col("sentence_date"))
        .select(keys)
    )
    return not_of_event.join(of_person, on=keys, how="anti")
