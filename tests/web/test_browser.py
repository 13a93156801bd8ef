"""End to end in a real browser: Debian's Chromium, driven by Playwright, against a real
`auditor serve` on loopback holding seven days of the demo (emails included).

The tests run in this file's order and share one store: the one that runs the demo's
eighth day comes before those that need a later run. Every page is screenshotted
under test-artifacts/screenshots/ and checked with axe-core (WCAG 2.2 AA) under
test-artifacts/axe/.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import polars as pl
import pytest
from playwright.sync_api import Browser, Page, expect

from auditor.calendar import wd
from auditor.demo import run_day
from auditor.pipeline import run_audit
from auditor.store.scope import Scope
from auditor.store.worklist import Filters, counts, list_page
from auditor.web.account import WRONG
from auditor.web.export import COLUMNS
from checks.registry import REGISTRY
from tests.web.browser import (
    CHROMIUM,
    PAGE_SIZE,
    DemoWorld,
    chromium_browser,
    describe,
    email_notifiers,
    history_titles,
    html_links,
    ids_shown,
    nav_labels,
    new_context,
    read_email,
    result_count,
    screenshot,
    serious_violations,
    served_demo,
    sign_in,
)

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (Debian's chromium package)", allow_module_level=True)

pytestmark = pytest.mark.browser
EVERYTHING = Scope(everything=True)
FLASH = ".govuk-notification-banner--success"
RolePage = Callable[[str], Page]


@pytest.fixture(scope="module")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    with served_demo(tmp_path_factory.mktemp("browser")) as world:
        yield world


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def as_role(demo_world: DemoWorld, chromium: Browser) -> Iterator[RolePage]:
    """The page of a browser signed in (through the form) as the demo user of a role."""
    contexts = {}

    def page_of(role: str) -> Page:
        if role not in contexts:
            context = new_context(chromium)
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.goto(demo_world.url + "/login")
            sign_in(page, demo_world.logins[role])
            assert urlsplit(page.url).path != "/login", f"{role} could not sign in"
            contexts[role] = context
        return contexts[role].pages[0]

    yield page_of
    for context in contexts.values():
        context.close()


@pytest.fixture
def signed_out(chromium: Browser) -> Iterator[Page]:
    """A page of a new browser context: nobody signed in."""
    context = new_context(chromium)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def tags_of(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("main p.govuk-body .govuk-tag").all_inner_texts()]


def open_detail(page: Page, world: DemoWorld, exception_id: int) -> None:
    answer = page.goto(f"{world.url}/exceptions/{exception_id}")
    assert answer is not None and answer.status == 200, exception_id
    expect(page.locator("h1")).to_be_visible()


def act(page: Page, action: str) -> None:
    """Press the button of the detail page's form for ``action``."""
    form = page.locator(f"form.app-action:has(input[name=action][value={action}])")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def open_details(page: Page, summary: str) -> None:
    page.locator("summary.govuk-details__summary", has_text=summary).click()


def to_do_ids(world: DemoWorld, where: str, **params: object) -> list[int]:
    """The open, untriaged exceptions meeting ``where`` (SQL on exceptions e), by id;
    at least one, or the demo no longer holds what the test needs."""
    rows = world.sql(
        "select e.id from exceptions e where e.status = 'open' and e.triage = 'none' and "
        + where + " order by e.id", **params,
    )  # fmt: skip
    assert rows, f"the demo has no open, untriaged exception where {where} ({params})"
    return [r["id"] for r in rows]


def crn_of(world: DemoWorld, exception_id: int) -> str:
    return str(world.sql("select crn from exceptions where id = :i", i=exception_id)[0]["crn"])


def crns_where(world: DemoWorld, condition: pl.Expr) -> list[str]:
    return world.demo.evolution.timeline.filter(condition)["crn"].to_list()


# 1. Signing in ---------------------------------------------------------------------------

LANDING = {"admin": "/exceptions", "spo": "/exceptions", "senior_manager": "/exceptions",
           "sysadmin": "/users"}  # fmt: skip


@pytest.mark.parametrize("role", list(LANDING))
def test_each_role_signs_in_to_its_own_landing_page(
    demo_world: DemoWorld, signed_out: Page, role: str
) -> None:
    page, login = signed_out, demo_world.logins[role]
    page.goto(demo_world.url + "/")
    assert path_of(page) == "/login"

    page.fill("#username", login.username)
    page.fill("#password", login.password + "-wrong")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Sign in").click()
    assert posted.value.status == 401
    expect(page.locator(".govuk-error-summary")).to_contain_text(WRONG)
    expect(page.locator("#username-error")).to_contain_text(WRONG)
    assert page.input_value("#username") == login.username
    assert page.locator(".app-account").count() == 0  # nobody is signed in
    page.goto(demo_world.url + "/exceptions")
    assert path_of(page) == "/login"  # no session: the worklist still asks for sign-in

    page.goto(demo_world.url + "/login")  # not ?next=/exceptions: the role's own landing
    sign_in(page, login)
    assert path_of(page) == LANDING[role]
    expect(page.locator(".app-account")).to_contain_text(login.display_name)
    nav = nav_labels(page)
    if role == "sysadmin":
        assert nav == ["Users"]
        expect(page.locator("h1")).to_have_text("Users")
        answer = page.goto(demo_world.url + "/exceptions")
        assert answer is not None and answer.status == 403
        expect(page.locator("h1")).to_have_text("You cannot see case records")
    else:
        assert "Worklist" in nav and "Users" not in nav
        expect(page.locator("h1")).to_contain_text("Worklist")
        answer = page.goto(demo_world.url + "/users")
        assert answer is not None and answer.status == 403
    for href in page.locator(".govuk-service-navigation__list a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    ):
        assert page.request.get(demo_world.url + href).status == 200, f"nav link {href}"

    page.get_by_role("button", name="Sign out").click()
    assert path_of(page) == "/login"
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
    page.goto(demo_world.url + "/exceptions")
    assert path_of(page) == "/login"


def test_a_senior_manager_reads_but_cannot_act(demo_world: DemoWorld, as_role: RolePage) -> None:
    page = as_role("senior_manager")
    page.goto(demo_world.url + "/exceptions")
    assert page.locator("input[name=selected]").count() == 0  # no bulk actions
    first = ids_shown(page)[0]
    open_detail(page, demo_world, first)
    expect(page.locator("main")).to_contain_text("You can read this exception")
    assert page.locator("form.app-action").count() == 0


def test_an_admin_of_one_provider_sees_only_that_provider(
    demo_world: DemoWorld, as_role: RolePage
) -> None:
    page, provider = as_role("admin_one"), demo_world.one_provider
    page.goto(demo_world.url + "/exceptions?status=all&triage=all")
    scope = Scope(providers=frozenset({provider}))
    with demo_world.store.reading() as connection:
        total = counts(connection, scope, Filters(statuses=(), triages=()), demo_world.as_of).total
    assert result_count(page) == total > 0
    shown = ids_shown(page)
    providers = demo_world.sql(
        "select distinct coalesce(t.provider_code, p.provider_code) as provider from exceptions e"
        " left join directory_teams t on t.team_code = e.team_code"
        " left join directory_persons p on p.crn = e.crn where e.id in ("
        + ",".join(map(str, shown)) + ")"
    )  # fmt: skip
    assert [r["provider"] for r in providers] == [provider]
    elsewhere = demo_world.sql(
        "select e.id from exceptions e join directory_teams t on t.team_code = e.team_code"
        " where t.provider_code != :p order by e.id limit 1", p=provider
    )[0]["id"]  # fmt: skip
    answer = page.goto(f"{demo_world.url}/exceptions/{elsewhere}")
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("Exception not found")


# 2. Filters, sort and pages ----------------------------------------------------------------


def busiest_high_check(world: DemoWorld) -> str:
    with world.store.reading() as connection:
        counted = counts(connection, EVERYTHING, Filters(severities=("high",)), world.as_of)
    check, n = max(counted.facets["check"].items(), key=lambda kv: (kv[1], kv[0]))
    assert n > PAGE_SIZE, f"the demo has too few high exceptions of one check ({check}: {n})"
    return check


def test_filters_sort_and_pages_show_what_the_store_holds(
    demo_world: DemoWorld, as_role: RolePage
) -> None:
    page, check = as_role("admin"), busiest_high_check(demo_world)
    page.goto(demo_world.url + "/exceptions")
    page.locator("input[name=severity][value=high]").check()
    page.select_option("#check", check)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    page.locator(".app-list-summary").get_by_role("link", name="Due date").click()
    page.wait_for_load_state()
    query = query_of(page)
    assert query["severity"] == ["high"] and query["check"] == [check] and query["sort"] == ["due"]
    tags = page.locator(".moj-filter__tag").all_inner_texts()
    assert any("High" in t for t in tags) and any(REGISTRY[check].title in t for t in tags)

    filters = Filters(severities=("high",), checks=(check,))
    as_of = demo_world.as_of
    with demo_world.store.reading() as connection:
        total = counts(connection, EVERYTHING, filters, as_of).total
        first = list_page(connection, EVERYTHING, filters, as_of, "due", size=PAGE_SIZE)
        assert first.next_cursor is not None
        second = list_page(connection, EVERYTHING, filters, as_of, "due",
                           after=first.next_cursor, size=PAGE_SIZE)  # fmt: skip
    assert result_count(page) == total
    assert ids_shown(page) == [r["id"] for r in first.rows]
    dues = [r["due_date"] or dt.date.max for r in first.rows + second.rows]
    assert dues == sorted(dues)

    page.locator(".govuk-pagination a[rel=next]").click()
    page.wait_for_load_state()
    assert "after" in query_of(page) and query_of(page)["check"] == [check]
    assert ids_shown(page) == [r["id"] for r in second.rows]
    assert result_count(page) == total

    page.locator(".govuk-pagination a[rel=prev]").click()
    page.wait_for_load_state()
    assert "before" in query_of(page)
    assert ids_shown(page) == [r["id"] for r in first.rows]
    assert page.locator(".govuk-pagination a[rel=prev]").count() == 0  # the first page


# 3. Links in the emails -------------------------------------------------------------------


def test_links_in_an_spo_email_open_the_exception_and_their_list(
    demo_world: DemoWorld, signed_out: Page
) -> None:
    spo = demo_world.spo_staff_code
    address = demo_world.sql("select email from directory_staff where staff_code = :s", s=spo)
    emails = sorted(demo_world.demo.outbox.glob(f"*/{address[0]['email']}.*.eml"))
    assert emails, f"no email to SPO {spo} in {demo_world.demo.outbox}"
    links = html_links(read_email(emails[-1]))
    prefix = demo_world.url + "/exceptions/"
    exception_links = [href for href, _ in links if href.startswith(prefix)]
    worklist = [href for href, text in links if text == "Open the worklist"]
    assert exception_links and len(worklist) == 1

    page = signed_out
    wanted = exception_links[0]
    exception_id = int(wanted.removeprefix(prefix))
    page.goto(wanted)
    assert path_of(page) == "/login"
    assert query_of(page)["next"] == [f"/exceptions/{exception_id}"]
    sign_in(page, demo_world.logins["spo"])
    assert page.url == wanted
    row = demo_world.sql('select crn, "check" from exceptions where id = :i', i=exception_id)[0]
    expect(page.locator("h1")).to_have_text(REGISTRY[row["check"]].title)
    expect(page.locator(".govuk-caption-l")).to_contain_text(row["crn"])

    page.goto(worklist[0])
    teams = query_of(page)["team"]
    assert sorted(teams) == list(demo_world.spo_teams)
    assert page.locator(".govuk-error-summary").count() == 0  # every team in the link is known
    shown = ids_shown(page)
    assert shown
    placeholders = ",".join(map(str, shown))
    found = demo_world.sql(
        f"select distinct team_code from exceptions where id in ({placeholders})"
    )
    assert {r["team_code"] for r in found} <= set(teams)
    with demo_world.store.reading() as connection:
        total = counts(connection, Scope(spo=spo), Filters(teams=tuple(teams)), demo_world.as_of)
    assert result_count(page) == total.total > 0


# 4. Done, and the next run ----------------------------------------------------------------


def test_done_is_confirmed_by_the_next_run_or_put_back(
    demo_world: DemoWorld, as_role: RolePage
) -> None:
    days = demo_world.demo.evolution.days
    assert demo_world.as_of == days[6], "this test runs the demo's eighth day"
    fixed = crns_where(demo_world, pl.col("fixed") == days[7])
    never = crns_where(
        demo_world,
        pl.col("fixed").is_null() & pl.col("relapsed").is_null() & pl.col("onset").is_null(),
    )
    first_day = days[0].isoformat()
    fixed_id = to_do_ids(demo_world, "e.crn in :c and e.first_seen = :d",
                         c=tuple(fixed), d=first_day)[0]  # fmt: skip
    failing_id = to_do_ids(demo_world, "e.crn in :c and e.first_seen = :d",
                           c=tuple(never), d=first_day)[0]  # fmt: skip

    page = as_role("admin")
    for exception_id in (fixed_id, failing_id):
        open_detail(page, demo_world, exception_id)
        page.fill("#done-comment", "fixed in nDelius")
        act(page, "done")
        expect(page.locator(FLASH)).to_contain_text(f"Exception {exception_id}: marked done")
        expect(page.locator("main p.govuk-body").first).to_contain_text("Done")
        expect(page.locator(".govuk-inset-text").first).to_contain_text("Marked done by admin")

    demo_world.demo = run_day(demo_world.demo, demo_world.base, days[7], email_notifiers)
    assert demo_world.as_of == days[7]

    open_detail(page, demo_world, fixed_id)
    assert "Resolved" in tags_of(page)
    assert history_titles(page)[0] == "Done: fix confirmed"
    expect(page.locator("main")).to_contain_text("Resolved on 25 Nov 2026")
    assert page.locator(".govuk-warning-text").count() == 0

    open_detail(page, demo_world, failing_id)
    assert "Open" in tags_of(page) and not any("Done" in t for t in tags_of(page))
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "marked done, but the run as of 25 Nov 2026 found the record still failing"
    )
    assert history_titles(page)[0] == "Marked done, but still failing"


# 5. Snooze ----------------------------------------------------------------------------------


def search_crn(page: Page, world: DemoWorld, crn: str) -> None:
    page.goto(world.url + "/exceptions")
    page.fill("#crn", crn)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()


def test_a_snoozed_exception_leaves_the_list_until_a_run_after_its_date(
    demo_world: DemoWorld, as_role: RolePage
) -> None:
    never = crns_where(demo_world, pl.col("fixed").is_null() & pl.col("relapsed").is_null())
    alone = demo_world.sql(
        "select crn from exceptions where status = 'open'"
        " and triage in ('none', 'acknowledged', 'disputed')"
        " group by crn having count(*) = 1"
    )  # fmt: skip
    crns = tuple(set(never) & {r["crn"] for r in alone})
    exception_id = to_do_ids(demo_world, "e.crn in :c", c=crns)[0]
    crn = crn_of(demo_world, exception_id)
    as_of = demo_world.as_of
    until = as_of + dt.timedelta(days=1)

    page = as_role("admin")
    open_detail(page, demo_world, exception_id)
    open_details(page, "Snooze")
    page.fill("#snooze-until", until.isoformat())
    page.fill("#snooze-comment", "waiting for the court")
    act(page, "snooze")
    expect(page.locator(FLASH)).to_contain_text("snoozed")
    assert "Snoozed" in tags_of(page)

    search_crn(page, demo_world, crn)
    assert query_of(page)["crn"] == [crn]
    assert result_count(page) == 0 and ids_shown(page) == []
    expect(page.locator(".moj-filter-layout__content")).to_contain_text("Nothing matches")
    page.goto(f"{demo_world.url}/exceptions?crn={crn}&triage=snoozed")
    assert ids_shown(page) == [exception_id]
    expect(page.locator(f"tr[data-exception-id='{exception_id}']")).to_contain_text("Snoozed")

    run_audit(demo_world.demo.settings, wd(until, 1))  # the first run after the date
    search_crn(page, demo_world, crn)
    assert ids_shown(page) == [exception_id] and result_count(page) == 1
    open_detail(page, demo_world, exception_id)
    assert "Snoozed" not in tags_of(page)
    assert "Snooze ended" in history_titles(page)


# 6. Disputes ------------------------------------------------------------------------------


def test_an_admin_disputes_and_the_spo_upholds(demo_world: DemoWorld, as_role: RolePage) -> None:
    exception_id = to_do_ids(demo_world, "e.team_code in :t", t=demo_world.spo_teams)[0]
    crn = crn_of(demo_world, exception_id)
    admin = as_role("admin")
    open_detail(admin, demo_world, exception_id)
    open_details(admin, "Dispute as a false positive")
    admin.fill("#dispute-reason", "the person moved to Scotland; not ours")
    act(admin, "dispute")
    expect(admin.locator(FLASH)).to_contain_text("disputed")
    assert "Disputed" in tags_of(admin)
    expect(admin.locator("main")).to_contain_text("Waiting for the SPO's ruling")
    assert admin.locator("form.app-action:has(input[value=uphold])").count() == 0

    spo = as_role("spo")
    open_detail(spo, demo_world, exception_id)
    expect(spo.locator("main")).to_contain_text("the person moved to Scotland")
    act(spo, "uphold")
    expect(spo.locator(FLASH)).to_contain_text("dispute upheld")
    assert "Dispute upheld" in tags_of(spo)
    expect(spo.locator("main")).to_contain_text("The SPO upheld the dispute")
    assert history_titles(spo)[0] == "Dispute upheld"

    spo.goto(f"{demo_world.url}/exceptions?crn={crn}")
    assert exception_id not in ids_shown(spo)
    spo.goto(f"{demo_world.url}/exceptions?crn={crn}&triage=false_positive")
    assert ids_shown(spo) == [exception_id]
    expect(spo.locator(f"tr[data-exception-id='{exception_id}']")).to_contain_text("Dispute upheld")


# 7. Bulk ------------------------------------------------------------------------------------


def test_bulk_acknowledge_of_three_ticked_rows(demo_world: DemoWorld, as_role: RolePage) -> None:
    page = as_role("admin")
    page.goto(demo_world.url + "/exceptions?triage=none&sort=crn")
    ticked = ids_shown(page)[:3]
    assert len(ticked) == 3
    for exception_id in ticked:
        page.locator(f"#select-{exception_id}").check()
    page.select_option("#bulk-action", "acknowledge")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator(FLASH)).to_contain_text("3 exception(s) acknowledged")
    assert page.locator(".govuk-error-summary").count() == 0
    assert not set(ticked) & set(ids_shown(page))  # no longer "not triaged"
    placeholders = ",".join(map(str, ticked))
    stored = demo_world.sql(f"select triage from exceptions where id in ({placeholders})")
    assert [r["triage"] for r in stored] == ["acknowledged"] * 3
    for exception_id in ticked:
        page.goto(f"{demo_world.url}/exceptions?crn={crn_of(demo_world, exception_id)}")
        expect(page.locator(f"tr[data-exception-id='{exception_id}'] td").last).to_contain_text(
            "Acknowledged"
        )


# 8. Exports ---------------------------------------------------------------------------------


def test_the_excel_and_csv_downloads_hold_the_filtered_rows(
    demo_world: DemoWorld, as_role: RolePage, tmp_path: Path
) -> None:
    page, check = as_role("admin"), busiest_high_check(demo_world)
    page.goto(f"{demo_world.url}/exceptions?severity=high&check={check}")
    total = result_count(page)
    filters = Filters(severities=("high",), checks=(check,))
    with demo_world.store.reading() as connection:
        rows = list_page(connection, EVERYTHING, filters, demo_world.as_of, size=10_000).rows
    assert len(rows) == total
    headings = [heading for _, heading in COLUMNS]

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    workbook = openpyxl.load_workbook(saved, read_only=True)
    try:
        cells = list(workbook["Exceptions"].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert list(cells[0]) == headings
    assert len(cells) - 1 == total
    assert [r[1] for r in cells[1:]] == [r["crn"] for r in rows]
    assert [r[0] for r in cells[1 : PAGE_SIZE + 1]] == ids_shown(page)
    assert {r[5] for r in cells[1:]} == {"high"} and {r[3] for r in cells[1:]} == {check}

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == headings
    assert len(lines) - 1 == total
    assert [r[1] for r in lines[1:]] == [r["crn"] for r in rows]


# 9 and 10. Every page: a screenshot, and axe-core ------------------------------------------


def detail_with_errors(page: Page, world: DemoWorld, exception_id: int) -> None:
    open_detail(page, world, exception_id)
    open_details(page, "Snooze")
    page.fill("#snooze-until", (world.as_of + dt.timedelta(days=400)).isoformat())
    act(page, "snooze")
    expect(page.locator(".govuk-error-summary")).to_contain_text("A snooze can last")


def wrong_sign_in(page: Page, world: DemoWorld) -> None:
    page.goto(world.url + "/login")
    page.fill("#username", "nobody-at-all")
    page.fill("#password", "not-a-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    expect(page.locator(".govuk-error-summary")).to_contain_text(WRONG)


def an_open_exception(world: DemoWorld) -> int:
    return to_do_ids(world, "e.team_code in :t", t=world.spo_teams)[-1]


PAGES: dict[str, tuple[str | None, Callable[[Page, DemoWorld], object]]] = {
    "login": (None, lambda p, w: p.goto(w.url + "/login")),
    "login-error": (None, wrong_sign_in),
    "worklist": ("admin", lambda p, w: p.goto(w.url + "/exceptions")),
    "worklist-filtered": ("admin", lambda p, w: p.goto(
        f"{w.url}/exceptions?severity=high&check={busiest_high_check(w)}&sort=due")),
    "worklist-spo": ("spo", lambda p, w: p.goto(
        f"{w.url}/exceptions?" + "&".join(f"team={t}" for t in w.spo_teams))),
    "detail": ("admin", lambda p, w: open_detail(p, w, an_open_exception(w))),
    "detail-errors": ("admin", lambda p, w: detail_with_errors(p, w, an_open_exception(w))),
    "detail-read-only": ("senior_manager", lambda p, w: open_detail(p, w, an_open_exception(w))),
    "users": ("sysadmin", lambda p, w: p.goto(w.url + "/users")),
    "not-found": ("admin", lambda p, w: p.goto(w.url + "/no-such-page")),
}  # fmt: skip


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_is_screenshotted_and_has_no_serious_axe_violation(
    demo_world: DemoWorld, as_role: RolePage, signed_out: Page, name: str
) -> None:
    role, visit = PAGES[name]
    page = signed_out if role is None else as_role(role)
    visit(page, demo_world)
    page.wait_for_load_state("load")
    assert page.title().endswith("– Auditor")
    screenshot(page, name)
    serious = serious_violations(page, name)
    assert not serious, f"{name} ({page.url}):\n{describe(serious)}"
