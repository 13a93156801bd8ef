"""The trends' totals, written by each successful run in its own transaction.

- ``team_run_totals``: per team, its active cases at D (auditor/trends_recording.py)
  and its exceptions after the run, summed over the checks of check_counts. A team with
  cases and no exception has a row of zeros; a team with exceptions and no case (its
  cases moved away, say) has a row with no cases.
- ``provider_run_totals``: the team rows summed per provider.
- ``provider_check_totals``: check_counts summed per provider and check, the provider
  of each team being the one of this run's cases, else of the run's teams table.
- ``runs.config_fingerprint`` and ``config_description``: the configuration in force.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, Table, update

from auditor.store.bulk import insert_frame
from auditor.store.models import ProviderCheckTotal, ProviderRunTotal, Run, TeamRunTotal
from auditor.trends_recording import CASES_SCHEMA, ConfigInForce

TEAM_TOTALS: Table = TeamRunTotal.__table__  # type: ignore[assignment]
PROVIDER_TOTALS: Table = ProviderCheckTotal.__table__  # type: ignore[assignment]
PROVIDER_RUNS: Table = ProviderRunTotal.__table__  # type: ignore[assignment]
TALLIES = ("open", "new", "reopened", "resolved")


def write_trend_totals(
    connection: Connection,
    run_id: int,
    cases: pl.DataFrame,
    counts: pl.DataFrame,
    teams: pl.DataFrame,
    config: ConfigInForce | None,
) -> None:
    """Write one run's totals. ``cases``: CASES_SCHEMA; ``counts``: the run's
    check_counts (check, team_code and the tallies); ``teams``: team_code,
    provider_code of the run's extract."""
    providers = _provider_of_teams(cases, teams)
    per_team = team_totals(cases, counts, providers)
    insert_frame(connection, TEAM_TOTALS, per_team, run_id=run_id)
    insert_frame(connection, PROVIDER_RUNS, provider_run_totals(per_team), run_id=run_id)
    insert_frame(connection, PROVIDER_TOTALS, provider_totals(counts, providers), run_id=run_id)
    if config is not None:
        values = {
            "config_fingerprint": config.fingerprint,
            "config_description": config.description,
        }
        connection.execute(update(Run).where(Run.id == run_id).values(values))


def team_totals(cases: pl.DataFrame, counts: pl.DataFrame, providers: pl.DataFrame) -> pl.DataFrame:
    """One row per team with cases or exceptions: its cases and summed tallies."""
    summed = counts.group_by("team_code").agg(pl.col(c).sum().cast(pl.Int64) for c in TALLIES)
    joined = cases.drop("provider_code").join(
        summed, on="team_code", how="full", coalesce=True, nulls_equal=True
    )
    return (
        joined.join(providers, on="team_code", how="left", nulls_equal=True)
        .with_columns(pl.col(c).fill_null(0) for c in TALLIES)
        .select("team_code", "provider_code", "active_persons", "active_events", *TALLIES)
        .sort("team_code", nulls_last=True)
    )


def provider_run_totals(per_team: pl.DataFrame) -> pl.DataFrame:
    """team_totals summed per provider (the cases stay null where no team had them)."""
    cases = [pl.col(c).sum().cast(pl.Int64).alias(c) for c in ("active_persons", "active_events")]
    recorded = pl.col("active_persons").is_not_null().any().alias("recorded")
    summed = per_team.group_by("provider_code").agg(
        *cases, recorded, *[pl.col(c).sum().cast(pl.Int64) for c in TALLIES]
    )
    unrecorded = [pl.when(pl.col("recorded")).then(pl.col(c)).alias(c)
                  for c in ("active_persons", "active_events")]  # fmt: skip
    return summed.with_columns(unrecorded).drop("recorded").sort("provider_code", nulls_last=True)


def provider_totals(counts: pl.DataFrame, providers: pl.DataFrame) -> pl.DataFrame:
    """check_counts summed per provider and check."""
    return (
        counts.join(providers, on="team_code", how="left", nulls_equal=True)
        .group_by("provider_code", "check")
        .agg(pl.col(c).sum().cast(pl.Int64) for c in TALLIES)
        .sort("provider_code", "check", nulls_last=True)
    )


def _provider_of_teams(cases: pl.DataFrame, teams: pl.DataFrame) -> pl.DataFrame:
    """team_code -> provider_code: as the cases have it, else the teams table; none for
    the unowned (no team)."""
    schema = {name: CASES_SCHEMA[name] for name in ("team_code", "provider_code")}
    listed = teams.select("team_code", "provider_code").cast(schema)  # type: ignore[arg-type]
    owned = cases.filter(pl.col("team_code").is_not_null(), pl.col("provider_code").is_not_null())
    from_cases = owned.select("team_code", "provider_code")
    return pl.concat([from_cases, listed]).unique("team_code", keep="first", maintain_order=True)
