"""management_oversight_overdue: a Very High or High RoSH or child protection case has not
had its periodic management oversight."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, person_subject

if TYPE_CHECKING:
    from checks.context import CheckContext


@dataclass(frozen=True)
class ManagementOversightOverdue(Check):
    """For an active person with an active RVHR flag (every ``very_high_months``) or an active
    RHRH or RCPR flag (every ``high_or_child_protection_months``), the shortest interval that
    applies wins. B is the later of the latest MANAGEMENT_OVERSIGHT contact's date and the
    earliest registration_date among the active flags carrying the winning interval. Raise
    when ``D > B + interval`` (calendar months, clamped to the month's end).

    Report, para 4.12: "Management oversight of cases is very important. [...] In only 1 out
    of 12 cases (high or very high risk of serious harm or where there were concerns about
    protecting children) was there evidence of effective management oversight, which was
    worrying given the nature of most of the cases supervised by the NPS."
    Para 4.14: "in Carlisle, a system of management oversight [...] called Management
    Oversight Plans (MOPS) was in place. [...] Very high risk of serious harm cases were
    reviewed by the SPO once a month in supervision with the offender manager. High risk of
    serious harm and/or child protection cases were reviewed by the SPO every four months.
    [...] then created an entry on nDelius about the review."
    Recommendation 61: "NPS deputy directors should ensure that managers provide effective
    management oversight of cases."

    Ambiguity: the oversight contact is the person's, whatever its event_id; only contacts
    that happened (contact_date ≤ D) and were recorded by D count, and one dated before the
    earliest flag carrying the winning interval leaves B at that flag's registration_date.
    The due date is B + interval.
    """

    very_high_months: int = 1  # active RVHR flag
    high_or_child_protection_months: int = 4  # active RHRH or RCPR flag

    name: ClassVar[str] = "management_oversight_overdue"
    title: ClassVar[str] = "Management oversight overdue"
    grain: ClassVar[Grain] = "person"
    severity_rule: ClassVar[str] = "high"
    paragraphs: ClassVar[tuple[str, ...]] = ("recommendation 61", "para 4.12", "para 4.14")

    @property
    def intervals(self) -> dict[str, int]:
        """Flag type code -> months between oversights."""
        return {
            "RVHR": self.very_high_months,
            "RHRH": self.high_or_child_protection_months,
            "RCPR": self.high_or_child_protection_months,
        }

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active persons with an active RVHR, RHRH or RCPR flag."""
        return self._oversight_flags(ctx).select("crn", subject=person_subject()).unique()

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        cases = self._winning_interval(ctx).join(_last_oversight(ctx), on="crn", how="left")
        since = pl.max_horizontal("flagged_from", "last_oversight")
        due = since.dt.offset_by(pl.format("{}mo", pl.col("interval")))
        overdue = cases.with_columns(due_date=due).filter(ctx.d > pl.col("due_date"))
        return findings(
            overdue,
            subject=person_subject(),
            severity=pl.lit("high"),
            reason=_reason(),
        )

    def _oversight_flags(self, ctx: CheckContext) -> pl.LazyFrame:
        return (
            ctx.flags_of_type(*self.intervals)
            .join(ctx.active_persons, on="crn", how="semi")
            .with_columns(
                interval=pl.col("register_type_code").replace_strict(
                    self.intervals, return_dtype=pl.Int64
                )
            )
        )

    def _winning_interval(self, ctx: CheckContext) -> pl.LazyFrame:
        """Per crn: the shortest interval, the codes of the flags carrying it (a list) and
        the earliest registration_date among them."""
        flags = self._oversight_flags(ctx)
        winning = flags.filter(pl.col("interval") == pl.col("interval").min().over("crn"))
        return winning.group_by("crn").agg(
            interval=pl.col("interval").first(),
            flagged_from=pl.col("registration_date").min(),
            codes=pl.col("register_type_code").unique(),
        )


def _last_oversight(ctx: CheckContext) -> pl.LazyFrame:
    """crn -> the date of the latest MANAGEMENT_OVERSIGHT contact that has happened."""
    return (
        ctx.contacts_of("MANAGEMENT_OVERSIGHT")
        .group_by("crn")
        .agg(last_oversight=pl.col("contact_date").max())
    )


def _reason() -> pl.Expr:
    last = (
        pl.when(pl.col("last_oversight").is_null())
        .then(pl.lit("none recorded"))
        .otherwise(fmt_date(pl.col("last_oversight")))
    )
    return pl.format(
        "management oversight every {} month(s) for {} flag(s) since {}: last oversight {}; "
        "due by {}",
        pl.col("interval"),
        pl.col("codes").list.sort().list.join(", "),
        fmt_date(pl.col("flagged_from")),
        last,
        fmt_date(pl.col("due_date")),
    )
