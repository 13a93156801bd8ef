"""What every check shares: the exception frame's fixed shape and the Check base class.

A check is a frozen dataclass whose fields are its parameters (with CHECKS.md's
defaults) and whose ``run(ctx)`` returns a LazyFrame of exceptions with the columns
``crn, subject, severity, reason, due_date``. It reads nothing but the context: no
clock, no files, no database (STYLE.md rule 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

import polars as pl

if TYPE_CHECKING:
    from checks.context import CheckContext

Grain = Literal["person", "event", "registration", "contact"]
SEVERITIES = ("high", "medium", "low")

# What a check's run() returns.
FINDING_SCHEMA: dict[str, pl.DataType] = {
    "crn": pl.String(),
    "subject": pl.String(),
    "severity": pl.String(),
    "reason": pl.String(),
    "due_date": pl.Date(),
}

# An exception as stored and sent: the finding, its check, and its owner.
EXCEPTION_SCHEMA: dict[str, pl.DataType] = {
    "check": pl.String(),
    **FINDING_SCHEMA,
    "staff_code": pl.String(),
    "team_code": pl.String(),
    "spo_staff_code": pl.String(),
}

IDENTITY = ("check", "crn", "subject")


@dataclass(frozen=True)
class Check:
    """Base of every check. Subclasses set the class attributes and implement run()."""

    name: ClassVar[str]
    title: ClassVar[str]
    grain: ClassVar[Grain]
    severity_rule: ClassVar[str]  # CHECKS.md's severity sentence, for the catalogue
    paragraphs: ClassVar[tuple[str, ...]]  # report recommendations / paragraphs

    def run(self, ctx: CheckContext) -> pl.LazyFrame:
        raise NotImplementedError

    def scope(self, ctx: CheckContext) -> pl.LazyFrame:
        """The records this check examined at D (columns crn, subject): the population
        its rule iterates over, before the failing condition. An open exception whose
        record is outside the scope is not resolved by its absence from run() (the
        store marks it out of scope instead). Checks whose population is narrower than
        their grain's default override this."""
        if self.grain == "person":
            return ctx.active_persons.select("crn", subject=person_subject())
        if self.grain == "event":
            return ctx.active_events.select("crn", subject=pl.col("event_id").cast(pl.String))
        if self.grain == "registration":
            return ctx.active_flags.select("crn", subject=pl.col("registration_id").cast(pl.String))
        raise NotImplementedError(f"{self.name} must define its scope")


def findings(frame: pl.LazyFrame, **columns: pl.Expr) -> pl.LazyFrame:
    """Shape a check's result: select the five finding columns with their types.

    ``columns`` gives expressions for any of crn/subject/severity/reason/due_date that
    are not already columns of ``frame`` under that name.
    """
    exprs = []
    for name, dtype in FINDING_SCHEMA.items():
        expr = columns.get(name, pl.col(name))
        exprs.append(expr.cast(dtype).alias(name))
    return frame.select(exprs)


def no_due_date() -> pl.Expr:
    return pl.lit(None, dtype=pl.Date)


def person_subject() -> pl.Expr:
    """The subject of a person-grain exception: the empty string."""
    return pl.lit("")


def fmt_date(expr: pl.Expr) -> pl.Expr:
    """A date as text for a reason, e.g. 2026-11-25."""
    return expr.dt.strftime("%Y-%m-%d")


def sentenced_event() -> pl.Expr:
    """An event as a reason names it: its number, disposal and sentence date, e.g.
    "2 (CO sentenced 2026-10-01)"."""
    return pl.format(
        "{} ({} sentenced {})",
        pl.col("event_number"),
        pl.col("disposal_type_code"),
        fmt_date(pl.col("sentence_date")),
    )
