"""`auditor doctor`: every part of a ready installation passes; each kind of fault is
named with what to do; no secret is ever printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import doctor as doctor_command
from auditor.config import StoreSettings
from auditor.doctor import examine
from auditor.store.database import open_store
from tests.auditor.cli.invoke import Invoke, cli_with
from tests.auditor.emails import email_config
from tests.notifiers.conftest import SmtpServer, free_port, smtp_server

__all__ = ["smtp_server"]
SENTINEL = "sentinel-secret-8d1f0c"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    return cli_with(monkeypatch, capsys, doctor_command)


@pytest.fixture
def ready(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config with an extract, a SQLite store and the outbox; the session secret set."""
    monkeypatch.setenv("AUDITOR_SESSION_SECRET", SENTINEL)
    return email_config(tmp_path, f"sqlite:///{tmp_path / 'auditor.db'}")


def verdicts(config: Path) -> dict[str, tuple[bool, str, str]]:
    return {f.part: (f.ok, f.said, f.fix) for f in examine(config)}


def test_a_ready_installation_passes_every_part(cli: Invoke, ready: Path) -> None:
    code, said = cli("doctor", "--config", str(ready))

    assert code == 0 and said.rstrip().endswith("Ready.")
    assert [line.split()[1] for line in said.splitlines()[:5]] == [
        "config", "source", "store", "email", "web"]  # fmt: skip
    assert "all 14 tables with their columns" in said
    assert "the next run or serve brings it to" in said  # a new, empty store
    assert SENTINEL not in said


def test_a_config_that_does_not_load_stops_there(cli: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[web]\nport = 99999\n")

    code, said = cli("doctor", "--config", str(config))

    assert code == 1 and "FAIL config" in said and "port" in said
    assert "source" not in said and "1 problem(s) found." in said


def test_a_missing_extract_and_a_missing_secret_are_named_with_the_fix(
    ready: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ready.parent / "extract" / "events.parquet").unlink()
    monkeypatch.delenv("AUDITOR_SESSION_SECRET")

    found = verdicts(ready)

    assert found["source"][0] is False and "events" in found["source"][1]
    assert "[source]" in found["source"][2]
    assert found["web"][0] is False and "AUDITOR_SESSION_SECRET is not set" in found["web"][1]
    assert found["store"][0] and found["email"][0]


def test_a_store_from_a_newer_auditor_is_refused(ready: Path) -> None:
    store = open_store(StoreSettings(url=f"sqlite:///{ready.parent / 'auditor.db'}"))
    store.upgrade()
    with store.writing() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")

    ok, said, fix = verdicts(ready)["store"]

    assert not ok and "at migration 9999, newer than this Auditor's" in said and "upgrade" in fix


def test_smtp_is_tried_as_a_delivery_would_and_its_password_never_shown(
    cli: Invoke, ready: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITOR_SMTP_PASSWORD", SENTINEL)
    ready.write_text(_smtp_config(ready, smtp_server.port))

    code, said = cli("doctor", "--config", str(ready))
    ready.write_text(_smtp_config(ready, free_port()))
    refused, told = cli("doctor", "--config", str(ready))

    assert code == 0 and f"SMTP 127.0.0.1:{smtp_server.port} (none) answers" in said
    assert refused == 1 and "FAIL email" in told and "cannot open SMTP" in told
    assert SENTINEL not in said + told
    assert smtp_server.mailbox.messages == []  # nothing was sent


def _smtp_config(config: Path, port: int) -> str:
    text = config.read_text().split("\n[notify.smtp]")[0]
    text = text.replace('transport = "smtp"\n', "")
    text = text.replace("[notify]\n", '[notify]\ntransport = "smtp"\n', 1)
    return f'{text}\n[notify.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
