"""Who is who, as of the latest run: the teams (with their provider and SPO), the staff,
and the persons who have exceptions, kept in the store for the worklist.

The exceptions carry only codes (staff, team, SPO). The worklist shows names, filters by
provider and scopes every read by team and provider, so each successful run writes
what its extract said, in the run's own transaction:

- ``directory_teams`` and ``directory_staff`` are replaced whole (a few thousand rows);
- ``directory_persons`` gains or updates the persons this run found exceptions for, and
  keeps the others (a resolved exception still shows its person's initials). A person's
  provider is that of their latest offender manager's team, or the extract's only
  provider when it has just one: it scopes their exceptions with no team (unowned).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, Table, delete, select

from auditor.store.bulk import insert_frame, read_frame
from auditor.store.models import DirectoryPerson, DirectoryStaff, DirectoryTeam

if TYPE_CHECKING:
    from notifiers.inputs import Directory

TEAMS: Table = DirectoryTeam.__table__  # type: ignore[assignment]
STAFF: Table = DirectoryStaff.__table__  # type: ignore[assignment]
PERSONS: Table = DirectoryPerson.__table__  # type: ignore[assignment]
PERSON_SCHEMA = dict.fromkeys(("crn", "forename", "surname", "provider_code"), pl.String())


def write_directory(
    connection: Connection, directory: Directory, providers: pl.DataFrame, found: pl.DataFrame
) -> None:
    """Replace the teams and staff; add or update the persons of ``found`` (a frame with
    a crn column). ``providers``: provider_code, provider_name."""
    teams = directory.teams.join(
        providers.select("provider_code", "provider_name"), on="provider_code", how="left"
    )
    for table, frame in ((TEAMS, teams), (STAFF, directory.staff)):
        connection.execute(delete(table))
        insert_frame(connection, table, frame)
    _write_persons(connection, _persons_of(directory, found))


def _persons_of(directory: Directory, found: pl.DataFrame) -> pl.DataFrame:
    sole = pl.lit(directory.sole_provider, dtype=pl.String)
    return (
        directory.persons.join(found.select("crn").unique(), on="crn", how="semi")
        .select("crn", "forename", "surname", provider_code=pl.coalesce("home_provider", sole))
        .cast(PERSON_SCHEMA)  # type: ignore[arg-type]
    )


def _write_persons(connection: Connection, persons: pl.DataFrame) -> None:
    """Insert the new persons and rewrite the changed ones; the rest cost nothing."""
    stored = read_frame(connection, select(*PERSONS.c), PERSON_SCHEMA)
    changed = persons.join(stored, on=list(PERSON_SCHEMA), how="anti", nulls_equal=True)
    if changed.is_empty():
        return
    moved = changed.join(stored.select("crn"), on="crn", how="semi")["crn"].to_list()
    for start in range(0, len(moved), 10_000):
        chunk = moved[start : start + 10_000]
        connection.execute(delete(PERSONS).where(PERSONS.c.crn.in_(chunk)))
    insert_frame(connection, PERSONS, changed)
