"""The worklist's security: nobody reads or changes an exception outside their scope,
through any page, export or API call; every POST needs its CSRF token; sessions are
new at each sign-in; hostile text from the data stays text; sign-in is rate limited
and says nothing of which part was wrong; it never sends anyone off-site; secrets
never reach a log or a page; every response carries its security headers; each role
does only what it may."""

from __future__ import annotations

import csv
import io
import logging
import random
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import openpyxl
import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from auditor.config import parse_settings
from auditor.store.database import Store, open_store
from auditor.store.directory import PERSONS, STAFF, TEAMS
from auditor.store.scope import EXCEPTIONS
from auditor.store.sessions import count_sessions
from auditor.store.users import (
    UserRecord,
    create_api_token,
    reset_password,
    revoke_api_tokens,
    set_disabled,
)
from auditor.web.app import COOKIE, build_app
from tests.auditor.stores import snapshot
from tests.web.stores import (
    PASSWORD,
    Browsers,
    World,
    csrf_of,
    ids_on,
    sign_in,
    total_on,
    visible_ids,
)

SCOPED = ["tom", "pam", "tia", "sam", "sue", "meg"]  # a team, a provider, two teams, SPOs, SM
WORKERS = ["tom", "pam", "tia", "sam", "sue"]
EVERY = "status=all&triage=all"


def plant(browser: TestClient, cookie: str) -> None:
    """Put a session cookie in a browser, as if someone had planted it there."""
    browser.cookies.clear()
    browser.cookies.set(COOKIE, cookie, domain="testserver.local", path="/")


def case_records(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Everything in the store but the sign-ins' own bookkeeping (a token's last use)."""
    contents = snapshot(store)
    return {k: v for k, v in contents.items() if k not in ("api_tokens", "web_sessions")}


def outside_and_inside(world: World, user: UserRecord, seed: str) -> tuple[list[int], list[int]]:
    """A random sample of the exceptions outside the user's scope (and ids that exist
    nowhere), and of those inside it."""
    inside = visible_ids(world, user.scope())
    outside = sorted(world.ids - inside)
    assert inside and outside, "the user sees some exceptions, not all"
    pick = random.Random(seed)
    return pick.sample(outside, 30) + [0, 10_000], pick.sample(sorted(inside), min(6, len(inside)))


def rows_of(store: Store, ids: set[int]) -> dict[str, list[tuple[Any, ...]]]:
    """The exceptions and history rows of these exceptions, as stored."""
    contents = snapshot(store)
    return {
        "exceptions": [row for row in contents["exceptions"] if row[0] in ids],
        "history": [row for row in contents["exception_history"] if row[1] in ids],
    }


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_rows(content: bytes) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    finally:
        book.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def api_ids(browser: TestClient, query: str = EVERY) -> list[int]:
    """Every exception the API lists, following its pages."""
    found: list[int] = []
    cursor = None
    while True:
        page = browser.get(
            f"/api/exceptions?{query}&size=37" + (f"&after={cursor}" if cursor else "")
        )
        assert page.status_code == 200, page.text
        found += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next"]
        if cursor is None:
            return found


# --- scope: reads ----------------------------------------------------------------------


@pytest.mark.parametrize("name", SCOPED)
def test_an_exception_outside_the_scope_is_not_found_by_page_or_api(
    world: World, people: dict[str, UserRecord], browsers: Browsers, name: str
) -> None:
    browser = browsers.signed_in(name)
    api = browsers.with_token(name)
    outside, inside = outside_and_inside(world, people[name], name)

    for exception_id in outside:
        page = browser.get(f"/exceptions/{exception_id}")
        assert page.status_code == 404, exception_id
        crn = world.by_id(exception_id)["crn"] if exception_id in world.ids else "X999999"
        assert crn not in page.text and f"reason {exception_id}" not in page.text
        for client in (browser, api):
            answer = client.get(f"/api/exceptions/{exception_id}")
            assert answer.status_code == 404 and set(answer.json()) == {"error"}
    for exception_id in inside:
        assert browser.get(f"/exceptions/{exception_id}").status_code == 200
        assert api.get(f"/api/exceptions/{exception_id}").json()["id"] == exception_id


@pytest.mark.parametrize("name", SCOPED)
def test_lists_exports_and_the_api_hold_exactly_the_users_scope(
    world: World, people: dict[str, UserRecord], browsers: Browsers, name: str
) -> None:
    browser = browsers.signed_in(name, page_size=500)
    inside = visible_ids(world, people[name].scope())

    page = browser.get(f"/exceptions?{EVERY}")
    assert set(ids_on(page.text)) == inside and total_on(page.text) == len(inside)
    assert {
        int(r["Exception"]) for r in csv_rows(browser.get(f"/exceptions.csv?{EVERY}").text)
    } == inside
    assert {
        r["Exception"] for r in xlsx_rows(browser.get(f"/exceptions.xlsx?{EVERY}").content)
    } == inside
    assert sorted(api_ids(browser)) == sorted(inside)
    assert sorted(api_ids(browsers.with_token(name))) == sorted(inside)


@pytest.mark.parametrize("name", SCOPED)
def test_filtering_by_another_scopes_team_or_provider_shows_nothing(
    world: World, people: dict[str, UserRecord], browsers: Browsers, name: str
) -> None:
    browser = browsers.signed_in(name, page_size=500)
    inside = visible_ids(world, people[name].scope())
    theirs = {world.by_id(i)["team_code"] for i in inside}
    other = next(t for t in ("N02T04", "N01T01", "N03T03") if t not in theirs)

    page = browser.get(f"/exceptions?{EVERY}&team={other}&provider=N01&provider=N02&provider=N03")

    assert set(ids_on(page.text)) <= inside
    assert f"Officer{other}" not in page.text  # nor the names of that team's staff
    assert csv_rows(browser.get(f"/exceptions.csv?{EVERY}&team={other}").text) == []


def test_a_crafted_cursor_does_not_reach_past_the_scope(
    world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.signed_in("tom")
    inside = visible_ids(world, people["tom"].scope())
    first = browser.get(f"/api/exceptions?{EVERY}&size=1").json()

    for cursor in (
        first["next"],
        "WzAsICIwMDAxLTAxLTAxIiwgMF0",
        "WzIsICI5OTk5LTEyLTMxIiwgOTk5OTldXQ",
    ):
        for direction in ("after", "before"):
            page = browser.get(f"/api/exceptions?{EVERY}&size=500&{direction}={cursor}")
            assert {item["id"] for item in page.json()["items"]} <= inside


# --- scope: writes ---------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKERS)
def test_no_action_changes_an_exception_outside_the_scope(
    store: Store, world: World, people: dict[str, UserRecord], browsers: Browsers, name: str
) -> None:
    browser = browsers.signed_in(name)
    api = browsers.with_token(name)
    outside, inside = outside_and_inside(world, people[name], name)
    others = world.ids - visible_ids(world, people[name].scope())
    before = rows_of(store, others)
    token = csrf_of(browser.get("/exceptions").text)

    for exception_id in outside:
        form = {"csrf_token": token, "action": "acknowledge"}
        assert browser.post(f"/exceptions/{exception_id}/actions", data=form).status_code == 404
        body = {"action": "comment", "comment": "was here"}
        assert (
            browser.post(
                f"/api/exceptions/{exception_id}/actions",
                json=body,
                headers={"X-CSRF-Token": token},
            ).status_code
            == 404
        )
        assert api.post(f"/api/exceptions/{exception_id}/actions", json=body).status_code == 404
    selected = [f"{i}:" for i in outside + inside]
    bulk = browser.post(
        "/exceptions/bulk",
        data={"csrf_token": token, "action": "acknowledge", "selected": selected},
    )
    assert bulk.status_code == 303
    answer = api.post(
        "/api/exceptions/bulk",
        json={"action": "done", "items": {str(i): None for i in outside + inside}},
    ).json()

    assert rows_of(store, others) == before
    assert set(answer["refused"]) >= {str(i) for i in outside}
    assert all(answer["refused"][str(i)] == f"there is no exception {i}" for i in outside)
    open_inside = {i for i in inside if world.by_id(i)["status"] != "resolved"}
    assert set(answer["changed"]) == open_inside  # and what is inside did change
    with store.reading() as connection:
        triage = dict(connection.execute(select(EXCEPTIONS.c.id, EXCEPTIONS.c.triage)).all())
    assert all(triage[i] == "done" for i in open_inside)


# --- CSRF --------------------------------------------------------------------------------


def post_routes() -> list[tuple[str, str, dict[str, Any]]]:
    """Every POST route of the app: (path, body kind, body)."""
    return [
        ("/exceptions/5/actions", "form", {"action": "acknowledge"}),
        ("/exceptions/bulk", "form", {"action": "acknowledge", "selected": ["5:", "6:"]}),
        ("/api/exceptions/5/actions", "json", {"action": "acknowledge"}),
        ("/api/exceptions/bulk", "json", {"action": "acknowledge", "items": {"5": None}}),
        ("/logout", "form", {}),
        ("/login", "form", {"username": "ada", "password": PASSWORD}),
    ]


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
@pytest.mark.parametrize(("path", "kind", "body"), post_routes())
def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
    store: Store,
    world: World,
    people: dict[str, UserRecord],
    browsers: Browsers,
    path: str,
    kind: str,
    body: dict[str, Any],
    token: str | None,
) -> None:
    browser = browsers.signed_in("ada")
    before = snapshot(store)

    if kind == "json":
        headers = {} if token is None else {"X-CSRF-Token": token}
        response = browser.post(path, json=body, headers=headers)
    else:
        response = browser.post(path, data=body | ({} if token is None else {"csrf_token": token}))

    assert response.status_code == 403
    assert snapshot(store) == before
    assert browser.get("/exceptions").status_code == 200  # still signed in, as before


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_signing_in_without_the_forms_csrf_token_is_refused(
    store: Store, people: dict[str, UserRecord], browsers: Browsers, token: str | None
) -> None:
    browser = browsers.new()
    browser.get("/login")
    form = {"username": "ada", "password": PASSWORD} | (
        {} if token is None else {"csrf_token": token}
    )

    assert browser.post("/login", data=form).status_code == 403
    assert count_sessions(store, people["ada"].id) == 0
    assert browser.get("/exceptions").status_code == 303


def test_the_csrf_token_of_one_session_is_no_good_in_another(
    store: Store, world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    mine, theirs = browsers.signed_in("ada"), browsers.signed_in("ada")
    their_token = csrf_of(theirs.get("/exceptions").text)
    before = snapshot(store)

    refused = mine.post(
        "/exceptions/5/actions", data={"csrf_token": their_token, "action": "acknowledge"}
    )

    assert refused.status_code == 403 and snapshot(store) == before


# --- sessions and cookies -----------------------------------------------------------------


def test_signing_in_gives_a_new_cookie_and_the_one_before_is_useless(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.new()
    browser.get("/login")
    before = browser.cookies[COOKIE]

    assert sign_in(browser, "ada").status_code == 303
    after = browser.cookies[COOKIE]
    assert after != before
    planted = browsers.new()
    plant(planted, before)
    assert planted.get("/exceptions").status_code == 303  # to sign-in


def test_a_session_planted_in_a_browser_never_becomes_the_victims(
    store: Store, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    """An attacker's own signed-in cookie, planted in a victim's browser: the victim
    cannot sign in on top of it, and once they sign out the attacker's copy is dead."""
    attacker = browsers.signed_in("tom")
    planted = attacker.cookies[COOKIE]
    victim = browsers.new()
    plant(victim, planted)

    assert victim.get("/login").status_code == 303  # signed in already, as Tom
    page = victim.get("/exceptions")
    refused = victim.post(
        "/login", data={"username": "pam", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert refused.status_code == 403 and count_sessions(store, people["pam"].id) == 0
    victim.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert sign_in(victim, "pam").status_code == 303

    assert victim.cookies[COOKIE] != planted
    assert attacker.get("/exceptions").status_code == 303
    assert "Pam" in victim.get("/exceptions").text


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(
    store: Store, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.signed_in("ada")
    copy = browsers.new()
    plant(copy, browser.cookies[COOKIE])
    assert copy.get("/exceptions").status_code == 200

    out = browser.post("/logout", data={"csrf_token": csrf_of(browser.get("/exceptions").text)})

    assert (out.status_code, out.headers["location"]) == (303, "/login?signed_out=1")
    assert copy.get("/exceptions").status_code == 303
    assert count_sessions(store, people["ada"].id) == 0


@pytest.mark.parametrize(
    ("base_url", "secure"), [("http://localhost:8000", False), ("https://auditor.example", True)]
)
def test_the_session_cookie_is_httponly_samesite_lax_and_secure_over_https(
    people: dict[str, UserRecord], browsers: Browsers, base_url: str, secure: bool
) -> None:
    login = browsers.new(base_url=base_url).get("/login")
    signed_in = sign_in(browsers.new(), "ada")

    for response, flagged_secure in ((login, secure), (signed_in, False)):
        cookie = response.headers["set-cookie"].lower()
        assert cookie.startswith(f"{COOKIE}=")
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert ("secure" in cookie.replace("samesite", "")) is flagged_secure


def test_the_cookie_holds_no_user_name_or_password(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.signed_in("ada")

    value = browser.cookies[COOKIE]
    assert "ada" not in value.lower() and PASSWORD not in value


# --- hostile text ---------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script>"onmouseover="x\u202eexe.txt'


@pytest.fixture
def hostile(store: Store, world: World) -> dict[str, Any]:
    """Exception 1 with a hostile reason; its person, officer and team hostile names."""
    row = world.by_id(1)
    with store.writing() as connection:
        connection.execute(
            update(EXCEPTIONS)
            .where(EXCEPTIONS.c.id == 1)
            .values(
                reason=HOSTILE,
                team_code="N01T01",
                staff_code="N01T01A",
                status="open",
                triage="none",
                dispute_state=None,
            )
        )
        connection.execute(
            update(PERSONS)
            .where(PERSONS.c.crn == row["crn"])
            .values(forename=HOSTILE, surname="Smith")
        )
        connection.execute(
            update(STAFF).where(STAFF.c.staff_code == "N01T01A").values(forename=HOSTILE)
        )
        connection.execute(
            update(TEAMS).where(TEAMS.c.team_code == "N01T01").values(team_name=HOSTILE)
        )
    return row


def assert_inert(html: str) -> None:
    """The hostile text is in the page as text only: escaped, and without its
    right-to-left override (which would reorder what follows it)."""
    assert "<script>alert(1)" not in html
    assert '"onmouseover="x' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;onmouseover=&#34;x" in html
    assert "\u202e" not in html and "&#x202e;" not in html.lower()
    assert "x\ufffdexe.txt" in html  # shown as a replacement character instead


@pytest.mark.parametrize("show_names", [True, False])
def test_hostile_text_is_escaped_in_the_list_and_the_detail(
    hostile: dict[str, Any], people: dict[str, UserRecord], browsers: Browsers, show_names: bool
) -> None:
    browser = browsers.signed_in("ada", show_names=show_names, page_size=500)

    listed = browser.get(f"/exceptions?crn={hostile['crn']}&{EVERY}")
    detail = browser.get("/exceptions/1")

    assert 1 in ids_on(listed.text)
    for page in (listed, detail):
        assert page.status_code == 200
        assert_inert(page.text)
        assert ("Smith" in page.text) is show_names  # the name only when names are shown
    assert "S.S." in detail.text or show_names  # initials: the first letters


def test_hostile_text_is_plain_data_in_the_exports_and_the_api(
    hostile: dict[str, Any], people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.signed_in("ada", show_names=True)

    (row,) = csv_rows(
        browser.get(
            f"/exceptions.csv?crn={hostile['crn']}&{EVERY}&check={hostile['check']}"
        ).text.replace("\r\n", "\n")
    )
    (cells,) = [
        r
        for r in xlsx_rows(browser.get(f"/exceptions.xlsx?crn={hostile['crn']}&{EVERY}").content)
        if r["Exception"] == 1
    ]
    api = browser.get("/api/exceptions/1")
    listed = browser.get(f"/api/exceptions?crn={hostile['crn']}&{EVERY}")

    assert row["Exception"] == "1"
    assert (row["Reason"], row["Person"], row["Team name"]) == (
        HOSTILE,
        f"{HOSTILE} Smith",
        HOSTILE,
    )
    assert (cells["Reason"], cells["Person"]) == (HOSTILE, f"{HOSTILE} Smith")
    assert api.headers["content-type"] == "application/json"
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.json()["reason"] == HOSTILE and api.json()["team_name"] == HOSTILE
    assert HOSTILE in [item["reason"] for item in listed.json()["items"]]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised(
    store: Store, world: World, people: dict[str, UserRecord], browsers: Browsers, start: str
) -> None:
    formula = f'{start}HYPERLINK("https://evil.example","click")'
    with store.writing() as connection:
        connection.execute(update(EXCEPTIONS).where(EXCEPTIONS.c.id == 1).values(reason=formula))
    browser = browsers.signed_in("ada")

    (row,) = [
        r for r in csv_rows(browser.get(f"/exceptions.csv?{EVERY}").text) if r["Exception"] == "1"
    ]
    book = openpyxl.load_workbook(io.BytesIO(browser.get(f"/exceptions.xlsx?{EVERY}").content))
    sheet = book.active
    assert sheet is not None
    headings = [cell.value for cell in sheet[1]]
    (cell,) = [r[headings.index("Reason")] for r in sheet.iter_rows(min_row=2) if r[0].value == 1]

    assert row["Reason"] == "'" + formula
    assert cell.data_type == "s"  # text, never a formula (xlsx writes a CR as _x000D_)
    assert cell.value.replace("_x000D_", "\r") == formula
    book.close()


# --- signing in --------------------------------------------------------------------------


def attempt(browser: TestClient, username: str, password: str) -> Any:
    return sign_in(browser, username, password)


def error_text(html: str) -> str:
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert found is not None, "no error summary"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_a_wrong_name_a_wrong_password_and_a_disabled_user_get_the_same_answer(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    answers = [
        attempt(browsers.new(), name, password)
        for name, password in [
            ("nobody", PASSWORD),
            ("ada", "not the password"),
            ("dan", PASSWORD),
            ("ada", PASSWORD.upper()),
        ]
    ]

    assert {a.status_code for a in answers} == {401}
    assert {error_text(a.text) for a in answers} == {"The user name or password is not right"}


def test_the_password_is_never_sent_back(people: dict[str, UserRecord], browsers: Browsers) -> None:
    answer = attempt(browsers.new(), "ada", "my secret wrong password")

    assert "my secret wrong password" not in answer.text
    assert 'value="ada"' in answer.text  # the name is kept, to correct


@pytest.mark.parametrize("missing", ["username", "password"])
def test_a_missing_name_or_password_is_asked_for(
    people: dict[str, UserRecord], browsers: Browsers, missing: str
) -> None:
    browser = browsers.new()
    form = {
        "username": "ada",
        "password": PASSWORD,
        "csrf_token": csrf_of(browser.get("/login").text),
    }

    answer = browser.post("/login", data=form | {missing: ""})

    assert answer.status_code == 400
    assert f"Enter your {'user name' if missing == 'username' else 'password'}" in answer.text


def test_after_the_failures_allowed_even_the_right_password_is_refused(
    store: Store, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.new(login_attempts=3)
    for _ in range(3):
        assert attempt(browser, "ada", "not the password").status_code == 401

    refused = attempt(browser, "ADA", PASSWORD)

    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
    assert count_sessions(store, people["ada"].id) == 0
    assert (
        attempt(browsers.new(address="10.9.9.9", login_attempts=3), "ada", PASSWORD).status_code
        == 429
    )  # from any address: the limit is the name's
    assert attempt(browser, "pam", PASSWORD).status_code == 303  # others sign in as before


def test_failures_from_one_address_are_limited_whatever_the_names(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.new(address="10.0.0.66", login_attempts=2)
    for n in range(2 * 4):  # four times the per-name limit, per address
        assert attempt(browser, f"guess{n}", "not the password").status_code == 401

    assert attempt(browser, "pam", PASSWORD).status_code == 429
    assert (
        attempt(browsers.new(address="10.0.0.67", login_attempts=2), "pam", PASSWORD).status_code
        == 303
    )


def test_a_successful_sign_in_forgives_the_names_earlier_failures(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.new(login_attempts=3)
    for _ in range(2):
        attempt(browser, "ada", "not the password")
    assert attempt(browser, "ada", PASSWORD).status_code == 303

    other = browsers.new(login_attempts=3)
    for _ in range(2):
        assert attempt(other, "ada", "not the password").status_code == 401
    assert attempt(other, "ada", PASSWORD).status_code == 303


@pytest.mark.parametrize(
    "next_page",
    [
        "//evil.example",
        "//evil.example/exceptions",
        "https://evil.example",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "evil.example",
        "@evil.example",
    ],
)
def test_after_sign_in_the_next_page_is_never_off_site(
    people: dict[str, UserRecord], browsers: Browsers, next_page: str
) -> None:
    browser = browsers.new()
    posted = sign_in(browser, "ada", next_page=next_page)
    again = browser.get("/login", params={"next": next_page})  # signed in: straight on

    for answer in (posted, again):
        assert answer.status_code == 303
        assert on_this_site(answer.headers["location"]), answer.headers["location"]


def on_this_site(location: str) -> bool:
    """Whether a browser would stay on this site (browsers drop tabs and newlines and
    read a backslash as a slash)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    target = urlsplit(urljoin("http://testserver/login", cleaned))
    return (target.scheme, target.netloc) == ("http", "testserver")


@pytest.mark.parametrize("next_page", ["/exceptions?team=N01T01&severity=high", "/exceptions/5"])
def test_after_sign_in_the_page_asked_for_is_shown(
    people: dict[str, UserRecord], browsers: Browsers, next_page: str
) -> None:
    browser = browsers.new()
    asked = browser.get(next_page)
    assert asked.status_code == 303 and asked.headers["location"].startswith("/login?next=")

    login_page = browser.get(asked.headers["location"])
    form = {
        "username": "ada",
        "password": PASSWORD,
        "csrf_token": csrf_of(login_page.text),
        "next": first_group(r'name="next" value="([^"]*)"', login_page.text),
    }

    answer = browser.post("/login", data=form)
    assert answer.headers["location"].replace("&amp;", "&") == next_page


# --- secrets -------------------------------------------------------------------------------

SESSION_SECRET = "SENTINEL-session-secret-4f1c"
STORE_PASSWORD = "SENTINEL-store-password-9b2e"
USER_PASSWORD = "SENTINEL-user-password-77aa"


def shown(response: Any) -> str:
    """All a response says: its headers and its body (a workbook's cells, read back)."""
    if response.headers.get("content-type", "").startswith("application/vnd.openxml"):
        return f"{response.headers}{xlsx_rows(response.content)}"
    return f"{response.headers}{response.content.decode('utf-8', 'replace')}"


def test_secrets_never_reach_a_log_or_a_response(
    store: Store,
    world: World,
    people: dict[str, UserRecord],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("AUDITOR_SESSION_SECRET", SESSION_SECRET)
    monkeypatch.setenv("AUDITOR_STORE_PASSWORD", STORE_PASSWORD)
    url = store.engine.url.render_as_string(hide_password=False)
    settings = parse_settings({"store": {"url": url}})
    opened = open_store(settings.store)  # with the password, on PostgreSQL
    reset_password(opened, "ada", USER_PASSWORD)
    token = create_api_token(opened, "ada", "api")
    caplog.set_level(logging.DEBUG)
    responses = []
    with TestClient(build_app(settings, opened), follow_redirects=False) as browser:
        responses.append(attempt(browser, "ada", USER_PASSWORD + "x"))
        responses.append(attempt(browser, "ada", USER_PASSWORD))
        for path in (
            "/exceptions",
            "/exceptions/1",
            "/exceptions/99999",
            "/exceptions.csv",
            "/exceptions.xlsx",
            "/api/exceptions",
            "/nowhere",
            "/users",
        ):
            responses.append(browser.get(path))
        csrf = csrf_of(responses[2].text)
        responses.append(
            browser.post(
                "/exceptions/1/actions",
                data={"csrf_token": csrf, "action": "comment", "comment": "seen"},
            )
        )
        responses.append(browser.post("/logout", data={"csrf_token": csrf}))
    with TestClient(
        build_app(settings, opened), headers={"Authorization": f"Bearer {token}"}
    ) as api:
        responses += [
            api.get("/api/exceptions"),
            api.get("/api/exceptions/1"),
            api.post("/api/exceptions/1/actions", json={"action": "comment", "comment": "x"}),
        ]
    opened.dispose()

    assert caplog.records, "the app logged something to look at"
    said = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    sent = "".join(shown(response) for response in responses)
    for secret in (SESSION_SECRET, STORE_PASSWORD, USER_PASSWORD, token):
        assert secret not in said, secret
        assert secret not in sent, secret


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/exceptions",
        "/exceptions/1",
        "/exceptions/99999",
        "/nowhere",
        "/exceptions.csv",
        "/exceptions.xlsx",
        "/api/exceptions",
        "/api/exceptions/99999",
        "/users",
        "/static/app.css",
    ],
)
def test_every_response_carries_the_security_headers(
    world: World, people: dict[str, UserRecord], browsers: Browsers, path: str
) -> None:
    response = browsers.signed_in("ada").get(path)

    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    cached = response.headers.get("cache-control")
    assert cached == ("no-store" if not path.startswith("/static/") else cached)
    assert cached == "no-store" or path.startswith("/static/")


def test_each_page_has_its_own_script_nonce(
    people: dict[str, UserRecord], browsers: Browsers
) -> None:
    browser = browsers.new()
    nonces = [
        first_group(r"'nonce-([^']+)'", browser.get("/login").headers["content-security-policy"])
        for _ in range(3)
    ]

    assert len(set(nonces)) == 3


# --- roles -----------------------------------------------------------------------------------

READS = ["/exceptions", "/exceptions/1", "/exceptions.csv", "/exceptions.xlsx"]
API_READS = ["/api/exceptions", "/api/exceptions/1"]


def test_a_sysadmin_reads_no_exceptions(
    world: World, people: dict[str, UserRecord], browsers: Browsers, store: Store
) -> None:
    browser, api = browsers.signed_in("sys"), browsers.with_token("sys")
    token = csrf_of(browser.get("/users").text)
    before = case_records(store)

    for path in READS:
        page = browser.get(path)
        assert page.status_code == 403 and "reason 1" not in page.text, path
    for path in API_READS:
        assert api.get(path).status_code == 403, path
    assert (
        browser.post(
            "/exceptions/1/actions", data={"csrf_token": token, "action": "done"}
        ).status_code
        == 403
    )
    assert (
        browser.post(
            "/exceptions/bulk", data={"csrf_token": token, "action": "done", "selected": "1:"}
        ).status_code
        == 403
    )
    assert api.post("/api/exceptions/1/actions", json={"action": "done"}).status_code == 403
    assert (
        api.post("/api/exceptions/bulk", json={"action": "done", "items": {"1": None}}).status_code
        == 403
    )
    assert case_records(store) == before
    assert browser.get("/users").status_code == 200
    assert browser.get("/").headers["location"] == "/users"


@pytest.mark.parametrize("name", ["meg", "max"])
@pytest.mark.parametrize("action", ["done", "acknowledge", "comment", "assign", "uphold"])
def test_a_senior_manager_reads_but_changes_nothing(
    store: Store,
    world: World,
    people: dict[str, UserRecord],
    browsers: Browsers,
    name: str,
    action: str,
) -> None:
    browser, api = browsers.signed_in(name), browsers.with_token(name)
    mine = sorted(visible_ids(world, people[name].scope()))[0]
    token = csrf_of(browser.get(f"/exceptions/{mine}").text)
    before = case_records(store)
    fields = {"action": action, "comment": "x", "assignee": "ada"}

    assert browser.get(f"/exceptions/{mine}").status_code == 200
    assert (
        browser.post(f"/exceptions/{mine}/actions", data=fields | {"csrf_token": token}).status_code
        == 403
    )
    assert api.post(f"/api/exceptions/{mine}/actions", json=fields).status_code == 403
    assert (
        api.post("/api/exceptions/bulk", json=fields | {"items": {str(mine): None}}).status_code
        == 403
    )
    if action in ("done", "acknowledge", "assign"):
        assert (
            browser.post(
                "/exceptions/bulk", data=fields | {"csrf_token": token, "selected": f"{mine}:"}
            ).status_code
            == 403
        )
    assert case_records(store) == before


def test_only_an_spo_rules_on_a_dispute(
    store: Store, world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    disputed = next(
        r
        for r in world.rows
        if r["team_code"] == "N01T01"
        and r["status"] == "open"
        and r["triage"] == "disputed"
        and r["dispute_state"] == "pending"
    )
    before = case_records(store)

    answer = browsers.with_token("tom").post(
        f"/api/exceptions/{disputed['id']}/actions", json={"action": "uphold"}
    )
    assert (answer.status_code, case_records(store)) == (403, before)
    upheld = browsers.with_token("sam").post(
        f"/api/exceptions/{disputed['id']}/actions", json={"action": "uphold"}
    )
    assert upheld.status_code == 200


# --- API tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer ", "Bearer aud_made-up", "Basic YWRhOmFkYQ=="]
)
def test_the_api_without_a_live_token_answers_401(
    store: Store,
    world: World,
    people: dict[str, UserRecord],
    browsers: Browsers,
    header: str | None,
) -> None:
    client = browsers.new()
    if header is not None:
        client.headers["Authorization"] = header
    before = case_records(store)

    for answer in (
        client.get("/api/exceptions"),
        client.get("/api/exceptions/1"),
        client.post("/api/exceptions/1/actions", json={"action": "done"}),
        client.post("/api/exceptions/bulk", json={"action": "done", "items": {"1": 1}}),
    ):
        assert answer.status_code == 401 and "error" in answer.json()
    assert case_records(store) == before


@pytest.mark.parametrize("ended", ["revoked", "disabled"])
def test_a_revoked_token_or_a_disabled_users_token_answers_401(
    store: Store, world: World, people: dict[str, UserRecord], browsers: Browsers, ended: str
) -> None:
    api = browsers.with_token("ada")
    assert api.get("/api/exceptions").status_code == 200

    if ended == "revoked":
        revoke_api_tokens(store, "ada")
    else:
        set_disabled(store, "ada")

    assert api.get("/api/exceptions").status_code == 401
    assert api.post("/api/exceptions/1/actions", json={"action": "done"}).status_code == 401


def test_a_live_token_needs_no_csrf_token(
    store: Store, world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    row = next(r for r in world.rows if r["status"] == "open" and r["triage"] == "none")

    answer = browsers.with_token("ada").post(
        f"/api/exceptions/{row['id']}/actions",
        json={"action": "acknowledge", "version": row["version"]},
    )

    assert answer.json() == {"id": row["id"], "version": row["version"] + 1}
    with store.reading() as connection:
        triage = connection.scalar(select(EXCEPTIONS.c.triage).where(EXCEPTIONS.c.id == row["id"]))
    assert triage == "acknowledged"


def test_a_token_does_not_sign_in_to_the_pages(
    world: World, people: dict[str, UserRecord], browsers: Browsers
) -> None:
    api = browsers.with_token("ada")

    for path in ("/exceptions", "/exceptions/1", "/exceptions.csv"):
        assert api.get(path).status_code == 303, path


def first_group(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found is not None, f"{pattern} not in {text[:200]}"
    return found.group(1)
