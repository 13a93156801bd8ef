"""The JSON API: the list with the worklist's filters and keyset pages, one exception
with its history, actions and bulk actions; and its errors (400, 403, 404, 409), each
{"error": "..."}."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from auditor.store.database import Store
from auditor.store.scope import EVERYTHING, EXCEPTIONS
from auditor.store.triage import history_of
from auditor.store.users import UserRecord
from auditor.store.worklist import Filters
from auditor.web.api import ITEM_FIELDS, MAX_PAGE
from auditor.web.pages import check_info
from tests.web.stores import AS_OF, Browsers, World, expected, sort_key

ANY = Filters(statuses=(), triages=())


def put(store: Store, exception_id: int, **values: Any) -> None:
    with store.writing() as connection:
        connection.execute(update(EXCEPTIONS).where(EXCEPTIONS.c.id == exception_id).values(values))


def stored(store: Store, exception_id: int) -> dict[str, Any]:
    with store.reading() as connection:
        query = select(EXCEPTIONS).where(EXCEPTIONS.c.id == exception_id)
        return dict(connection.execute(query).mappings().one())


@pytest.fixture
def ours(store: Store, world: World) -> int:
    """Exception 1: open, untriaged, version 2, in team N02T01 (pam's provider)."""
    put(
        store,
        1,
        status="open",
        triage="none",
        dispute_state=None,
        version=2,
        team_code="N02T01",
        staff_code="N02T01A",
    )
    return 1


def every_page(api: TestClient, query: str) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    after = ""
    for _ in range(100):
        answer = api.get(f"/api/exceptions?{query}" + (f"&after={after}" if after else ""))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        if body["next"] is None:
            return items, body["total"]
        after = body["next"]
    raise AssertionError("the pages never end")


@pytest.mark.parametrize(
    ("query", "filters", "sort"),
    [
        ("status=all&triage=all&size=50", ANY, "severity"),
        ("size=13&sort=due", Filters(), "due"),
        (
            "team=N01T01&team=N02T02&status=all&size=9&sort=crn",
            Filters(teams=("N01T01", "N02T02"), statuses=()),
            "crn",
        ),
        ("severity=high&overdue=yes&sort=age", Filters(severities=("high",), overdue=True), "age"),
    ],
)
def test_the_list_pages_through_every_row_of_the_filter(
    world: World,
    people: dict[str, UserRecord],
    browsers: Browsers,
    query: str,
    filters: Filters,
    sort: str,
) -> None:
    items, total = every_page(browsers.with_token("ada"), query)

    right = sorted(expected(world, EVERYTHING, filters), key=sort_key(sort))
    assert [item["id"] for item in items] == [row["id"] for row in right]
    assert total == len(right)


def test_an_item_holds_the_documented_fields_in_plain_json(
    world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    body = browsers.with_token("ada").get("/api/exceptions?status=all&triage=all&size=500").json()

    assert set(body) == {"as_of", "total", "items", "next", "previous"}
    assert body["as_of"] == AS_OF.isoformat()
    item = next(i for i in body["items"] if i["id"] == 1)
    row = world.by_id(1)
    assert list(item) == list(ITEM_FIELDS)
    assert (item["crn"], item["reason"], item["version"]) == (
        row["crn"],
        row["reason"],
        row["version"],
    )
    assert item["first_seen"] == row["first_seen"].isoformat()


@pytest.mark.parametrize(
    ("size", "shown"), [("1", 1), ("0", 50), ("-5", 50), ("many", 50), ("100000", MAX_PAGE)]
)
def test_the_page_size_is_the_one_asked_for_within_limits(
    world: World, people: dict[str, UserRecord], browsers: Browsers, size: str, shown: int
) -> None:
    body = browsers.with_token("ada").get(f"/api/exceptions?status=all&triage=all&size={size}")

    assert len(body.json()["items"]) == min(shown, len(world.rows))


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("severity=extreme", "'extreme' is not a severity"),
        ("sort=sideways", "'sideways' is not a sort order"),
        ("new_since=soon", "'soon' is not a date"),
        ("team=a;b", "'a;b' is not a team"),
        ("crn=%25", "a CRN is a letter and six digits"),
        ("severity=high&age=old", "'old' is not an age band"),
    ],
)
def test_a_bad_filter_value_is_a_400_saying_which(
    world: World, people: dict[str, UserRecord], browsers: Browsers, query: str, error: str
) -> None:
    answer = browsers.with_token("ada").get(f"/api/exceptions?{query}")

    assert answer.status_code == 400 and error in answer.json()["error"]


def test_before_the_first_run_the_list_is_empty(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    body = browsers.with_token("ada").get("/api/exceptions").json()

    assert body == {"as_of": None, "total": 0, "items": [], "next": None}


def test_an_exception_comes_with_its_history_and_its_checks_title(
    world: World, people: dict[str, UserRecord], browsers: Browsers, ours: int
) -> None:
    body = browsers.with_token("ada").get(f"/api/exceptions/{ours}").json()

    row = world.by_id(ours)
    assert body["id"] == ours and body["check_title"] == check_info(row["check"])["title"]
    assert [(h["what"], h["run_id"]) for h in body["history"]] == [("opened", 1)]
    others = {
        r["id"]
        for r in world.rows
        if r["crn"] == row["crn"] and r["status"] == "open" and r["id"] != ours
    }
    assert set(body["others"]) == others


@pytest.mark.parametrize("path", ["/api/exceptions/99999", "/api/exceptions/0"])
def test_an_unknown_exception_is_a_404(
    world: World, people: dict[str, UserRecord], browsers: Browsers, path: str
) -> None:
    answer = browsers.with_token("ada").get(path)

    assert answer.status_code == 404 and "no exception" in answer.json()["error"]


def test_an_unknown_path_is_a_json_404(people: dict[str, UserRecord], browsers: Browsers) -> None:
    answer = browsers.with_token("ada").get("/api/nothing-here")

    assert answer.status_code == 404 and set(answer.json()) == {"error"}


@pytest.mark.parametrize(
    ("body", "triage"),
    [
        ({"action": "acknowledge", "version": 2, "comment": "on it"}, "acknowledged"),
        ({"action": "snooze", "version": 2, "until": "2026-01-30"}, "snoozed"),
        ({"action": "dispute", "version": 2, "reason": "moved area"}, "disputed"),
        ({"action": "done"}, "done"),  # no version: made whatever it is
    ],
)
def test_an_action_is_made_and_answers_the_new_version(
    store: Store,
    people: dict[str, UserRecord],
    browsers: Browsers,
    ours: int,
    body: dict[str, Any],
    triage: str,
) -> None:
    answer = browsers.with_token("pam").post(f"/api/exceptions/{ours}/actions", json=body)

    assert answer.json() == {"id": ours, "version": 3}
    assert stored(store, ours)["triage"] == triage
    assert history_of(store, ours)["person"].to_list()[-1] == "pam"


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "send a JSON object",
        ),
        ({"json": ["acknowledge"]}, 400, "send a JSON object"),
        ({"json": "acknowledge"}, 400, "send a JSON object"),
        ({"json": {"action": "fly"}}, 400, "'fly' is not an action"),
        ({"json": {}}, 400, "'' is not an action"),
        ({"json": {"action": "snooze"}}, 400, "enter the date to snooze until"),
        ({"json": {"action": "snooze", "until": "2030-01-01"}}, 400, "at most"),
        ({"json": {"action": "dispute"}}, 400, "a dispute needs a reason"),
        ({"json": {"action": "assign", "assignee": "sue"}}, 400, "not an enabled admin"),
        ({"json": {"action": "comment"}}, 400, "write a comment first"),
        ({"json": {"action": "uphold"}}, 403, "only the team's SPO"),
        ({"json": {"action": "acknowledge", "version": 1}}, 409, "after your page was loaded"),
        ({"json": {"action": "acknowledge", "version": "2"}}, 200, None),  # not a number: none
    ],
)
def test_an_action_that_cannot_be_made_is_an_error_that_changes_nothing(
    store: Store,
    people: dict[str, UserRecord],
    browsers: Browsers,
    ours: int,
    kwargs: dict[str, Any],
    status: int,
    error: str | None,
) -> None:
    before = stored(store, ours)

    answer = browsers.with_token("pam").post(f"/api/exceptions/{ours}/actions", **kwargs)

    assert answer.status_code == status
    if error is not None:
        assert error in answer.json()["error"] and set(answer.json()) == {"error"}
        assert stored(store, ours) == before


def test_an_action_on_an_unknown_exception_is_a_404(
    world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    answer = browsers.with_token("ada").post(
        "/api/exceptions/99999/actions", json={"action": "done"}
    )

    assert answer.status_code == 404 and "no exception 99999" in answer.json()["error"]


def test_a_bulk_action_reports_what_it_changed_and_what_not(
    store: Store, world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    todo = expected(world, EVERYTHING, Filters(triages=("none",)))[:3]
    stale = todo[2]
    for row in todo:
        put(store, row["id"], assigned_to=None)
    items = {str(r["id"]): r["version"] for r in todo[:2]}
    items |= {str(stale["id"]): stale["version"] - 1, "99999": None, "x": 1}

    answer = browsers.with_token("ada").post(
        "/api/exceptions/bulk", json={"action": "assign", "assignee": "tom", "items": items}
    )

    body = answer.json()
    assert answer.status_code == 200
    assert body["changed"] == [todo[0]["id"], todo[1]["id"]]
    assert set(body["refused"]) == {str(stale["id"]), "99999"}
    assert "after your page was loaded" in body["refused"][str(stale["id"])]
    assigned = [stored(store, r["id"])["assigned_to"] for r in todo]
    assert assigned == ["tom", "tom", None]


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"content": b"{oops", "headers": {"content-type": "application/json"}}, 400, "send {"),
        ({"json": {"action": "done"}}, 400, "send {"),
        ({"json": {"action": "done", "items": {}}}, 400, "send {"),
        ({"json": {"action": "done", "items": [1, 2]}}, 400, "send {"),
        ({"json": [1]}, 400, "send {"),
        ({"json": {"action": "fly", "items": {"1": 1}}}, 400, "'fly' is not an action"),
        ({"json": {"action": "reject", "items": {"1": 1}}}, 403, "only the team's SPO"),
    ],
)
def test_a_bulk_action_that_cannot_be_made_is_an_error_that_changes_nothing(
    store: Store,
    world: World,
    people: dict[str, UserRecord],
    browsers: Browsers,
    kwargs: dict[str, Any],
    status: int,
    error: str,
) -> None:
    before = stored(store, 1)

    answer = browsers.with_token("ada").post("/api/exceptions/bulk", **kwargs)

    assert answer.status_code == status and error in answer.json()["error"]
    assert stored(store, 1) == before


def test_a_browser_session_uses_the_api_with_its_csrf_header(
    store: Store, people: dict[str, UserRecord], browsers: Browsers, ours: int
) -> None:
    browser = browsers.signed_in("pam")
    token = browser.get("/exceptions").text.split('name="csrf_token" value="')[1].split('"')[0]

    answer = browser.post(
        f"/api/exceptions/{ours}/actions",
        json={"action": "acknowledge"},
        headers={"X-CSRF-Token": token},
    )

    assert answer.status_code == 200 and stored(store, ours)["triage"] == "acknowledged"
