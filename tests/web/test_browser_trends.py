"""The trends page and the monthly email in a real browser: Debian's Chromium, driven by
Playwright, against a real `auditor serve` on loopback holding seven days of the demo.

One screenshot of /trends per role under test-artifacts/screenshots/ (trends-<role>.png),
axe-core (WCAG 2.2 AA) on each under test-artifacts/axe/, every chart image loaded
(their own Content-Security-Policy lets their styles apply), the headline figures equal
to plain SQL on the store; and the monthly report's .eml, rendered by Chromium with its
inline images, as test-artifacts/screenshots/email-monthly-report.png.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from auditor.config import parse_settings
from auditor.monthly_report import Recipient, build_reports, send_reports
from auditor.store.scope import EVERYTHING
from auditor.trend_tables import cell
from notifiers.ledger import MemoryLedger
from tests.web.browser import (
    AXE_RESULTS,
    CHROMIUM,
    DemoWorld,
    chromium_browser,
    describe,
    new_context,
    read_email,
    screenshot,
    serious_violations,
    served_demo,
    sign_in,
)

if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (Debian's chromium package)", allow_module_level=True)

pytestmark = pytest.mark.browser
ROLES = ("senior_manager", "admin", "spo", "sysadmin")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    with served_demo(tmp_path_factory.mktemp("browser-trends")) as served:
        yield served


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with chromium_browser() as browser:
        yield browser


def signed_in(world: DemoWorld, chromium: Browser, role: str) -> Page:
    page = new_context(chromium).new_page()
    page.goto(world.url + "/trends")
    sign_in(page, world.logins[role])
    return page


def images_loaded(page: Page) -> list[bool]:
    return page.eval_on_selector_all(
        ".app-trends__chart img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_trends_page_of_each_role_is_screenshotted_and_accessible(
    world: DemoWorld, chromium: Browser, role: str
) -> None:
    page = signed_in(world, chromium, role)
    page.wait_for_load_state("networkidle")

    screenshot(page, f"trends-{role}")
    violations = serious_violations(page, f"trends-{role}")
    assert violations == [], describe(violations)
    saved = json.loads((AXE_RESULTS / f"trends-{role}.json").read_text(encoding="utf-8"))
    assert saved["violations"] == [], describe(saved["violations"])  # not even minor ones
    if role == "sysadmin":
        assert "You cannot see case records" in page.inner_text("main")
        return
    loaded = images_loaded(page)
    assert len(loaded) >= 5 and all(loaded)  # the time to fix shows once something is fixed


def test_the_senior_manager_s_headlines_are_the_store_s(
    world: DemoWorld, chromium: Browser
) -> None:
    page = signed_in(world, chromium, "senior_manager")
    latest = "(select max(id) from runs where status = 'succeeded')"
    opened = world.sql(f"select sum(open) as n from check_counts where run_id = {latest}")
    cases = world.sql(
        f"select sum(active_persons) as n from team_run_totals where run_id = {latest}"
    )

    assert page.inner_text("#headline-open") == cell(opened[0]["n"])
    assert page.inner_text("#headline-cases") == cell(cases[0]["n"])
    assert page.inner_text("#headline-rate") == cell(100 * opened[0]["n"] / cases[0]["n"])


def test_an_ageing_bar_opens_the_worklist(world: DemoWorld, chromium: Browser) -> None:
    page = signed_in(world, chromium, "senior_manager")
    shown = page.inner_text(".app-trends__links li:first-child a")
    image = page.locator("img[usemap='#map-ageing']")
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    coords = page.locator("map[name=map-ageing] area").first.get_attribute("coords") or ""
    left, top, right, bottom = (int(v) for v in coords.split(","))
    assert box is not None
    page.mouse.click(box["x"] + (left + right) / 2, box["y"] + (top + bottom) / 2)
    page.wait_for_url(re.compile(r".*/exceptions\?.*"))

    assert page.url.startswith(world.url + "/exceptions?") and "age=0-5" in page.url
    count = page.inner_text("#result-count").split(" ")[0]
    assert shown.startswith(f"{count} open")


def test_the_monthly_email_renders_in_chromium(
    world: DemoWorld, chromium: Browser, tmp_path: Path
) -> None:
    settings = parse_settings({
        "store": {"url": world.demo.settings.store.url},
        "notify": {"outbox_dir": str(tmp_path), "from_address": "auditor@example.org"},
    })  # fmt: skip
    reports = build_reports(settings, world.store, "2026-11",
                            [Recipient("boss@example.org", EVERYTHING)])  # fmt: skip
    send_reports(world.store, settings, reports, MemoryLedger())
    message = read_email(next(tmp_path.glob("*.eml")))
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for part in message.walk():
        if part.get_content_type() == "image/png":
            cid = str(part["Content-ID"]).strip("<>")
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
    page = new_context(chromium).new_page()
    page.set_content(html)

    screenshot(page, "email-monthly-report")
    assert len(re.findall(r"data:image/png", html)) == 7
    assert page.eval_on_selector_all("img", "imgs => imgs.every(i => i.naturalWidth > 0)")
    assert "Data-quality trends for November 2026" in page.inner_text("h1")
