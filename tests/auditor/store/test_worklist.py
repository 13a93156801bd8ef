"""The worklist's reads: every filter gives the rows its rule gives, each count beside a
filter is that of the other filters, every sort is a total order whose keyset pages
cover every row once, and what the rows show (days open, days overdue) is right.

The right answers are worked out in Python over the rows written
(tests/web/stores.py), never by the code under test."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from auditor.calendar import is_working_day
from auditor.store.database import Store
from auditor.store.scope import EVERYTHING, Scope
from auditor.store.worklist import (
    FACETS,
    SORTS,
    TO_DO,
    Filters,
    all_rows,
    counts,
    decode_cursor,
    encode_cursor,
    exception_detail,
    list_page,
    teams_in_scope,
    with_filters,
)
from tests.web.stores import (
    AS_OF,
    World,
    build_world,
    exception_row,
    expected,
    facet_counts,
    put_exceptions,
    sort_key,
    visible_ids,
)

ANY = Filters(statuses=(), triages=())  # no filter at all
DAY = dt.timedelta(days=1)
SCOPES = [EVERYTHING, Scope(providers=frozenset({"N02"})), Scope(spo="N01S001"),
          Scope(teams=frozenset({"N03T04", "N01T02"}))]  # fmt: skip
FILTERS = [
    Filters(),  # the default: open, still to do
    ANY,
    with_filters(ANY, providers=("N01",)),
    with_filters(ANY, providers=("N02", "N03")),
    with_filters(ANY, teams=("N01T01", "N03T04")),
    with_filters(ANY, officers=("N01T02A", "N02T01A")),
    with_filters(ANY, checks=("rsr_missing",)),
    with_filters(ANY, severities=("high",)),
    with_filters(ANY, statuses=("resolved", "record_missing")),
    with_filters(ANY, statuses=("unconfirmed",)),
    with_filters(ANY, triages=("false_positive",)),
    with_filters(ANY, triages=("disputed",)),  # pending only: an upheld one is not "disputed"
    with_filters(ANY, triages=("snoozed", "done")),
    with_filters(ANY, crn="x00001"),
    with_filters(ANY, new_since=AS_OF - 20 * DAY),
    with_filters(ANY, overdue=True),
    *(with_filters(ANY, age_band=band) for band in ("0-5", "6-20", "21-60", "over-60")),
    with_filters(ANY, assigned="ada"),
    with_filters(ANY, assigned=""),
    Filters(providers=("N01", "N03"), severities=("high", "medium"), overdue=True),
    Filters(
        checks=("oasys_overdue", "rsr_missing"),
        teams=("N01T01", "N02T02", "N03T01"),
        triages=("none",),
        statuses=("open", "unconfirmed"),
        assigned="",
    ),  # fmt: skip
]


def described(filters: Filters) -> str:
    return ",".join(f"{k}={v}" for k, v in vars(filters).items() if getattr(Filters(), k) != v)


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store, seed=3, size=400)


def every_row(store: Store, scope: Scope, filters: Filters, sort: str = "severity",
              batch: int = 2000) -> list[dict[str, Any]]:  # fmt: skip
    return list(all_rows(store.reading, scope, filters, AS_OF, sort, batch=batch))


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: s.describe())
@pytest.mark.parametrize("filters", FILTERS, ids=described)
def test_each_filter_gives_the_rows_its_rule_gives(
    store: Store, world: World, scope: Scope, filters: Filters
) -> None:
    right = sorted(expected(world, scope, filters), key=sort_key("severity"))

    assert [row["id"] for row in every_row(store, scope, filters)] == [r["id"] for r in right]


def test_the_filters_are_not_trivially_met(world: World) -> None:
    """Each filter keeps some rows and leaves out others (else it proves nothing)."""
    everything = expected(world, EVERYTHING, ANY)
    for filters in FILTERS[2:]:
        kept = expected(world, EVERYTHING, filters)
        assert 0 < len(kept) < len(everything), described(filters)


@pytest.mark.parametrize("scope", SCOPES[:2], ids=lambda s: s.describe())
@pytest.mark.parametrize("filters", FILTERS, ids=described)
def test_each_count_is_that_of_the_other_filters(
    store: Store, world: World, scope: Scope, filters: Filters
) -> None:
    with store.reading() as connection:
        counted = counts(connection, scope, filters, AS_OF)

    assert counted.total == len(expected(world, scope, filters))
    for name in FACETS:
        assert counted.facets[name] == facet_counts(world, scope, filters, name), name


def test_choosing_a_check_leaves_the_other_checks_counts_alone(store: Store, world: World) -> None:
    with store.reading() as connection:
        before = counts(connection, EVERYTHING, ANY, AS_OF).facets["check"]
        after = counts(connection, EVERYTHING, with_filters(ANY, checks=("rsr_missing",)), AS_OF)

    assert after.facets["check"] == before
    assert after.total == before["rsr_missing"]


def test_with_no_triage_chosen_the_list_is_what_is_still_to_do(store: Store, world: World) -> None:
    shown = every_row(store, EVERYTHING, Filters(statuses=("open",)))

    assert {row["triage_view"] for row in shown} == set(TO_DO)
    assert TO_DO == ("none", "acknowledged", "disputed")  # not snoozed, done or upheld


@pytest.mark.parametrize("crn", ["%", "_", "X%1", "\\"])
def test_a_crn_search_is_a_prefix_with_no_wildcards(store: Store, world: World, crn: str) -> None:
    assert every_row(store, EVERYTHING, with_filters(ANY, crn=crn)) == []


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("size", [1, 7, 50, 500])
@pytest.mark.parametrize("sort", SORTS)
def test_next_and_previous_pages_cover_every_row_once_in_a_total_order(
    store: Store, seed: int, size: int, sort: str
) -> None:
    world = build_world(store, seed=seed, size=90)
    scope = Scope(providers=frozenset({"N01", "N03"})) if seed == 2 else EVERYTHING
    right = [r["id"] for r in sorted(expected(world, scope, ANY), key=sort_key(sort))]
    forward = pages(store, scope, sort, size)

    assert [i for page in forward for i in page] == right
    assert all(len(page) == size for page in forward[:-1])
    assert pages(store, scope, sort, size, backward_from=forward) == forward


def pages(store: Store, scope: Scope, sort: str, size: int,
          backward_from: list[list[int]] | None = None) -> list[list[int]]:  # fmt: skip
    """Every page's ids, following Next from the first page; or following Previous from
    the last page of ``backward_from`` (then given first page first)."""
    found: list[list[int]] = []
    with store.reading() as connection:
        page = list_page(connection, scope, ANY, AS_OF, sort, size=size)
        if backward_from is not None:
            while page.next_cursor is not None:  # to the last page
                page = list_page(connection, scope, ANY, AS_OF, sort, after=page.next_cursor,
                                 size=size)  # fmt: skip
        assert page.previous_cursor is None or backward_from is not None
        while True:
            found.append([row["id"] for row in page.rows])
            assert len(found) <= 1000, "the pages never end"
            cursor = page.previous_cursor if backward_from is not None else page.next_cursor
            if cursor is None:
                break
            if backward_from is not None:
                page = list_page(connection, scope, ANY, AS_OF, sort, before=cursor, size=size)
            else:
                page = list_page(connection, scope, ANY, AS_OF, sort, after=cursor, size=size)
    return found[::-1] if backward_from is not None else found


def test_a_page_says_whether_there_is_a_next_and_a_previous(store: Store, world: World) -> None:
    with store.reading() as connection:
        first = list_page(connection, EVERYTHING, ANY, AS_OF, "crn", size=10)
        second = list_page(connection, EVERYTHING, ANY, AS_OF, "crn", after=first.next_cursor,
                           size=10)  # fmt: skip
        back = list_page(connection, EVERYTHING, ANY, AS_OF, "crn", before=second.previous_cursor,
                         size=10)  # fmt: skip
        every = list_page(connection, EVERYTHING, ANY, AS_OF, "crn", size=10_000)

    assert (first.previous_cursor, first.next_cursor is not None) == (None, True)
    assert second.previous_cursor is not None
    assert [r["id"] for r in back.rows] == [r["id"] for r in first.rows]
    assert back.previous_cursor is None
    assert every.next_cursor is None and len(every.rows) == len(world.rows)


def test_an_empty_list_has_no_pages(store: Store, world: World) -> None:
    with store.reading() as connection:
        page = list_page(connection, Scope(), ANY, AS_OF)

    assert (page.rows, page.next_cursor, page.previous_cursor) == ([], None, None)


def b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "é",
        "a",
        b64(b"not json"),
        b64(b"\xff\xfe"),
        b64({"rank": 0}),
        b64([]),
        b64([0, "2026-01-05"]),  # too short
        b64([0, "2026-01-05", 1, 2]),  # too long
        b64(["high", "2026-01-05", 1]),  # a rank is a number
        b64([0, "5 Jan 2026", 1]),  # not a date
        b64([0, 20260105, 1]),
        b64([0, "2026-01-05", 1.5]),  # an id is a whole number
        b64([0, "2026-01-05", "1"]),
        b64([0, None, 1]),
        b64(b"[" * 5000),  # nested deeper than a parser goes
    ],
)
def test_a_cursor_that_is_not_one_reads_as_none(cursor: str) -> None:
    assert decode_cursor(cursor, "severity") is None


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [("due", b64(["2026-01-05", 0, 1])), ("age", b64(["2026-01-05", 1])), ("crn", b64(["X1", 1]))],
)
def test_a_cursor_is_read_by_its_sort(sort: str, cursor: str) -> None:
    assert decode_cursor(cursor, sort) is not None
    assert decode_cursor(cursor, "severity") is None


@pytest.mark.parametrize("sort", SORTS)
def test_a_cursor_reads_back_as_its_rows_sort_key(sort: str) -> None:
    row = exception_row(12, severity="high", due_date=dt.date(2026, 2, 1), crn="X000777")

    key = decode_cursor(encode_cursor(row, sort), sort)

    assert key == {"severity": [0, dt.date(2026, 2, 1), 12], "due": [dt.date(2026, 2, 1), 0, 12],
                   "age": [AS_OF, 12], "crn": ["X000777", 12]}[sort]  # fmt: skip


def test_an_unreadable_cursor_gives_the_first_page(store: Store, world: World) -> None:
    with store.reading() as connection:
        first = list_page(connection, EVERYTHING, ANY, AS_OF, size=5)
        garbage = list_page(connection, EVERYTHING, ANY, AS_OF, after="garbage", size=5)
        garbage_back = list_page(connection, EVERYTHING, ANY, AS_OF, before="garbage", size=5)

    assert [r["id"] for r in garbage.rows] == [r["id"] for r in first.rows]
    assert [r["id"] for r in garbage_back.rows] == [r["id"] for r in first.rows]


def working_days_open(first_seen: dt.date, until: dt.date) -> int:
    """Counted a day at a time, the way CHECKS.md says it."""
    days, day = 0, first_seen
    while day < until:
        day += DAY
        days += is_working_day(day)
    return days


@pytest.fixture
def a_day_apart(store: Store) -> dict[int, dt.date]:
    """One open exception first seen on each of the 130 days up to AS_OF (ids 1..130)."""
    rows = [exception_row(n, first_seen=AS_OF - (n - 1) * DAY) for n in range(1, 131)]
    put_exceptions(store, rows)
    return {row["id"]: row["first_seen"] for row in rows}


@pytest.mark.parametrize(
    ("band", "low", "high"),
    [("0-5", 0, 5), ("6-20", 6, 20), ("21-60", 21, 60), ("over-60", 61, 999)],
)
def test_an_age_band_counts_working_days_open(
    store: Store, a_day_apart: dict[int, dt.date], band: str, low: int, high: int
) -> None:
    shown = every_row(store, EVERYTHING, with_filters(ANY, age_band=band))

    right = {
        i for i, first in a_day_apart.items() if low <= working_days_open(first, AS_OF) <= high
    }
    assert {row["id"] for row in shown} == right
    assert all(low <= row["days_open"] <= high for row in shown)


@pytest.mark.parametrize(
    ("first_seen", "band", "days_open"),
    [
        (AS_OF, "0-5", 0),
        (dt.date(2025, 12, 24), "0-5", 5),  # Christmas, Boxing Day and New Year's Day off
        (dt.date(2025, 12, 23), "6-20", 6),
        (dt.date(2025, 12, 20), "6-20", 8),  # a Saturday: counting starts on the Monday
    ],
)
def test_age_bands_skip_weekends_and_bank_holidays(
    store: Store, first_seen: dt.date, band: str, days_open: int
) -> None:
    put_exceptions(store, [exception_row(1, first_seen=first_seen)])

    (row,) = every_row(store, EVERYTHING, with_filters(ANY, age_band=band))
    assert row["days_open"] == days_open


@pytest.mark.parametrize(
    ("values", "days_open", "days_overdue"),
    [
        ({"due_date": dt.date(2026, 1, 1)}, 0, 4),  # calendar days past the due date
        ({"due_date": AS_OF}, 0, None),  # due today is not overdue
        ({"due_date": AS_OF + DAY}, 0, None),
        ({"due_date": None}, 0, None),
        ({"first_seen": dt.date(2025, 12, 29)}, 4, None),  # 30, 31 Dec, 2 and 5 Jan
        ({"first_seen": dt.date(2025, 12, 29), "status": "resolved",
          "resolved_on": dt.date(2025, 12, 31)}, 2, None),  # open until it was resolved
        ({"first_seen": dt.date(2025, 12, 29), "status": "unconfirmed"}, 4, None),
    ],
)  # fmt: skip
def test_a_row_shows_working_days_open_and_calendar_days_overdue(
    store: Store, values: dict[str, Any], days_open: int, days_overdue: int | None
) -> None:
    put_exceptions(store, [exception_row(1, **values)])

    (row,) = every_row(store, EVERYTHING, ANY)
    assert (row["days_open"], row["days_overdue"]) == (days_open, days_overdue)


def test_an_open_exceptions_last_seen_is_its_latest_runs_as_of(store: Store) -> None:
    # the column of an open one is not moved each day: its run says when it was seen
    put_exceptions(store, [
        exception_row(1, status="open", last_seen=AS_OF - 9 * DAY),
        exception_row(2, status="resolved", last_seen=AS_OF - 9 * DAY, resolved_on=AS_OF),
    ])  # fmt: skip

    rows = {row["id"]: row for row in every_row(store, EVERYTHING, ANY)}
    with store.reading() as connection:
        detail = exception_detail(connection, EVERYTHING, 1, AS_OF)
    assert (rows[1]["last_seen"], rows[2]["last_seen"]) == (AS_OF, AS_OF - 9 * DAY)
    assert detail is not None and detail["last_seen"] == AS_OF


def test_the_detail_of_an_exception_outside_the_scope_is_none(store: Store, world: World) -> None:
    scope = Scope(teams=frozenset({"N01T01"}))
    inside = visible_ids(world, scope)
    with store.reading() as connection:
        for exception_id in sorted(world.ids)[::7] + [0, 10_000]:
            detail = exception_detail(connection, scope, exception_id, AS_OF)
            assert (detail is not None) is (exception_id in inside), exception_id


def test_the_detail_has_the_history_and_the_persons_other_open_exceptions_in_scope(
    store: Store, world: World
) -> None:
    scope = Scope(providers=frozenset({"N02"}))
    inside = visible_ids(world, scope)
    row = next(r for r in world.rows if r["id"] in inside and r["status"] == "open")

    with store.reading() as connection:
        detail = exception_detail(connection, scope, row["id"], AS_OF)

    assert detail is not None
    assert [entry["what"] for entry in detail["history"]] == ["opened"]
    assert detail["history"][0]["run_as_of"] == AS_OF
    others = {r["id"] for r in world.rows if r["crn"] == row["crn"] and r["status"] == "open"
              and r["id"] in inside and r["id"] != row["id"]}  # fmt: skip
    assert {other["id"] for other in detail["others"]} == others


def test_the_teams_of_a_scope_are_those_it_has_exceptions_of(store: Store, world: World) -> None:
    with store.reading() as connection:
        spo = [t["team_code"] for t in teams_in_scope(connection, Scope(spo="N02S001"))]
        every = [t["team_code"] for t in teams_in_scope(connection, EVERYTHING)]

    assert spo == ["N02T01", "N02T02", "N03T01"]
    assert len(every) == 12
