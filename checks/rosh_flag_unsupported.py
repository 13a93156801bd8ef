"""rosh_flag_unsupported: a RoSH flag that no assessment backs up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from checks.base import Check, Grain, findings, fmt_date, no_due_date
from checks.context import AssessmentPurpose, CheckContext

SUPPORT_COLUMNS = ("assessment_id", "assessment_date", "assessed_level")


@dataclass(frozen=True)
class RoshFlagUnsupported(Check):
    """Raise each active RoSH flag of an active person that no assessment supports.

    For each active RoSH flag of an active person, with flag level F (from its type code), the
    supporting assessment is the latest completed assessment with a RoSH screening or a full
    RoSH analysis when F = L, and the latest completed one with a full RoSH analysis when F is
    M, H or V. The flag is raised when there is no supporting assessment, when it is older
    than ``max_age_months`` (assessment_date < D − 12 months, calendar months clamped to the
    month's end), when its RoSH level is recorded and differs from F, and — on every one of
    them — when the person has more than one active RoSH flag. One exception per flag; its
    reasons are joined with "; ".

    Recommendation 27: "All National Probation Service and Community Rehabilitation Company
    staff should ensure that the risk of serious harm flags on nDelius are only used when
    backed up by either a Risk of Serious Harm screening (if it raises no issues, this can
    justify a low risk assessment) or a full Offender Assessment System risk assessment for
    medium, high, and very high risk of serious harm cases."

    Para 2.18: "In many areas we saw statements in short format reports such as “risk of
    serious harm to others is assessed as medium” without the statement being underpinned by
    any written assessment of that risk level. Often this led to a ‘risk’ flag being entered
    on nDelius, which was highly misleading."

    Para 2.33: "Many of the flags on individual cases are not current, referring to a previous
    period of supervision and should have been removed."

    Ambiguity: a register type of group ROSH whose code is none of RLRH, RMRH, RHRH, RVHR has
    no level F. It is still a RoSH flag (it counts towards "more than one"); not being L, it
    needs a full RoSH analysis; a recorded assessment level cannot be said to differ from an
    unknown F, so that reason is not raised; its severity is medium (not H or V).
    Ambiguity: the rule names no due date, so due_date is null.
    """

    max_age_months: int = 12

    name: ClassVar[str] = "rosh_flag_unsupported"
    title: ClassVar[str] = "RoSH flag not backed by a RoSH screening or full analysis"
    grain: ClassVar[Grain] = "registration"
    severity_rule: ClassVar[str] = "high for H and V flags, medium for L and M"
    paragraphs: ClassVar[tuple[str, ...]] = ("Recommendation 27", "para 2.18", "para 2.33")

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """Active RoSH flags of active persons."""
        return _rosh_flags(ctx).select("crn", subject=pl.col("registration_id").cast(pl.String))

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        rosh_flags = _rosh_flags(ctx)
        flags = _with_support(ctx, rosh_flags).join(_several(rosh_flags), on="crn", how="left")
        cutoff = ctx.d.dt.offset_by(f"-{self.max_age_months}mo")
        failing = (
            pl.col("assessment_id").is_null()
            | (pl.col("assessment_date") < cutoff)
            | _differs()
            | pl.col("flag_count").is_not_null()
        )
        reasons = pl.concat_list(
            _no_support(),
            self._too_old(cutoff),
            _level_differs(),
            _more_than_one(),
        ).list.drop_nulls()
        # reasons are worded only for the flags that fail (few, at national scale)
        raised = flags.filter(failing).with_columns(reasons=reasons)
        return findings(
            raised,
            subject=pl.col("registration_id").cast(pl.String),
            severity=pl.when(pl.col("flag_level").is_in(["H", "V"]))
            .then(pl.lit("high"))
            .otherwise(pl.lit("medium")),
            reason=pl.col("reasons").list.join("; "),
            due_date=no_due_date(),
        )

    def _too_old(self, cutoff: pl.Expr) -> pl.Expr:
        return pl.when(pl.col("assessment_date") < cutoff).then(
            pl.format(
                "{} {} ({}) behind the {} flag is more than {} months old (before {})",
                _support_name(),
                pl.col("assessment_id"),
                fmt_date(pl.col("assessment_date")),
                pl.col("register_type_code"),
                pl.lit(self.max_age_months),
                fmt_date(cutoff),
            )
        )


def _rosh_flags(ctx: CheckContext) -> pl.LazyFrame:
    """Active RoSH flags of active persons, with their level F as flag_level."""
    return (
        ctx.flags_of_group("ROSH")
        .join(ctx.active_persons, on="crn", how="semi")
        .rename({"rosh_level": "flag_level"})
    )


def _with_support(ctx: CheckContext, flags: pl.LazyFrame) -> pl.LazyFrame:
    """Each flag with its supporting assessment: a screening or full analysis for L, a
    full analysis otherwise (null columns when there is none)."""
    screening = _latest(ctx, "rosh_screening_or_full", "screening")
    full = _latest(ctx, "full_rosh_analysis", "full")
    low = pl.col("flag_level") == "L"
    support = [
        pl.when(low).then(pl.col(f"screening_{c}")).otherwise(pl.col(f"full_{c}")).alias(c)
        for c in SUPPORT_COLUMNS
    ]
    return (
        flags.join(screening, on="crn", how="left")
        .join(full, on="crn", how="left")
        .with_columns(support)
    )


def _latest(ctx: CheckContext, purpose: AssessmentPurpose, prefix: str) -> pl.LazyFrame:
    return ctx.latest_assessment(purpose).select(
        "crn",
        pl.col("assessment_id").alias(f"{prefix}_assessment_id"),
        pl.col("assessment_date").alias(f"{prefix}_assessment_date"),
        pl.col("rosh_level").alias(f"{prefix}_assessed_level"),
    )


def _support_name() -> pl.Expr:
    return (
        pl.when(pl.col("flag_level") == "L")
        .then(pl.lit("latest RoSH screening, assessment"))
        .otherwise(pl.lit("latest full RoSH analysis, assessment"))
    )


def _no_support() -> pl.Expr:
    missing = (
        pl.when(pl.col("flag_level") == "L")
        .then(pl.lit("no RoSH screening"))
        .otherwise(pl.lit("no full RoSH analysis"))
    )
    return pl.when(pl.col("assessment_id").is_null()).then(
        pl.format(
            "{} behind the {} flag registered {}",
            missing,
            pl.col("register_type_code"),
            fmt_date(pl.col("registration_date")),
        )
    )


def _differs() -> pl.Expr:
    """The supporting assessment's level is recorded and is not the flag's."""
    recorded = pl.col("assessed_level").is_not_null()
    return (recorded & (pl.col("assessed_level") != pl.col("flag_level"))).fill_null(False)


def _level_differs() -> pl.Expr:
    return pl.when(_differs()).then(
        pl.format(
            "{} {} ({}) assessed RoSH as {}, but the {} flag says {}",
            _support_name(),
            pl.col("assessment_id"),
            fmt_date(pl.col("assessment_date")),
            pl.col("assessed_level"),
            pl.col("register_type_code"),
            pl.col("flag_level"),
        )
    )


def _several(flags: pl.LazyFrame) -> pl.LazyFrame:
    """Persons with more than one of the flags: how many, and their type codes (sorted and
    joined only for those few persons)."""
    return (
        flags.group_by("crn")
        .agg(flag_count=pl.len(), flag_codes=pl.col("register_type_code"))
        .filter(pl.col("flag_count") > 1)
        .with_columns(pl.col("flag_codes").list.sort().list.join(", "))
    )


def _more_than_one() -> pl.Expr:
    return pl.when(pl.col("flag_count").is_not_null()).then(
        pl.format("the person has {} active RoSH flags ({})", "flag_count", "flag_codes")
    )
