"""What a stored run's digests are built from: its exceptions, from the store, and who is
who, from the extract (issue 4).

The store keeps each exception with its owner's staff, team and SPO codes, but not
people's names, email addresses or which provider a team belongs to. Those come from the
extract's staff, teams, providers, offenders and offender_managers tables
(``DIRECTORY_TABLES``, gathered in a ``Directory``): the audited tables right after a
run, or the configured extract read again for ``auditor notify --run ID`` (addresses as
they are now, which is what a resend wants). Pure: frames in, a DigestInput out.

Decisions, as an SPO reading the email would expect them:

- **Which exceptions**: the open ones, failing on the latest run that ran their check.
  Not those whose check did not run (``unconfirmed``) or whose record was not examined
  (``record_missing``): nothing is known of them today. Of the open ones, an exception is
  left out while it is **snoozed** until the as-of date or later (someone said "not
  before then"; the worklist hides it too) or marked **done** (an administrator says it
  is fixed; the next run confirms it or brings it back with its triage cleared).
  Acknowledged and disputed exceptions stay: they still need a fix, or the SPO's ruling;
  once the SPO upholds a dispute (a false positive), it is left out too.
- **Resolved lately**: the exceptions resolved in the ``RESOLVED_WINDOW`` up to the
  as-of date; each recipient's email counts those after their own last email.
- **Provider**, which routes unowned exceptions to ``[notify.unowned]``: the provider of
  the exception's team; with no team (no current offender manager), the provider of the
  team of the person's latest offender manager; failing that, the extract's only
  provider when it has just one. Otherwise none, and the run summary reports those
  exceptions as reaching nobody.
- **Names**: the person's forename and surname from offenders (a row shows initials
  unless ``show_names``); staff names and addresses from staff. A soft-deleted row is
  ignored, and a key given twice (an extract read without validation) counts once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from auditor.config import NotifySettings
from checks.context import CheckContext
from notifiers.digest import (
    OPEN_COLUMNS,
    RESOLVED_COLUMNS,
    STAFF_COLUMNS,
    TEAM_COLUMNS,
    DigestInput,
)

DIRECTORY_TABLES = ("providers", "teams", "staff", "offenders", "offender_managers")
RESOLVED_WINDOW = dt.timedelta(days=60)
_KEYS = {
    "providers": "provider_code",
    "teams": "team_code",
    "staff": "staff_code",
    "offenders": "crn",
    "offender_managers": "offender_manager_id",
}


@dataclass(frozen=True)
class Directory:
    """Who is who and where: what the emails need and the store does not hold."""

    staff: pl.DataFrame  # STAFF_COLUMNS
    teams: pl.DataFrame  # TEAM_COLUMNS
    persons: pl.DataFrame  # crn, forename, surname, home_provider (latest team's provider)
    sole_provider: str | None  # the extract's provider, when it has exactly one


def build_directory(tables: Mapping[str, pl.LazyFrame]) -> Directory:
    """The directory from the DIRECTORY_TABLES, validated or straight from the extract."""
    visible = {name: _visible(tables[name], key) for name, key in _KEYS.items()}
    team_rows = visible["teams"].select(TEAM_COLUMNS)
    staff, teams, persons, providers = pl.collect_all(
        [
            visible["staff"].select(STAFF_COLUMNS),
            team_rows,
            _persons(visible["offenders"], visible["offender_managers"], team_rows),
            visible["providers"].select("provider_code"),
        ]
    )
    sole = providers.item() if providers.height == 1 else None
    return Directory(staff, teams, persons, sole)


def run_directory(context: CheckContext) -> Directory:
    """The directory from a run's audited tables (what the run itself saw)."""
    return build_directory(
        {
            "providers": context.providers,
            "teams": context.teams,
            "staff": context.staff,
            "offenders": context.offenders,
            "offender_managers": context.offender_manager_history,
        }
    )


def _visible(frame: pl.LazyFrame, key: str) -> pl.LazyFrame:
    return frame.filter(~pl.col("soft_deleted")).unique(key, keep="first", maintain_order=True)


def _persons(offenders: pl.LazyFrame, managers: pl.LazyFrame, teams: pl.LazyFrame) -> pl.LazyFrame:
    """Each person's names and home provider: that of their latest offender manager's team
    (the current one, or the last before the allocation ended)."""
    latest = (
        managers.sort("allocation_date", "offender_manager_id")
        .group_by("crn")
        .agg(pl.col("team_code").last())
        .join(teams.select("team_code", home_provider="provider_code"), on="team_code")
    )
    return offenders.select("crn", "forename", "surname").join(
        latest.select("crn", "home_provider"), on="crn", how="left"
    )


def digest_input(
    run_id: int,
    as_of: dt.date,
    settings: NotifySettings,
    open_exceptions: pl.DataFrame,
    resolved: pl.DataFrame,
    directory: Directory,
) -> DigestInput:
    """The digests' input for a run: ``open_exceptions`` are the store's open exceptions
    with their triage (repository.OPEN_SCHEMA), ``resolved`` those resolved lately
    (repository.RESOLVED_SCHEMA)."""
    names = directory.persons.select("crn", "forename", "surname")
    shown = open_exceptions.filter(_shown(as_of))
    return DigestInput(
        run_id=run_id,
        as_of=as_of,
        settings=settings,
        open_exceptions=_with_provider(shown, directory)
        .join(names, on="crn", how="left")
        .select(OPEN_COLUMNS),
        resolved=_with_provider(resolved, directory).select(RESOLVED_COLUMNS),
        staff=directory.staff,
        teams=directory.teams,
    )


def _shown(as_of: dt.date) -> pl.Expr:
    """False for an exception snoozed until as_of or later, marked done, or disputed
    with the dispute upheld by the SPO (a false positive)."""
    snoozed = (pl.col("triage") == "snoozed") & (pl.col("snoozed_until") >= as_of).fill_null(False)
    upheld = (pl.col("triage") == "disputed") & (pl.col("dispute_state") == "approved").fill_null(
        False
    )
    return ~snoozed & ~upheld & (pl.col("triage") != "done")


def _with_provider(frame: pl.DataFrame, directory: Directory) -> pl.DataFrame:
    teams = directory.teams.select("team_code", team_provider="provider_code")
    homes = directory.persons.select("crn", "home_provider")
    sole = pl.lit(directory.sole_provider, dtype=pl.String)
    return (
        frame.join(teams, on="team_code", how="left")
        .join(homes, on="crn", how="left")
        .with_columns(provider_code=pl.coalesce("team_provider", "home_provider", sole))
    )
