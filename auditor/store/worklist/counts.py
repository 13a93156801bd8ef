"""How many rows each filter value of the worklist would give, with the other filters as
they are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    String,
    func,
    null,
    select,
    type_coerce,
    union_all,
)

from auditor.store.directory import PERSONS, TEAMS
from auditor.store.scope import (
    EXCEPTIONS,
    Scope,
    visible_owned,
    visible_unowned,
)
from auditor.store.worklist.filters import (
    FACETS,
    E,
    Filters,
    base_filter,
    facet_filters,
    is_sqlite,
    owner_parts,
)


@dataclass(frozen=True)
class Counts:
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def counts(connection: Connection, scope: Scope, filters: Filters, as_of: dt.date) -> Counts:
    """How many rows each filter value would give, with the other filters as they are.

    Two grouped queries, each read from one index alone (auditor/store/models.py): the
    rows of every team (and of the unowned, by their person's provider) that pass the
    check, severity, status and triage filters, for the provider and team counts; and
    the rows of each check, severity, status and triage that pass the provider and team
    filters, for the others. Each facet's other filters are then applied in polars."""
    sqlite = is_sqlite(connection)
    base = base_filter(filters, as_of, sqlite)
    by_team = [base, *facet_filters(filters, only=_NOT_OWNERS, steer=sqlite)]
    nobody = type_coerce(null(), String()).label("unowned_provider")
    grouped_teams = [
        select(E.team_code, nobody, func.count().label("n"))
        .where(E.team_code.is_not(None), visible_owned(scope), *by_team)
        .group_by(E.team_code)
    ]
    unowned = visible_unowned(scope)
    if unowned is not None:
        person = PERSONS.alias("person")
        grouped_teams.append(
            select(
                E.team_code,
                person.c.provider_code.label("unowned_provider"),
                func.count().label("n"),
            )  # fmt: skip
            .select_from(EXCEPTIONS.outerjoin(person, person.c.crn == E.crn))
            .where(E.team_code.is_(None), unowned, *by_team)
            .group_by(E.team_code, person.c.provider_code)
        )
    team_rows = connection.execute(union_all(*grouped_teams)).all()
    columns = (E.check, E.severity, E.status, E.triage, E.dispute_state)
    by_check = [base, *facet_filters(filters, only=("team",))]
    grouped_checks = [
        select(*columns, func.count().label("n")).where(*owner, *by_check).group_by(*columns)
        for owner in owner_parts(scope, filters, providers=True)
    ]
    check_rows = connection.execute(union_all(*grouped_checks)).all()
    teams = connection.execute(select(TEAMS.c.team_code, TEAMS.c.provider_code)).all()
    grouped = {"team": _by_team(team_rows, teams), "check": _by_check(check_rows)}
    facets = {name: _facet_counts(grouped[_FACET_QUERY[name]], filters, name) for name in FACETS}
    total = int(_selected(grouped["team"], filters, exclude=None)["n"].sum())
    return Counts(total, facets)


_NOT_OWNERS = ("check", "severity", "status", "triage")


_FACET_QUERY = {"provider": "team", "team": "team", "status": "check", "triage": "check",
                "check": "check", "severity": "check"}  # fmt: skip


def _by_team(rows: Sequence[Any], teams: Sequence[Any]) -> pl.DataFrame:
    schema = {"team": pl.String(), "unowned_provider": pl.String(), "n": pl.Int64()}
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    providers = pl.DataFrame([tuple(t) for t in teams], orient="row",
                             schema={"team": pl.String, "team_provider": pl.String})  # fmt: skip
    return frame.join(providers, on="team", how="left").with_columns(
        provider=pl.coalesce("team_provider", "unowned_provider")
    )


def _by_check(rows: Sequence[Any]) -> pl.DataFrame:
    schema = dict.fromkeys(("check", "severity", "status", "triage", "dispute_state"),
                           pl.String()) | {"n": pl.Int64()}  # fmt: skip
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    return frame.with_columns(triage=_triage_view())


def _triage_view() -> pl.Expr:
    """TRIAGE_VIEW, in polars."""
    upheld = (pl.col("triage") == "disputed") & (pl.col("dispute_state") == "approved")
    return pl.when(upheld).then(pl.lit("false_positive")).otherwise("triage")


def _selected(grouped: pl.DataFrame, filters: Filters, exclude: str | None) -> pl.DataFrame:
    """The groups the facets' filters choose (those whose columns the frame has: the
    others were applied in SQL)."""
    for name in FACETS:
        chosen = filters.facet(name)
        if name != exclude and chosen and name in grouped.columns:
            grouped = grouped.filter(pl.col(name).is_in(chosen))
    return grouped


def _facet_counts(grouped: pl.DataFrame, filters: Filters, name: str) -> dict[str, int]:
    summed = _selected(grouped, filters, exclude=name).group_by(name).agg(pl.col("n").sum())
    return {value or "": int(n) for value, n in summed.sort(name).iter_rows()}
