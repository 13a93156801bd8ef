"""The worklist's pages: the list shows the rows and counts of each filter, a bad filter
value is left out with a message, the detail shows the history and what the check
means, each action through its form is made and recorded, a stale page's change is
refused with nothing lost, and bulk changes report what they did."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select, update
from starlette.testclient import TestClient

from auditor.store.database import Store
from auditor.store.scope import EVERYTHING, EXCEPTIONS, Scope
from auditor.store.triage import history_of
from auditor.store.users import UserRecord
from auditor.store.worklist import Filters, with_filters
from auditor.web.pages import check_info
from tests.web.stores import (
    AS_OF,
    Browsers,
    World,
    csrf_of,
    expected,
    facet_counts,
    ids_on,
    sort_key,
    total_on,
)

ANY = Filters(statuses=(), triages=())
EVERY = "status=all&triage=all"


def text_of(page: Any) -> str:
    """A page's text as a person reads it: tags gone, entities read, spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("", Filters()),
        (EVERY, ANY),
        (f"provider=N01&{EVERY}", with_filters(ANY, providers=("N01",))),
        ("team=N01T01&team=n03t04", Filters(teams=("N01T01", "N03T04"))),
        (
            f"team=N01T02&officer=N01T02A&{EVERY}",
            with_filters(ANY, teams=("N01T02",), officers=("N01T02A",)),
        ),
        ("check=rsr_missing&check=oasys_overdue", Filters(checks=("rsr_missing", "oasys_overdue"))),
        ("severity=high&severity=low", Filters(severities=("high", "low"))),
        ("status=resolved&triage=all", with_filters(ANY, statuses=("resolved",))),
        ("triage=false_positive&status=all", with_filters(ANY, triages=("false_positive",))),
        ("triage=snoozed&triage=done", Filters(triages=("snoozed", "done"))),
        (f"crn=x00001&{EVERY}", with_filters(ANY, crn="X00001")),
        ("new_since=2025-12-16", Filters(new_since=dt.date(2025, 12, 16))),
        ("overdue=yes", Filters(overdue=True)),
        (f"age=6-20&{EVERY}", with_filters(ANY, age_band="6-20")),
        (f"age=over-60&{EVERY}", with_filters(ANY, age_band="over-60")),
        (f"assigned=tom&{EVERY}", with_filters(ANY, assigned="tom")),
        (f"assigned=me&{EVERY}", with_filters(ANY, assigned="ada")),
        (f"assigned=nobody&{EVERY}", with_filters(ANY, assigned="")),
        (
            "provider=N02&severity=high&overdue=yes&status=open&status=unconfirmed",
            Filters(
                providers=("N02",),
                severities=("high",),
                overdue=True,
                statuses=("open", "unconfirmed"),
            ),
        ),
    ],
)
def test_the_list_shows_the_rows_and_the_total_of_each_filter(
    world: World, people: dict[str, UserRecord], browsers: Browsers, query: str, filters: Filters
) -> None:
    page = browsers.signed_in("ada", page_size=500).get(f"/exceptions?{query}")

    right = sorted(expected(world, EVERYTHING, filters), key=sort_key("severity"))
    assert page.status_code == 200
    assert right, "the filter keeps some rows"
    assert ids_on(page.text) == [row["id"] for row in right]
    assert total_on(page.text) == len(right)
    assert "There is a problem" not in page.text


def checkbox_counts(page_html: str, name: str) -> dict[str, int]:
    found = re.findall(
        rf'name="{name}" type="checkbox" value="([^"]+)"[^>]*>\s*<label[^>]*>[^<]*'
        r'<span class="app-facet-count">([\d,]+)</span>',
        page_html,
    )
    return {value: int(n.replace(",", "")) for value, n in found}


def option_counts(page_html: str, name: str) -> dict[str, int]:
    select_html = page_html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    found = re.findall(r'<option value="([^"]+)"[^>]*>[^<]*\(([\d,]+)\)</option>', select_html)
    return {value: int(n.replace(",", "")) for value, n in found}


@pytest.mark.parametrize(
    ("name", "query", "filters"),
    [
        ("pam", "", Filters()),
        ("ada", "severity=high&team=N02T01", Filters(severities=("high",), teams=("N02T01",))),
        ("sue", f"check=rsr_missing&{EVERY}", with_filters(ANY, checks=("rsr_missing",))),
    ],
)
def test_the_count_beside_each_choice_is_that_of_the_other_filters(
    world: World,
    people: dict[str, UserRecord],
    browsers: Browsers,
    name: str,
    query: str,
    filters: Filters,
) -> None:
    page = browsers.signed_in(name).get(f"/exceptions?{query}").text
    scope = people[name].scope()

    for facet in ("severity", "status", "triage"):
        right = facet_counts(world, scope, filters, facet)
        shown = checkbox_counts(page, facet)
        assert shown and shown == {k: right.get(k, 0) for k in shown}, facet
    for facet in ("team", "check"):
        right = facet_counts(world, scope, filters, facet)
        shown = option_counts(page, facet)
        assert shown and shown == {k: right.get(k, 0) for k in shown}, facet


@pytest.mark.parametrize("sort", ["severity", "due", "age", "crn"])
def test_next_links_walk_every_row_once_in_the_order_chosen(
    world: World, people: dict[str, UserRecord], browsers: Browsers, sort: str
) -> None:
    browser = browsers.signed_in("pam", page_size=10)
    right = [
        r["id"] for r in sorted(expected(world, people["pam"].scope(), ANY), key=sort_key(sort))
    ]
    shown, link, previous = [], f"/exceptions?{EVERY}&sort={sort}", []
    while link:
        page = browser.get(link).text
        assert total_on(page) == len(right)
        shown += ids_on(page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        link = "/exceptions" + html.unescape(found.group(1)) if found else ""
        previous.append(re.search(r'href="([^"]+)" rel="prev"', page) is not None)

    assert shown == right
    assert previous[0] is False and all(previous[1:])


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("severity=extreme", "'extreme' is not a severity this list knows"),
        ("check=no_such_check", "'no_such_check' is not a check this list knows"),
        ("status=shut", "'shut' is not a status this list knows"),
        ("team=N01T01;DROP", "'N01T01;DROP' is not a team this list knows"),
        ("provider=%3Cscript%3E", "'<script>' is not a provider this list knows"),
        ("sort=sideways", "'sideways' is not a sort order"),
        ("new_since=yesterday", "'yesterday' is not a date (YYYY-MM-DD)"),
        ("age=ancient", "'ancient' is not an age band"),
        ("crn=X-1", "a CRN is a letter and six digits"),
    ],
)
def test_a_bad_filter_value_is_left_out_with_a_message(
    world: World, people: dict[str, UserRecord], browsers: Browsers, query: str, problem: str
) -> None:
    browser = browsers.signed_in("ada", page_size=500)

    page = browser.get(f"/exceptions?{query}")

    assert page.status_code == 200
    assert f"{problem}" in text_of(page) and "it was left out of the filter" in page.text
    assert ids_on(page.text) == ids_on(browser.get("/exceptions").text)
    assert "<script>" not in page.text


def test_signed_out_the_list_sends_to_sign_in_and_back(browsers: Browsers) -> None:
    answer = browsers.new().get("/exceptions?team=N01T01")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fexceptions%3Fteam%3DN01T01"


def test_before_the_first_run_the_list_says_so(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    page = browsers.signed_in("ada").get("/exceptions")

    assert page.status_code == 200 and "No audit has run yet" in page.text


@pytest.mark.parametrize(("name", "home"), [("ada", "/exceptions"), ("sys", "/users")])
def test_home_is_the_worklist_or_for_a_sysadmin_the_users(
    people: dict[str, UserRecord], browsers: Browsers, name: str, home: str
) -> None:
    assert browsers.signed_in(name).get("/").headers["location"] == home
    assert browsers.new().get("/").headers["location"] == "/login"


def test_a_page_that_does_not_exist_keeps_the_signed_in_header(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    signed_in = browsers.signed_in("ada").get("/no-such-page")
    signed_out = browsers.new().get("/no-such-page")

    assert signed_in.status_code == signed_out.status_code == 404
    assert "Page not found" in signed_in.text and "Page not found" in signed_out.text
    assert 'href="/exceptions"' in signed_in.text and "Sign out" in signed_in.text
    assert "Sign out" not in signed_out.text


def test_the_users_page_is_the_sysadmins_only(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    page = browsers.signed_in("sys").get("/users")

    assert page.status_code == 200
    assert all(name in page.text for name in ("ada", "tom", "sam", "teams managed by N01S001"))
    assert browsers.signed_in("ada").get("/users").status_code == 403


# --- one exception -----------------------------------------------------------------------


def test_the_detail_shows_what_the_check_means_and_the_history(
    world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    row = world.by_id(1)
    info = check_info(row["check"])

    page = browsers.signed_in("ada").get("/exceptions/1")

    assert page.status_code == 200
    assert f">{escape(info['title'])}</h1>" in page.text
    assert info["rule"] and all(str(escape(paragraph)) in page.text for paragraph in info["rule"])
    assert row["reason"] in page.text and row["crn"] in page.text
    history = page.text.split("History</h2>", 1)[1]
    assert "Found" in history and "by run 1 as of 5 Jan 2026" in history


def put(store: Store, exception_id: int, **values: Any) -> None:
    if not values:
        return
    with store.writing() as connection:
        connection.execute(update(EXCEPTIONS).where(EXCEPTIONS.c.id == exception_id).values(values))


def stored(store: Store, exception_id: int) -> dict[str, Any]:
    with store.reading() as connection:
        return dict(
            connection.execute(select(EXCEPTIONS).where(EXCEPTIONS.c.id == exception_id))
            .mappings()
            .one()
        )


@pytest.fixture
def ours(store: Store, world: World) -> int:
    """Exception 1, open and untriaged, in team N01T01 (tom's, and SPO sam's), version 4."""
    put(
        store,
        1,
        team_code="N01T01",
        staff_code="N01T01A",
        spo_staff_code="N01S001",
        status="open",
        triage="none",
        dispute_state=None,
        dispute_reason=None,
        assigned_to=None,
        snoozed_until=None,
        version=4,
    )
    return 1


def version_on(page_html: str) -> int:
    found = re.search(r'name="version" value="(\d+)"', page_html)
    assert found is not None
    return int(found.group(1))


def act(browser: TestClient, exception_id: int, action: str, **fields: str) -> Any:
    """Send an action's form from the exception's page, as its button does."""
    page = browser.get(f"/exceptions/{exception_id}").text
    form = {"csrf_token": csrf_of(page), "action": action, "version": str(version_on(page))}
    return browser.post(f"/exceptions/{exception_id}/actions", data=form | fields)


UNTIL = (AS_OF + dt.timedelta(days=10)).isoformat()


@pytest.mark.parametrize(
    ("name", "before", "action", "fields", "after", "label"),
    [
        ("tom", {}, "done", {"comment": "RSR entered"}, {"triage": "done"}, "Marked done"),
        ("tom", {}, "acknowledge", {}, {"triage": "acknowledged"}, "Acknowledged"),
        (
            "sam",
            {},
            "snooze",
            {"until": UNTIL},
            {"triage": "snoozed", "snoozed_until": AS_OF + dt.timedelta(days=10)},
            "Snoozed",
        ),
        (
            "tom",
            {},
            "dispute",
            {"reason": "transferred out"},
            {"triage": "disputed", "dispute_state": "pending", "dispute_reason": "transferred out"},
            "Disputed as a false positive",
        ),
        (
            "sam",
            {"triage": "disputed", "dispute_state": "pending", "dispute_reason": "x"},
            "uphold",
            {},
            {"triage": "disputed", "dispute_state": "approved"},
            "Dispute upheld",
        ),
        (
            "sam",
            {"triage": "disputed", "dispute_state": "pending", "dispute_reason": "x"},
            "reject",
            {"comment": "it is ours"},
            {"triage": "none", "dispute_state": "rejected"},
            "Dispute rejected",
        ),
        ("tom", {}, "assign", {"assignee": "pam"}, {"assigned_to": "pam"}, "Assigned"),
        (
            "sam",
            {"assigned_to": "pam"},
            "assign",
            {"assignee": ""},
            {"assigned_to": None},
            "Assigned",
        ),
        ("tom", {"triage": "acknowledged"}, "clear", {}, {"triage": "none"}, "Triage cleared"),
        (
            "tom",
            {},
            "comment",
            {"comment": "called the OM"},
            {"triage": "none", "version": 4},
            "Comment",
        ),
    ],
)
def test_each_action_through_its_form_is_made_and_in_the_history(
    store: Store,
    people: dict[str, UserRecord],
    browsers: Browsers,
    ours: int,
    name: str,
    before: dict[str, Any],
    action: str,
    fields: dict[str, str],
    after: dict[str, Any],
    label: str,
) -> None:
    put(store, ours, **before)
    browser = browsers.signed_in(name)

    answer = act(browser, ours, action, **fields)

    assert (answer.status_code, answer.headers["location"]) == (303, f"/exceptions/{ours}")
    row = stored(store, ours)
    wanted = {"version": 5} | after  # moved on from 4, but by a comment
    assert {key: row[key] for key in wanted} == wanted
    page = browser.get(f"/exceptions/{ours}").text
    assert f"Exception {ours}:" in page  # the success message
    timeline = page.split("History</h2>", 1)[1]
    assert f">{label}</h3>" in timeline and f"by {name}" in timeline
    for text in (fields.get("comment"), fields.get("reason")):
        assert text is None or text in timeline
    people_rows = history_of(store, ours).filter(history_of(store, ours)["person"].is_not_null())
    assert people_rows["person"].to_list() == [name]


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("snooze", {}, "Enter the date to snooze until"),
        ("snooze", {"until": "next week"}, "Enter the snooze date as a real date"),
        ("snooze", {"until": AS_OF.isoformat()}, "The snooze date must be after 5 January 2026"),
        ("snooze", {"until": "2026-12-31"}, "A snooze can last 90 days at most"),
        ("dispute", {"reason": "  "}, "A dispute needs a reason"),
        ("assign", {"assignee": "sam"}, "'sam' is not an enabled admin"),
        ("assign", {"assignee": "dan"}, "'dan' is not an enabled admin"),
        ("comment", {"comment": ""}, "Write a comment first"),
        ("uphold", {}, "There is no dispute waiting"),
        ("fly", {}, "'fly' is not an action"),
    ],
)
def test_an_action_that_cannot_be_made_says_why_and_changes_nothing(
    store: Store,
    people: dict[str, UserRecord],
    browsers: Browsers,
    ours: int,
    action: str,
    fields: dict[str, str],
    message: str,
) -> None:
    before = stored(store, ours)

    answer = act(browsers.signed_in("sam"), ours, action, **fields)

    assert answer.status_code == 400
    assert message in text_of(answer)
    assert stored(store, ours) == before


@pytest.mark.parametrize(
    ("action", "fields", "field", "kept"),
    [
        ("snooze", {"until": "2026-12-31"}, "snooze-until", 'value="2026-12-31"'),
        (
            "dispute",
            {"reason": " "},
            "dispute-reason",
            'class="govuk-textarea govuk-textarea--error"',
        ),
    ],
)
def test_a_refused_snooze_or_dispute_opens_its_form_again_at_the_field(
    people: dict[str, UserRecord],
    browsers: Browsers,
    ours: int,
    action: str,
    fields: dict[str, str],
    field: str,
    kept: str,
) -> None:
    answer = act(browsers.signed_in("sam"), ours, action, **fields)

    assert answer.status_code == 400
    assert f'<a href="#{field}">' in answer.text  # the error summary links to the field
    assert f'id="{field}-error"' in answer.text and f'{field}-error"' in answer.text
    form = answer.text.split(f'for="{field}"')[0].rsplit("<details", 1)[1]
    assert form.startswith(' class="govuk-details" open>')
    assert kept in answer.text  # the field marked, what was entered kept


def test_an_admin_may_not_rule_on_a_dispute(
    store: Store, people: dict[str, UserRecord], browsers: Browsers, ours: int
) -> None:
    put(store, ours, triage="disputed", dispute_state="pending", dispute_reason="x")
    before = stored(store, ours)

    answer = act(browsers.signed_in("tom"), ours, "uphold")

    assert answer.status_code == 403 and "Only the team" in text_of(answer)
    assert stored(store, ours) == before


def test_a_change_from_a_stale_page_is_refused_and_the_other_change_kept(
    store: Store, people: dict[str, UserRecord], browsers: Browsers, ours: int
) -> None:
    tom, sam = browsers.signed_in("tom"), browsers.signed_in("sam")
    stale = tom.get(f"/exceptions/{ours}").text  # tom's page, then sam acts
    assert act(sam, ours, "acknowledge", comment="mine").status_code == 303

    form = {"csrf_token": csrf_of(stale), "action": "done", "version": str(version_on(stale))}
    answer = tom.post(f"/exceptions/{ours}/actions", data=form)

    assert answer.status_code == 409
    assert "after your page was loaded" in text_of(answer) and "sam" in text_of(answer)
    assert version_on(answer.text) == 5  # the page shown is the fresh one
    row = stored(store, ours)
    assert (row["triage"], row["triage_by"], row["version"]) == ("acknowledged", "sam", 5)
    whats = history_of(store, ours).filter(history_of(store, ours)["person"].is_not_null())
    assert whats.select("what", "person").rows() == [("acknowledged", "sam")]
    assert act(tom, ours, "done").status_code == 303  # on the fresh page, it goes through


def test_an_action_on_an_exception_that_does_not_exist_is_not_found(
    world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.signed_in("ada")
    token = csrf_of(browser.get("/exceptions").text)

    answer = browser.post("/exceptions/99999/actions", data={"csrf_token": token, "action": "done"})

    assert answer.status_code == 404 and "There is no such exception" in answer.text


# --- bulk ----------------------------------------------------------------------------------


def bulk(browser: TestClient, selected: list[str], **fields: str) -> Any:
    token = csrf_of(browser.get("/exceptions").text)
    return browser.post(
        "/exceptions/bulk",
        data={
            "csrf_token": token,
            "selected": selected,
            "return_to": "/exceptions?sort=due",
            **fields,
        },
    )


def open_ones(world: World, scope: Scope, n: int) -> list[dict[str, Any]]:
    rows = expected(world, scope, Filters(triages=("none",)))
    assert len(rows) >= n
    return rows[:n]


@pytest.mark.parametrize(
    ("action", "fields", "column", "value"),
    [
        ("acknowledge", {}, "triage", "acknowledged"),
        ("done", {}, "triage", "done"),
        ("snooze", {"until": UNTIL}, "triage", "snoozed"),
        ("assign", {"assignee": "tom"}, "assigned_to", "tom"),
    ],
)
def test_a_bulk_action_changes_every_ticked_exception(
    store: Store,
    world: World,
    people: dict[str, UserRecord],
    browsers: Browsers,
    action: str,
    fields: dict[str, str],
    column: str,
    value: str,
) -> None:
    chosen = open_ones(world, people["pam"].scope(), 3)
    browser = browsers.signed_in("pam")

    answer = bulk(browser, [f"{r['id']}:{r['version']}" for r in chosen], action=action, **fields)

    assert (answer.status_code, answer.headers["location"]) == (303, "/exceptions?sort=due")
    assert [stored(store, r["id"])[column] for r in chosen] == [value] * 3
    assert "3 exception(s)" in browser.get("/exceptions").text


def test_a_bulk_action_reports_what_it_did_not_change(
    store: Store, world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    fresh, stale = open_ones(world, people["pam"].scope(), 2)
    put(store, stale["id"], version=stale["version"] + 1)
    browser = browsers.signed_in("pam")

    bulk(
        browser,
        [
            f"{fresh['id']}:{fresh['version']}",
            f"{stale['id']}:{stale['version']}",
            "99999:1",
            "rubbish",
        ],
        action="acknowledge",
    )
    page = text_of(browser.get("/exceptions"))

    assert "1 exception(s) acknowledged." in page
    assert "2 not changed" in page and f"{stale['id']}: this exception was changed" in page
    assert "99999: there is no exception 99999" in page
    assert stored(store, stale["id"])["triage"] == "none"


@pytest.mark.parametrize(
    ("selected", "fields", "message"),
    [
        ([], {"action": "acknowledge"}, "Choose an action and tick at least one exception"),
        (["1:1"], {"action": ""}, "Choose an action and tick at least one exception"),
        ([], {"action": ""}, "Tick the exceptions to change, then choose an action"),
        (["1:1"], {"action": "uphold"}, "Choose an action"),  # not a bulk action
        (["1:1"], {"action": "snooze"}, "Enter the date to snooze until"),
    ],
)
def test_a_bulk_action_that_cannot_be_made_says_why_and_changes_nothing(
    store: Store,
    world: World,
    people: dict[str, UserRecord],
    browsers: Browsers,
    selected: list[str],
    fields: dict[str, str],
    message: str,
) -> None:
    browser = browsers.signed_in("ada")
    before = [stored(store, i) for i in (1, 2)]

    answer = bulk(browser, selected, **fields)

    assert answer.status_code == 303
    assert message in text_of(browser.get(answer.headers["location"]))
    assert [stored(store, i) for i in (1, 2)] == before


@pytest.mark.parametrize(
    "return_to", ["//evil.example/exceptions", "https://evil.example", "/users"]
)
def test_a_bulk_action_goes_back_only_to_the_worklist(
    world: World, people: dict[str, UserRecord], browsers: Browsers, return_to: str
) -> None:
    browser = browsers.signed_in("ada")
    token = csrf_of(browser.get("/exceptions").text)

    answer = browser.post("/exceptions/bulk", data={"csrf_token": token, "return_to": return_to})

    assert answer.headers["location"] == "/exceptions"
