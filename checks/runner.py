"""Run every enabled check over one context and gather the exceptions with their owners.

A check that raises is recorded as errored and the others go on: the store must know
which checks ran, since a check that was disabled or errored never resolves anything.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from checks.base import EXCEPTION_SCHEMA, Check
from checks.context import ENGINE, CheckContext
from checks.registry import REGISTRY, build_check

Status = Literal["ok", "disabled", "error"]


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    status: Status
    count: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass(frozen=True)
class CheckRun:
    """The result of one pass of the checks."""

    as_of: Any
    exceptions: pl.DataFrame  # EXCEPTION_SCHEMA, sorted by check, crn, subject
    outcomes: dict[str, CheckOutcome]
    checks: dict[str, Check] = field(repr=False)
    context: CheckContext = field(repr=False)

    def scope(self, name: str) -> pl.LazyFrame:
        """crn, subject of every record the check examined on this run."""
        return self.checks[name].scope(self.context)

    @property
    def succeeded(self) -> list[str]:
        return [n for n, o in self.outcomes.items() if o.status == "ok"]


def configured_checks(
    check_settings: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, Check], dict[str, str]]:
    """Instances of the enabled checks, and the severity override of each ('rule' = none)."""
    enabled: dict[str, Check] = {}
    severities: dict[str, str] = {}
    for name in REGISTRY:
        values = dict(check_settings.get(name, {}))
        if not values.get("enabled", True):
            continue
        enabled[name] = build_check(name, values)
        severities[name] = values.get("severity", "rule")
    return enabled, severities


def run_checks(
    ctx: CheckContext,
    check_settings: Mapping[str, Mapping[str, Any]],
    progress: Callable[[str], None] | None = None,
) -> CheckRun:
    """Run every enabled check; exceptions carry their owner (CHECKS.md, Owner)."""
    checks, severities = configured_checks(check_settings)
    outcomes = {n: CheckOutcome(n, "disabled") for n in REGISTRY if n not in checks}
    frames = []
    for name, check in checks.items():
        if progress:
            progress(name)
        started = time.perf_counter()
        try:
            found = _run_one(check, ctx, severities[name])
        except Exception as exc:  # a broken check must not stop the others
            detail = "".join(traceback.format_exception_only(exc)).strip()
            outcomes[name] = CheckOutcome(name, "error", error=detail)
            continue
        outcomes[name] = CheckOutcome(name, "ok", found.height, time.perf_counter() - started)
        frames.append(found)
    exceptions = _with_owners(frames, ctx)
    ordered = {n: outcomes[n] for n in REGISTRY}
    return CheckRun(ctx.as_of, exceptions, ordered, checks, ctx)


def _run_one(check: Check, ctx: CheckContext, severity: str) -> pl.DataFrame:
    frame = check.run(ctx).with_columns(check=pl.lit(check.name))
    if severity != "rule":
        frame = frame.with_columns(severity=pl.lit(severity))
    found = frame.collect(engine=ENGINE)
    duplicates = found.height - found.select("crn", "subject").n_unique()
    if duplicates:
        raise ValueError(f"{check.name} returned {duplicates} duplicate (crn, subject) rows")
    return found


def _with_owners(frames: list[pl.DataFrame], ctx: CheckContext) -> pl.DataFrame:
    empty = pl.DataFrame(schema={k: v for k, v in EXCEPTION_SCHEMA.items()})
    found = (
        pl.concat(frames, how="diagonal")
        if frames
        else empty.drop("staff_code", "team_code", "spo_staff_code")
    )
    return (
        found.lazy()
        .join(ctx.owners, on="crn", how="left")
        .select([pl.col(c).cast(t) for c, t in EXCEPTION_SCHEMA.items()])
        .sort("check", "crn", "subject")
        .collect()
    )
