"""`auditor report --month YYYY-MM`: the monthly trends report to the configured
addresses and the senior managers (their own scope), with the charts inline as PNG
images and the figures of the store; at most once per recipient and month; a dry run
and copies that record nothing; a bad month exits 2 with one line."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text

from auditor.cli import report as report_command
from auditor.config import StoreSettings, load_settings
from auditor.store.database import Store, open_store
from auditor.store.users import add_user
from auditor.trend_tables import cell
from notifiers.report import CHARTS
from tests.auditor.cli.invoke import Invoke, cli_with
from tests.auditor.emails import addressees, outbox
from tests.auditor.trend_stores import build_store

PERFORMANCE = "performance@example.org"
MANAGER = "pat@example.org"  # a senior manager of provider P2


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    return cli_with(monkeypatch, capsys, report_command)


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Path:
    store = open_store(StoreSettings(url=store_url))
    store.upgrade()
    build_store(store)
    add_user(store, "pat", "Pat", "senior_manager", email=MANAGER, password="x" * 20,
             providers=["P2"])  # fmt: skip
    add_user(store, "old", "Old", "senior_manager", email="old@example.org", password="x" * 20,
             all_scope=True)  # fmt: skip
    from auditor.store.users import set_disabled

    set_disabled(store, "old")
    store.dispose()
    path = tmp_path / "config.toml"
    path.write_text(
        f'[store]\nurl = "{store_url}"\n\n[notify]\noutbox_dir = "outbox"\n'
        f'from_address = "auditor@example.org"\n\n[report]\nrecipients = ["{PERFORMANCE}"]\n'
    )
    return path


def emails(config: Path) -> list[EmailMessage]:
    return outbox(load_settings(config))


def store_of(config: Path) -> Store:
    return open_store(load_settings(config).store)


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "November", "2026-00"])
def test_a_bad_month_exits_2_with_one_line(cli: Invoke, config: Path, month: str) -> None:
    code, output = cli("report", "--config", str(config), "--month", month)

    assert code == 2
    assert "is not a month: give YYYY-MM" in output and "Traceback" not in output


def test_a_month_with_no_run_exits_2(cli: Invoke, config: Path) -> None:
    code, output = cli("report", "--config", str(config), "--month", "2025-01")

    assert code == 2 and "no successful run in 2025-01" in output


def test_the_report_goes_once_to_each_recipient_with_its_charts_inline(
    cli: Invoke, config: Path
) -> None:
    code, output = cli("report", "--config", str(config), "--month", "2026-11")
    again, second = cli("report", "--config", str(config), "--month", "2026-11")

    assert code == 0 and again == 0, output + second
    assert addressees(emails(config)) == {PERFORMANCE: 1, MANAGER: 1}  # not the disabled one
    assert second.count("already sent") == 2
    for message in emails(config):
        html = message.get_body(("html",))
        assert html is not None
        related = [p for p in message.walk() if p.get_content_type() == "multipart/related"]
        images = {
            str(p["Content-ID"]) for p in message.walk() if p.get_content_type() == "image/png"
        }
        assert len(related) == 1
        assert images == {f"<chart-{name}@auditor>" for name in CHARTS}
        assert all(f"cid:chart-{name}@auditor" in html.get_content() for name in CHARTS)  # type: ignore[attr-defined]


def test_the_report_s_figures_are_the_store_s(cli: Invoke, config: Path) -> None:
    cli("report", "--config", str(config), "--month", "2026-11")
    store = store_of(config)
    with store.reading() as connection:

        def one(query: str) -> int:
            return int(connection.execute(text(query)).scalar_one())

        everything = one("SELECT SUM(open) FROM check_counts WHERE run_id = 4")
        cases = one("SELECT SUM(active_persons) FROM team_run_totals WHERE run_id = 4")
        p2_open = one("SELECT COALESCE(SUM(open), 0) FROM check_counts WHERE run_id = 4 "
                      "AND team_code IN ('T3', 'T4')")  # fmt: skip
        p2_cases = one("SELECT SUM(active_persons) FROM team_run_totals WHERE run_id = 4 "
                       "AND provider_code = 'P2'")  # fmt: skip
    store.dispose()
    texts = {str(m["To"].addresses[0].addr_spec): m for m in emails(config)}

    assert texts[PERFORMANCE]["Subject"].endswith(
        f"{cell(100 * everything / cases)} open per 100 cases"
    )
    assert texts[MANAGER]["Subject"].endswith(
        f"{cell(100 * p2_open / p2_cases)} open per 100 cases"
    )
    body = texts[PERFORMANCE].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"Open exceptions: {everything}; active cases: {cases}" in body
    assert "T1" in body and "RSR score recorded" in body


def test_a_dry_run_and_a_copy_record_nothing(cli: Invoke, config: Path) -> None:
    code, output = cli("report", "--config", str(config), "--month", "2026-11", "--dry-run")
    assert code == 0 and "Dry run" in output and PERFORMANCE in output
    assert emails(config) == []

    code, output = cli("report", "--config", str(config), "--month", "2026-11",
                       "--to", "me@example.org")  # fmt: skip
    assert code == 0 and addressees(emails(config)) == {"me@example.org": 1}

    code, output = cli("report", "--config", str(config), "--month", "2026-11")
    assert addressees(emails(config)) == {"me@example.org": 1, PERFORMANCE: 1, MANAGER: 1}
