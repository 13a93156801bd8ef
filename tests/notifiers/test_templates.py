"""The digest's HTML: safe for Outlook (tables, inline CSS, nothing external), escaped,
and rendered in headless Chromium, the screenshots kept under test-artifacts/notifiers/."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from notifiers.digest import Digest, build_digests
from tests.notifiers.frames import AS_OF, OFFICER, SPO, TEAM, digest_input, exception

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "notifiers"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DAY = dt.timedelta(days=1)
PWNED = "<script>document.title='pwned'</script>"


def sample_digest(show_names: bool = False) -> Digest:
    """A morning's email for one SPO: two teams, three officers, hostile data."""
    staff: list[dict[str, Any]] = [
        {"staff_code": SPO, "forename": "Sue", "surname": "Senior",
         "email": "sue.senior@probation.example", "team_code": TEAM},
        {"staff_code": OFFICER, "forename": "Ann", "surname": "Officer",
         "email": None, "team_code": TEAM},
        {"staff_code": "N07A002", "forename": "Dev", "surname": "O'Connor & Partners",
         "email": None, "team_code": "N07T02"},
    ]  # fmt: skip
    teams = [
        {"team_code": TEAM, "team_name": "Camden North", "provider_code": "N07",
         "spo_staff_code": SPO},
        {"team_code": "N07T02", "team_name": "Camden South & Islington", "provider_code": "N07",
         "spo_staff_code": SPO},
    ]  # fmt: skip
    rows = [
        exception(check="mappa_flag_missing", severity="high", crn="X320741", due_date=None,
                  reason="Registered sex offender (ARSO flag since 2026-03-02) with no MAPPA flag",
                  forename="Amir", surname="\u200fAl-Sayed"),
        exception(check="rosh_flag_unsupported", severity="high", crn="X118204",
                  due_date=AS_OF - 41 * DAY, first_seen=AS_OF - 40 * DAY,
                  reason="No full RoSH analysis behind the RHRH flag; flag level H differs "
                         "from assessed level M", forename="Jo", surname=PWNED),
        exception(check="rsr_missing", severity="medium", crn="X220931", due_date=AS_OF - DAY,
                  reason="No RSR score; sentenced 2026-11-23 (SSO), due by 2026-11-24",
                  forename="Ray", surname="Smith & Sons"),
        exception(check="documents_missing", severity="medium", crn="X220932",
                  due_date=AS_OF + 3 * DAY, first_seen=AS_OF - 2 * DAY,
                  reason="Missing CASE_ALLOCATION, COURT_REPORT", forename="Eve",
                  surname="Ó Súilleabháin"),
        exception(check="flag_review_overdue", severity="low", crn="X410007", staff_code="N07A002",
                  team_code="N07T02", due_date=AS_OF - 200 * DAY, first_seen=AS_OF - 190 * DAY,
                  reason="Flag AV2S (registration 88123): review due 2026-05-09"),
        exception(check="safeguarding_checks_unlogged", severity="high", crn="X410009",
                  staff_code="N07A002", team_code="N07T02", due_date=AS_OF - 12 * DAY,
                  first_seen=AS_OF - 11 * DAY,
                  reason="Police domestic abuse check not logged; children's services check "
                         "not logged"),
        exception(check="assignment_missing", severity="high", crn="X500001", staff_code=None,
                  due_date=AS_OF - 3 * DAY, first_seen=AS_OF - 5 * DAY,
                  reason="No current offender manager; sentenced 2026-11-13"),
    ]  # fmt: skip
    inputs = digest_input(rows, staff=staff, teams=teams, show_names=show_names,
                          base_url="https://auditor.probation.example")  # fmt: skip
    resolved_last = {f"spo:{SPO}": AS_OF - 3 * DAY}
    [digest] = build_digests(inputs, resolved_last).digests
    return digest


def test_the_html_is_made_for_outlook() -> None:
    html = sample_digest().html
    lowered = html.lower()
    for forbidden in (
        "<script",
        "<style",
        "<link",
        "<img",
        "@import",
        "url(",
        "<iframe",
        "<form",
        "javascript:",
        "display:flex",
        "display:grid",
        "position:",
    ):
        assert forbidden not in lowered, forbidden  # fmt: skip
    assert re.findall(r'href="([^"]+)"', html) and all(
        href.startswith("https://auditor.probation.example/exceptions")
        for href in re.findall(r'href="([^"]+)"', html)
    )
    assert re.findall(r'src="', html) == []
    assert "<table" in html and 'role="presentation"' in html


def chromium(*arguments: str, user_data: Path) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (CI installs it: .ci/run)")
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={user_data}", *arguments,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(
    ("name", "width", "show_names"),
    [("digest", 900, False), ("digest-narrow", 420, False), ("digest-names", 900, True)],
)
def test_the_html_renders_in_chromium(
    tmp_path: Path, name: str, width: int, show_names: bool
) -> None:
    page = tmp_path / f"{name}.html"
    page.write_text(sample_digest(show_names).html, encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / f"{name}.png"
    screenshot.unlink(missing_ok=True)
    done = chromium(f"--screenshot={screenshot}", f"--window-size={width},1500",
                    page.as_uri(), user_data=tmp_path / "profile")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000


def test_hostile_text_stays_text_in_the_browser(tmp_path: Path) -> None:
    page = tmp_path / "digest.html"
    page.write_text(sample_digest(show_names=True).html, encoding="utf-8")
    done = chromium("--dump-dom", page.as_uri(), user_data=tmp_path / "profile")
    assert done.returncode == 0, done.stderr
    dom = done.stdout
    assert "pwned</title>" not in dom and "<script" not in dom
    assert "Jo &lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "Smith &amp; Sons" in dom and "\u200f" not in dom
