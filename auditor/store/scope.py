"""What a person may see: the exceptions of their teams or providers, as a SQL clause.

Every read and write of the worklist goes through ``visible(scope)``, so scoping lives
in the query layer and nowhere else: an exception outside a user's scope is, to them,
an exception that does not exist.

- ``everything``: every exception (an admin or senior manager for all providers).
- ``providers``: the exceptions of those providers' teams, and the unowned ones (no
  team) of persons whose provider is one of them (auditor/store/directory.py).
- ``teams``: the exceptions of those teams.
- ``spo``: the exceptions of the teams whose SPO is this staff code (as of the latest
  run's teams table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    false,
    literal,
    or_,
    select,
    true,
    union_all,
)

from auditor.store.directory import PERSONS, TEAMS
from auditor.store.models import StoredException

EXCEPTIONS: Table = StoredException.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    providers: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    spo: str | None = None

    def describe(self) -> str:
        if self.everything:
            return "all providers"
        parts = []
        if self.providers:
            parts.append("providers " + ", ".join(sorted(self.providers)))
        if self.teams:
            parts.append("teams " + ", ".join(sorted(self.teams)))
        if self.spo:
            parts.append(f"the teams of SPO {self.spo}")
        return "; ".join(parts) or "nothing"


EVERYTHING = Scope(everything=True)


def visible(scope: Scope) -> ColumnElement[bool]:
    """The exceptions (EXCEPTIONS) this scope may see."""
    if scope.everything:
        return true()
    team = EXCEPTIONS.c.team_code
    clauses: list[ColumnElement[bool]] = []
    if scope.teams:
        clauses.append(team.in_(sorted(scope.teams)))
    if scope.spo:
        managed = select(TEAMS.c.team_code).where(TEAMS.c.spo_staff_code == scope.spo)
        clauses.append(team.in_(managed.scalar_subquery()))
    if scope.providers:
        clauses.append(of_providers(scope.providers))
    return or_(*clauses) if clauses else false()


def visible_teams(scope: Scope) -> ColumnElement[bool]:
    """The directory teams (TEAMS) whose exceptions this scope sees: the team-level half
    of ``visible`` (a row of a team sees it through the team's code, its SPO or its
    provider, all of which are the team's own row)."""
    if scope.everything:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if scope.teams:
        clauses.append(TEAMS.c.team_code.in_(sorted(scope.teams)))
    if scope.spo:
        clauses.append(TEAMS.c.spo_staff_code == scope.spo)
    if scope.providers:
        clauses.append(TEAMS.c.provider_code.in_(sorted(scope.providers)))
    return or_(*clauses) if clauses else false()


def visible_owned(scope: Scope) -> ColumnElement[bool]:
    """``visible`` for the exceptions that have a team, in the form an index on the
    team code serves: one list of teams, and one subquery of the directory's."""
    if scope.everything:
        return true()
    team = EXCEPTIONS.c.team_code
    named = sorted(scope.teams)
    if not (scope.spo or scope.providers):
        return team.in_(named) if named else false()
    directory = visible_teams(Scope(providers=scope.providers, spo=scope.spo))
    teams: Any = select(TEAMS.c.team_code).where(directory)
    if named:  # one list, not an OR of two
        teams = union_all(teams, *(select(literal(t, String())) for t in named))
    return team.in_(teams.scalar_subquery())


def visible_unowned(scope: Scope) -> ColumnElement[bool] | None:
    """``visible`` for the exceptions with no team (those of the persons of the scope's
    providers); None when the scope sees none of them."""
    if scope.everything:
        return true()
    if not scope.providers:
        return None
    return unowned_of_providers(scope.providers)


def owned_of_providers(providers: frozenset[str] | set[str]) -> ColumnElement[bool]:
    """``of_providers`` for the exceptions that have a team."""
    teams = select(TEAMS.c.team_code).where(TEAMS.c.provider_code.in_(sorted(providers)))
    return EXCEPTIONS.c.team_code.in_(teams.scalar_subquery())


def unowned_of_providers(providers: frozenset[str] | set[str]) -> ColumnElement[bool]:
    """``of_providers`` for the exceptions with no team."""
    persons = select(PERSONS.c.crn).where(PERSONS.c.provider_code.in_(sorted(providers)))
    return EXCEPTIONS.c.crn.in_(persons.scalar_subquery())


def of_providers(providers: frozenset[str] | set[str]) -> ColumnElement[bool]:
    """The exceptions of these providers: their teams', and their unowned persons'."""
    codes = sorted(providers)
    teams = select(TEAMS.c.team_code).where(TEAMS.c.provider_code.in_(codes))
    persons = select(PERSONS.c.crn).where(PERSONS.c.provider_code.in_(codes))
    team = EXCEPTIONS.c.team_code
    return or_(
        team.in_(teams.scalar_subquery()),
        and_(team.is_(None), EXCEPTIONS.c.crn.in_(persons.scalar_subquery())),
    )
