"""What a person may see, as SQL: every scope's exceptions are exactly those the rule
gives, worked out in Python over a world of known content (tests/web/stores.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from auditor.store.database import Store
from auditor.store.scope import EVERYTHING, EXCEPTIONS, Scope, visible
from tests.web.stores import SPOS, STRAY_TEAM, World, build_world, visible_ids


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store, seed=7, size=500)


def seen(store: Store, scope: Scope) -> set[int]:
    with store.reading() as connection:
        return set(connection.scalars(select(EXCEPTIONS.c.id).where(visible(scope))))


def unowned(world: World, provider: str | None) -> set[int]:
    """The exceptions with no team whose person's provider is this one."""
    rows = [r for r in world.rows if r["team_code"] is None]
    return {r["id"] for r in rows if world.person_provider.get(r["crn"]) == provider}


def providers(*codes: str) -> Scope:
    return Scope(providers=frozenset(codes))


def teams(*codes: str) -> Scope:
    return Scope(teams=frozenset(codes))


SCOPES = [
    EVERYTHING,
    Scope(),
    providers("N01"),
    providers("N02", "N03"),
    providers("N09"),  # a provider with no teams
    teams("N01T01"),
    teams("N01T04", "N03T02"),
    teams(STRAY_TEAM),  # a team the directory does not know, named outright
    teams("N99T99"),
    Scope(spo="N01S001"),
    Scope(spo="N02S001"),  # teams in two providers
    Scope(spo="N09S009"),  # manages nothing
    Scope(providers=frozenset({"N01"}), teams=frozenset({"N02T01"})),
    Scope(providers=frozenset({"N03"}), spo="N01S002"),
]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.describe())
def test_a_scope_sees_exactly_its_exceptions(store: Store, world: World, scope: Scope) -> None:
    assert seen(store, scope) == visible_ids(world, scope)


def test_the_world_has_every_case_the_rules_distinguish(world: World) -> None:
    """Unowned exceptions of persons of each provider, of a person with no provider and
    of one not in the directory; exceptions of a team the directory does not know."""
    unowned = [row for row in world.rows if row["team_code"] is None]
    assert {world.person_provider.get(row["crn"], "absent") for row in unowned} >= {
        "N01", "N02", "N03", None, "absent",
    }  # fmt: skip
    assert any(row["team_code"] == STRAY_TEAM for row in world.rows)
    assert {row["team_code"] for row in world.rows} >= set(SPOS)


def test_a_provider_sees_its_teams_and_its_unowned_persons_only(store: Store, world: World) -> None:
    found = {world.by_id(i)["id"]: world.by_id(i) for i in seen(store, providers("N01"))}

    assert found, "the world has exceptions for N01"
    for row in found.values():
        if row["team_code"] is None:
            assert world.person_provider.get(row["crn"]) == "N01"
        else:
            assert row["team_code"].startswith("N01T")
    unowned_n01 = unowned(world, "N01")
    assert unowned_n01 and unowned_n01 <= set(found)


def test_unowned_exceptions_of_persons_without_a_provider_are_seen_only_by_everything(
    store: Store, world: World
) -> None:
    orphans = unowned(world, None)
    everyone_else = providers("N01", "N02", "N03")

    assert orphans and orphans <= seen(store, EVERYTHING)
    assert not orphans & seen(store, everyone_else)


def test_an_spo_sees_the_teams_the_directory_says_they_manage(store: Store, world: World) -> None:
    teams_seen = {world.by_id(i)["team_code"] for i in seen(store, Scope(spo="N02S001"))}

    assert teams_seen == {"N02T01", "N02T02", "N03T01"}


def test_nothing_is_seen_by_an_empty_scope(store: Store, world: World) -> None:
    assert seen(store, Scope()) == set()
    assert seen(store, EVERYTHING) == world.ids


@pytest.mark.parametrize(
    ("scope", "words"),
    [
        (EVERYTHING, "all providers"),
        (Scope(), "nothing"),
        (Scope(providers=frozenset({"N02", "N01"})), "providers N01, N02"),
        (Scope(teams=frozenset({"N01T01"}), spo="N01S001"),
         "teams N01T01; the teams of SPO N01S001"),
    ],
)  # fmt: skip
def test_a_scope_describes_itself(scope: Scope, words: str) -> None:
    assert scope.describe() == words
