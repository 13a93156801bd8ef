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

from sqlalchemy import ColumnElement, Table, and_, false, or_, select, true

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
