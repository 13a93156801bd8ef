"""Who is who, as of the latest run: teams and staff are replaced whole; persons with
exceptions are added or updated and the others kept; a person's provider is their
latest team's, or the extract's only provider."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from sqlalchemy import select

from auditor.store.database import Store
from auditor.store.directory import PERSONS, STAFF, TEAMS, write_directory
from notifiers.inputs import Directory

PROVIDERS = pl.DataFrame({"provider_code": ["N01", "N02"], "provider_name": ["North", "South"]})


def directory(
    teams: list[tuple[Any, ...]],
    staff: list[tuple[Any, ...]] = (),  # type: ignore[assignment]
    persons: list[tuple[Any, ...]] = (),  # type: ignore[assignment]
    sole: str | None = None,
) -> Directory:
    return Directory(
        staff=pl.DataFrame(list(staff), orient="row", schema=dict.fromkeys(
            ("staff_code", "forename", "surname", "email", "team_code"), pl.String)),
        teams=pl.DataFrame(teams, orient="row", schema=dict.fromkeys(
            ("team_code", "team_name", "provider_code", "spo_staff_code"), pl.String)),
        persons=pl.DataFrame(list(persons), orient="row", schema=dict.fromkeys(
            ("crn", "forename", "surname", "home_provider"), pl.String)),
        sole_provider=sole,
    )  # fmt: skip


def found(*crns: str) -> pl.DataFrame:
    return pl.DataFrame({"crn": list(crns)}, schema={"crn": pl.String})


def write(store: Store, written: Directory, *crns: str) -> None:
    with store.writing() as connection:
        write_directory(connection, written, PROVIDERS, found(*crns))


def table(store: Store, which: Any) -> list[tuple[Any, ...]]:
    with store.reading() as connection:
        return [tuple(r) for r in connection.execute(select(which).order_by(*which.primary_key))]


def test_teams_carry_their_providers_name_and_spo(store: Store) -> None:
    write(store, directory([("N01T01", "Leeds", "N01", "N01S001"), ("N02T01", None, "N02", None),
                            ("N09T01", "Nowhere", "N09", None)]))  # fmt: skip

    assert table(store, TEAMS) == [
        ("N01T01", "Leeds", "N01", "North", "N01S001"),
        ("N02T01", None, "N02", "South", None),
        ("N09T01", "Nowhere", "N09", None, None),  # a provider the extract does not name
    ]


def test_teams_and_staff_are_replaced_whole(store: Store) -> None:
    write(store, directory([("N01T01", "Leeds", "N01", None), ("N01T02", "York", "N01", None)],
                           staff=[("N01A001", "Olive", "Officer", None, "N01T01")]))  # fmt: skip

    write(store, directory([("N01T02", "York and Hull", "N01", "N01S001")],
                           staff=[("N01A002", "Ollie", "Other", "o@x", "N01T02")]))  # fmt: skip

    assert table(store, TEAMS) == [("N01T02", "York and Hull", "N01", "North", "N01S001")]
    assert table(store, STAFF) == [("N01A002", "Ollie", "Other", "o@x", "N01T02")]


def test_only_persons_with_exceptions_are_written(store: Store) -> None:
    persons = [
        ("X1", "Ann", "One", "N01"),
        ("X2", "Bob", "Two", "N02"),
        ("X3", "Cy", "Three", None),
    ]

    write(store, directory([], persons=persons), "X1", "X3", "X3", "X9")

    assert table(store, PERSONS) == [("X1", "Ann", "One", "N01"), ("X3", "Cy", "Three", None)]


@pytest.mark.parametrize(("sole", "provider"), [(None, None), ("N01", "N01")])
def test_a_person_with_no_team_has_the_extracts_only_provider(
    store: Store, sole: str | None, provider: str | None
) -> None:
    write(store, directory([], persons=[("X1", "Ann", "One", None), ("X2", "B", "T", "N02")],
                           sole=sole), "X1", "X2")  # fmt: skip

    assert table(store, PERSONS) == [("X1", "Ann", "One", provider), ("X2", "B", "T", "N02")]


def test_persons_are_updated_and_the_others_kept(store: Store) -> None:
    write(store, directory([], persons=[("X1", "Ann", "One", "N01"), ("X2", "Bob", "Two", "N01")]),
          "X1", "X2")  # fmt: skip

    later = [("X1", "Ann", "Smith", "N02"), ("X3", "Cy", "Three", None)]
    write(store, directory([], persons=later), "X1", "X3")

    assert table(store, PERSONS) == [
        ("X1", "Ann", "Smith", "N02"),  # moved provider and changed name
        ("X2", "Bob", "Two", "N01"),  # no exception this run: kept, for its initials
        ("X3", "Cy", "Three", None),
    ]


def test_writing_the_same_persons_again_changes_nothing(store: Store) -> None:
    persons = [("X1", "Ann", None, "N01"), ("X2", None, None, None)]
    write(store, directory([], persons=persons), "X1", "X2")
    before = table(store, PERSONS)

    write(store, directory([], persons=persons), "X1", "X2")

    assert table(store, PERSONS) == before == [("X1", "Ann", None, "N01"), ("X2", None, None, None)]
