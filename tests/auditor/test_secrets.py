"""Secrets (the SMTP, store and source database passwords) never reach an error
message, the output, the logs or the store, even when the server they open refuses:
tested with sentinels."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from auditor.cli import doctor as doctor_command
from auditor.cli import run as run_command
from auditor.config import StoreSettings
from auditor.store.database import open_store, store_url
from tests.auditor.cli.invoke import Invoke, cli_with
from tests.auditor.emails import email_config
from tests.auditor.stores import snapshot
from tests.notifiers.conftest import free_port

SMTP_PASSWORD = "SENTINEL-smtp-password-3c9d"
STORE_PASSWORD = "SENTINEL-store-password-51ab"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    monkeypatch.setenv("AUDITOR_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("AUDITOR_STORE_PASSWORD", STORE_PASSWORD)
    return cli_with(monkeypatch, capsys, run_command, doctor_command)


def with_smtp(config: Path, port: int) -> None:
    text = config.read_text().replace("[notify]\n", '[notify]\ntransport = "smtp"\n', 1)
    config.write_text(f'{text}\n[notify.smtp]\nhost = "127.0.0.1"\nport = {port}\n'
                      'security = "none"\nusername = "auditor"\n')  # fmt: skip


def test_a_run_whose_smtp_server_refuses_keeps_the_password_out_of_everything(
    cli: Invoke, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'auditor.db'}"
    config = email_config(tmp_path, url)
    with_smtp(config, free_port())

    with caplog.at_level(logging.DEBUG):
        code, said = cli("run", "--config", str(config), "--as-of", "2026-11-25")
        checked, told = cli("doctor", "--config", str(config))

    stored = repr(snapshot(open_store(StoreSettings(url=url))))
    assert code == 0 and "deferred" in said.lower()  # the run stands; the emails wait
    assert checked == 1 and "cannot open SMTP" in told
    for text in (said, told, caplog.text, stored):
        assert SMTP_PASSWORD not in text


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://auditor@127.0.0.1:{port}/auditor",  # password from the variable
        f"postgresql+psycopg://auditor:{STORE_PASSWORD}@127.0.0.1:{{port}}/auditor",
    ],
)
def test_a_store_that_refuses_the_connection_is_named_without_its_password(
    cli: Invoke, tmp_path: Path, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = email_config(tmp_path, url.format(port=free_port()))

    with caplog.at_level(logging.DEBUG):
        code, said = cli("run", "--config", str(config), "--as-of", "2026-11-25")
        checked, told = cli("doctor", "--config", str(config))

    assert code == 2 and "127.0.0.1" in said and "Traceback" not in said
    assert checked == 1 and "FAIL store" in told
    assert STORE_PASSWORD not in said + told + caplog.text
    settings = StoreSettings(url=url.format(port=1))
    assert store_url(settings).password == STORE_PASSWORD  # it was there to leak
    assert make_url(open_store(settings).where).password in (None, "***")


SOURCE_PASSWORD = "SENTINEL-source-password-8e27"


def with_database_source(config: Path, url: str) -> None:
    text = config.read_text().replace('extract_dir = "extract"', f'url = "{url}"', 1)
    config.write_text(text)


def source_urls() -> list[str]:
    """A source that refuses the connection (nothing listens), its password from the
    variable or in the URL; and, with PostgreSQL, one that opens (trust) but lacks
    the contract's tables."""
    refusing = "postgresql+psycopg://reader{password}@127.0.0.1:" + str(free_port()) + "/ndelius"
    urls = [refusing.format(password=""), refusing.format(password=f":{SOURCE_PASSWORD}")]
    server = os.environ.get("AUDITOR_TEST_POSTGRES_URL")
    if server:
        urls.append(make_url(server).set(password=SOURCE_PASSWORD).render_as_string(False))
    return urls


@pytest.mark.parametrize("url", source_urls())
def test_a_source_database_that_fails_is_named_without_its_password(
    cli: Invoke,
    tmp_path: Path,
    url: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUDITOR_SOURCE_PASSWORD", SOURCE_PASSWORD)
    store = f"sqlite:///{tmp_path / 'auditor.db'}"
    config = email_config(tmp_path, store)
    with_database_source(config, url)

    with caplog.at_level(logging.DEBUG):
        code, said = cli("run", "--config", str(config), "--as-of", "2026-11-25")
        checked, told = cli("doctor", "--config", str(config))

    stored = repr(snapshot(open_store(StoreSettings(url=store))))
    assert code == 2 and "127.0.0.1" in said and "Traceback" not in said
    assert checked == 1 and "FAIL source" in told
    assert "failed" in stored  # the failed run is recorded, naming its source
    for text in (said, told, caplog.text, stored):
        assert SOURCE_PASSWORD not in text
