"""Helpers of the browser tests (tests/web/test_browser.py): a demo store served by a
real `auditor serve` on loopback, Debian's Chromium driven by Playwright, axe-core on
each page, and screenshots under test-artifacts/.

``demo_store`` runs the demo's first days through the real pipeline (emails included)
and adds a user of each role; ``serving`` runs `auditor serve --no-schedule` on it in
another process until the block ends; ``launch`` starts Chromium the way this machine
allows (no downloaded browsers, no sandbox, no network of its own).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import bindparam
from sqlalchemy import text as sql_text

from auditor.config import Settings, parse_settings
from auditor.demo import Demo, DemoPlan, add_demo_users, run_demo
from auditor.notification import email_notifier
from auditor.pipeline import Notifier
from auditor.store import repository
from auditor.store.database import Store, open_store
from auditor.store.users import add_user, generated_password

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_RESULTS = ARTIFACTS / "axe"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORT = {"width": 1280, "height": 900}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SERIOUS = ("serious", "critical")
END = dt.date(2026, 11, 25)
PAGE_SIZE = 10  # small, so that a filtered list has more than one page
SESSION_SECRET = "browser-tests-only-" + "x" * 24


def email_notifiers(settings: Settings) -> list[Notifier]:
    return [email_notifier(settings)]


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    display_name: str
    staff_code: str | None = None


@dataclass
class DemoWorld:
    """The demo store, its users and the server in front of it."""

    url: str
    base: Settings  # the settings run_demo was given (run_day takes them again)
    demo: Demo  # replaced by the test that runs the next day
    store: Store  # for the tests' own reads
    logins: dict[str, Login]  # by role: admin, spo, senior_manager, sysadmin, admin_one
    spo_staff_code: str
    spo_teams: tuple[str, ...]
    one_provider: str  # the provider of the admin restricted to one ("admin_one")

    @property
    def as_of(self) -> dt.date:
        with self.store.reading() as connection:
            latest = repository.latest_as_of(connection)
        assert latest is not None
        return latest

    def sql(self, text: str, **params: Any) -> list[dict[str, Any]]:
        """Rows of plain SQL on the store; a tuple parameter is a list for ``in :name``."""
        query = sql_text(text).bindparams(
            *(bindparam(k, expanding=True) for k, v in params.items() if isinstance(v, tuple))
        )
        with self.store.reading() as connection:
            return [dict(r) for r in connection.execute(query, params).mappings()]


def demo_store(folder: Path, url: str) -> tuple[Settings, Demo, dict[str, Login], str]:
    """Seven of the demo's eight days, with the SPOs' emails linking to ``url``, then
    the demo's users and an admin of one provider (the one with most open exceptions);
    returns the base settings, the demo, the logins by role and that provider."""
    base = parse_settings({"web": {"base_url": url}})
    plan = DemoPlan(folder, persons=800, seed=1, days=8, end=END)
    demo = run_demo(base, plan, notifiers_for=email_notifiers, stop_after=7)
    logins: dict[str, Login] = {
        made.user.role: Login(
            made.user.username, made.password, made.user.display_name, made.user.staff_code
        )
        for made in add_demo_users(demo)
    }
    store = open_store(demo.settings.store)
    try:
        with store.reading() as connection:
            provider = connection.execute(
                sql_text(
                    "select t.provider_code from exceptions e"
                    " join directory_teams t on t.team_code = e.team_code"
                    " where e.status = 'open' group by t.provider_code"
                    " order by count(*) desc, t.provider_code limit 1"
                )
            ).scalar_one()
        password = generated_password()
        user = add_user(store, "admin-one", f"Olu One-Provider ({provider})", "admin",
                        password=password, providers=[provider])  # fmt: skip
        logins["admin_one"] = Login(user.username, password, user.display_name)
    finally:
        store.dispose()
    return base, demo, logins, provider


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(path: Path, demo: Demo, url: str, port: int) -> Path:
    """A config.toml for `auditor serve` on the demo's store and extract."""
    extract = demo.settings.source.extract_dir
    assert extract is not None
    path.write_text(
        "[source]\n"
        f"extract_dir = {json.dumps(str(extract))}\n"
        "[store]\n"
        f"url = {json.dumps(demo.settings.store.url)}\n"
        "[notify]\n"
        "enabled = false\n"
        "[web]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        f"base_url = {json.dumps(url)}\n"
        f"page_size = {PAGE_SIZE}\n",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def serving(config: Path, port: int, log: Path) -> Iterator[str]:
    """`auditor serve --no-schedule` on ``port`` until the block ends (SIGTERM, then
    kill if it does not stop); yields its URL once it answers."""
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-c", "import auditor.cli; auditor.cli.main()",
               "serve", "--config", str(config), "--port", str(port), "--no-schedule"]  # fmt: skip
    env = os.environ | {"AUDITOR_SESSION_SECRET": SESSION_SECRET}
    with log.open("w", encoding="utf-8") as output, subprocess.Popen(
        command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT, env=env
    ) as process:  # fmt: skip
        try:
            wait_until_answering(url + "/login", process, log)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"auditor serve exited {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise AssertionError(f"auditor serve did not answer {url} within 30 s:\n{log.read_text()}")


@contextlib.contextmanager
def served_demo(folder: Path) -> Iterator[DemoWorld]:
    """The demo store (``demo_store``) under a real `auditor serve` on a free port, with
    the SPO's teams filled in, until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    base, demo, logins, provider = demo_store(folder / "demo", url)
    config = write_config(folder / "config.toml", demo, url, port)
    store = open_store(demo.settings.store)
    try:
        spo = logins["spo"].staff_code
        assert spo is not None
        with serving(config, port, folder / "serve.log") as served:
            world = DemoWorld(served, base, demo, store, logins, spo, (), provider)
            teams = world.sql("select team_code from directory_teams where spo_staff_code = :s"
                              " order by team_code", s=spo)  # fmt: skip
            world.spo_teams = tuple(t["team_code"] for t in teams)
            yield world
    finally:
        store.dispose()


@contextlib.contextmanager
def chromium_browser() -> Iterator[Browser]:
    """Debian's Chromium under Playwright, until the block ends."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def new_context(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport=VIEWPORT, accept_downloads=True)  # type: ignore[arg-type]


def sign_in(page: Page, login: Login) -> None:
    """Fill the sign-in form of the page shown (it must be /login) and send it."""
    page.fill("#username", login.username)
    page.fill("#password", login.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def result_count(page: Page) -> int:
    text = page.inner_text("#result-count")
    found = re.match(r"([\d,]+) exceptions?$", text.strip())
    assert found, text
    return int(found.group(1).replace(",", ""))


def ids_shown(page: Page) -> list[int]:
    return [int(row.get_attribute("data-exception-id") or "")
            for row in page.locator("#worklist tbody tr[data-exception-id]").all()]  # fmt: skip


def nav_labels(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".govuk-service-navigation__list a").all_inner_texts()]


def history_titles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".moj-timeline__title").all_inner_texts()]


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Page, name: str) -> list[dict[str, Any]]:
    """axe-core on the page as shown, WCAG 2.2 AA rules; the results are saved as
    test-artifacts/axe/<name>.json and the serious or critical violations returned."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options).response
    AXE_RESULTS.mkdir(parents=True, exist_ok=True)
    kept = {k: results.get(k) for k in ("url", "timestamp", "testEngine", "toolOptions",
                                        "violations", "incomplete")}  # fmt: skip
    (AXE_RESULTS / f"{name}.json").write_text(json.dumps(kept, indent=2), encoding="utf-8")
    return [v for v in results["violations"] if v.get("impact") in SERIOUS]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )


def read_email(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


class _Links(HTMLParser):
    """(href, text) of every <a> of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._open: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = [dict(attrs).get("href") or "", ""]

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.links.append((self._open[0], " ".join(self._open[1].split())))
            self._open = None


def html_links(message: EmailMessage) -> list[tuple[str, str]]:
    body = message.get_body(("html",))
    assert body is not None, "the email has no HTML part"
    parser = _Links()
    parser.feed(body.get_content())
    return parser.links
