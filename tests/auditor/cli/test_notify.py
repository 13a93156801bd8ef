"""`auditor notify --run ID`: a preview that sends and records nothing, the emails not
yet sent (never twice), copies to one address, a resend; a clear error for a run that
has no emails."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import auditor.notification
from auditor.cli import notify as notify_command
from auditor.cli import run as run_command
from auditor.config import StoreSettings, load_settings
from auditor.notification import notify_stored_run
from auditor.store.database import open_store
from auditor.store.ledger import StoreLedger
from notifiers.delivery import RetryPolicy
from tests.auditor.cli.invoke import Invoke, cli_with
from tests.auditor.emails import (
    CAMDEN_SPO,
    HACKNEY_SPO,
    UNOWNED,
    addressees,
    email_config,
    outbox,
)
from tests.notifiers.conftest import free_port

AS_OF = "2026-11-25"
CHECKER = "checker@example.org"
EVERYONE = {CAMDEN_SPO: 1, HACKNEY_SPO: 1, UNOWNED: 1}


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    """Run `auditor ARGS` through the real entry point; returns (exit code, output)."""
    return cli_with(monkeypatch, capsys, run_command, notify_command)


@pytest.fixture
def config(cli, tmp_path: Path, store_url: str) -> Path:
    """A config whose store holds run 1, as of 2026-11-25, with no email sent."""
    path = email_config(tmp_path, store_url, "enabled = false")
    code, output = cli("run", "--config", str(path), "--as-of", AS_OF)
    assert code == 0, output
    return path


def ledger(store_url: str) -> dict[str, str]:
    store = open_store(StoreSettings(url=store_url))
    entries = StoreLedger(store).entries(1)
    store.dispose()
    return {key: entry.status for key, entry in entries.items()}


def test_a_dry_run_shows_each_email_and_sends_and_records_nothing(
    cli, config: Path, store_url: str
) -> None:
    code, output = cli("notify", "--run", "1", "--dry-run", "--config", str(config))

    assert code == 0, output
    for address in EVERYONE:
        assert address in output
    assert "Case records to fix in your teams: 5 open (5 new, 4 overdue)" in output
    assert "Unowned case records to fix (N07): 5 open" in output
    assert "3 previewed" in output and "Dry run: nothing was sent or recorded." in output
    assert outbox(load_settings(config)) == [] and ledger(store_url) == {}


def test_it_sends_what_is_not_sent_and_never_twice(cli, config: Path, store_url: str) -> None:
    first = cli("notify", "--run", "1", "--config", str(config))
    second = cli("notify", "--run", "1", "--config", str(config))

    assert first[0] == second[0] == 0
    assert "3 sent" in first[1] and "3 already sent" in second[1]
    assert addressees(outbox(load_settings(config))) == EVERYONE
    assert set(ledger(store_url).values()) == {"sent"}


def test_copies_to_one_address_leave_the_real_emails_unsent(
    cli, config: Path, store_url: str
) -> None:
    preview = cli("notify", "--run", "1", "--to", CHECKER, "--dry-run", "--config", str(config))
    code, output = cli("notify", "--run", "1", "--to", CHECKER, "--config", str(config))

    assert f"[copy for {CAMDEN_SPO}] Case records to fix in your teams: 5 open" in preview[1]
    assert code == 0 and "3 sent" in output and "not sent yet" not in output
    copies = outbox(load_settings(config))
    assert addressees(copies) == {CHECKER: 3}
    assert sorted(str(m["Subject"]).split("]")[0] for m in copies) == [
        f"[copy for {address}" for address in sorted(EVERYONE)
    ]
    assert ledger(store_url) == {}
    cli("notify", "--run", "1", "--config", str(config))
    assert addressees(outbox(load_settings(config))) == {CHECKER: 3, **EVERYONE}


def test_one_email_is_sent_again_on_request(cli, config: Path) -> None:
    cli("notify", "--run", "1", "--config", str(config))

    code, output = cli("notify", "--run", "1", "--resend", CAMDEN_SPO, "--config", str(config))

    assert code == 0 and "1 sent" in output
    assert addressees(outbox(load_settings(config))) == EVERYONE | {CAMDEN_SPO: 2}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--run", "7"), "there is no run 7 in the store (the latest successful run is 1)"),
        (("--run", "1", "--to", CHECKER, "--resend", CAMDEN_SPO), "give --to or --resend"),
        (("--run", "1", "--to", "me"), "'me' is not an email address"),
    ],
)
def test_a_run_or_option_that_cannot_be_used_exits_2(
    cli, config: Path, arguments: tuple[str, ...], message: str
) -> None:
    code, output = cli("notify", *arguments, "--config", str(config))

    assert code == 2 and message in output and "Traceback" not in output


def test_a_failed_run_has_no_emails(cli, tmp_path: Path, store_url: str) -> None:
    config = email_config(tmp_path, store_url)
    (tmp_path / "extract" / "events.parquet").unlink()
    assert cli("run", "--config", str(config), "--as-of", AS_OF)[0] == 2

    code, output = cli("notify", "--run", "1", "--config", str(config))

    assert code == 2 and "Traceback" not in output
    assert "run 1 (as of 2026-11-25) failed, so it has no emails" in output


def test_emails_deferred_by_an_unreachable_server_exit_1(
    cli, tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp = f'transport = "smtp"\n[notify.smtp]\nhost = "127.0.0.1"\nport = {free_port()}\n'
    config = email_config(tmp_path, store_url, f'enabled = false\n{smtp}security = "none"')
    assert cli("run", "--config", str(config), "--as-of", AS_OF)[0] == 0
    quick = functools.partial(
        notify_stored_run, policy=RetryPolicy(attempts=1), sleep=lambda _: None
    )
    monkeypatch.setattr(auditor.notification, "notify_stored_run", quick)

    code, output = cli("notify", "--run", "1", "--config", str(config))

    assert code == 1, output
    assert "1 deferred, 2 not attempted" in output and "cannot open SMTP to 127.0.0.1" in output
    assert "3 email(s) not sent yet: `auditor notify --run 1` sends them" in output
