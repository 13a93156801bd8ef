"""What each run records so that its trends are fair (issue 6, "Trends").

- **Active cases** per team at D: the denominators of "exceptions per 100 cases". A
  case counts under its person's current offender manager's team (CHECKS.md, Owner),
  and that team's provider; a person with no current offender manager counts under no
  team and no provider, like their exceptions (the unowned).
- **The configuration in force**: which checks ran and with which parameters and
  severity, with a fingerprint of it (SHA-256 of its canonical JSON), so that a change of
  rule or parameter shows on the charts instead of passing for an improvement.

Pure functions of the run's context and settings: auditor/store/trend_totals.py writes
what they return.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from checks.context import ENGINE, CheckContext

CASES_SCHEMA: dict[str, pl.DataType] = {
    "team_code": pl.String(),
    "provider_code": pl.String(),
    "active_persons": pl.Int64(),
    "active_events": pl.Int64(),
}


@dataclass(frozen=True)
class ConfigInForce:
    fingerprint: str  # 64 hex digits
    description: str  # canonical JSON: check -> enabled, severity and parameters


def active_cases(context: CheckContext) -> pl.DataFrame:
    """Active persons and active events per team and provider at D (CASES_SCHEMA)."""
    owners = context.offender_managers.select("crn", "team_code", "provider_code")
    events = context.active_events.select("crn", "event_id").join(owners, on="crn", how="left")
    grouped = events.group_by("team_code", "provider_code").agg(
        active_persons=pl.col("crn").n_unique(), active_events=pl.col("event_id").n_unique()
    )
    frame = grouped.collect(engine=ENGINE)
    typed = frame.select(list(CASES_SCHEMA)).cast(CASES_SCHEMA)  # type: ignore[arg-type]
    return typed.sort("team_code", nulls_last=True)


def config_in_force(check_settings: Mapping[str, Mapping[str, Any]]) -> ConfigInForce:
    """Every registered check with its enabled flag, severity and effective parameters
    (defaults filled in), and its fingerprint."""
    from checks.registry import REGISTRY, build_check

    described: dict[str, Any] = {}
    for name in sorted(REGISTRY):
        values = dict(check_settings.get(name, {}))
        check = build_check(name, values)
        described[name] = {
            "enabled": bool(values.get("enabled", True)),
            "severity": values.get("severity", "rule"),
            "parameters": _plain(dataclasses.asdict(check)),
        }
    text = json.dumps(described, sort_keys=True, separators=(",", ":"), default=str)
    return ConfigInForce(hashlib.sha256(text.encode()).hexdigest(), text)


def changed_checks(before: str | None, after: str | None) -> list[str]:
    """The checks whose settings differ between two descriptions (all when one is
    missing)."""
    old = json.loads(before) if before else {}
    new = json.loads(after) if after else {}
    return sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: list(v) if isinstance(v, tuple) else v for key, v in sorted(values.items())}
