"""`auditor store backup|restore` on the configured store; mistakes exit 2 with a
message and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from auditor.cli import store as store_command
from auditor.config import StoreSettings
from auditor.store.database import open_store
from auditor.store.users import add_user
from tests.auditor.cli.invoke import Invoke, cli_with


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    return cli_with(monkeypatch, capsys, store_command)


def configured(tmp_path: Path, url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\nurl = "{url}"\n')
    return str(path)


def users_in(url: str) -> list[str]:
    store = open_store(StoreSettings(url=url))
    with store.reading() as connection:
        names = list(connection.scalars(text("SELECT username FROM users ORDER BY username")))
    store.dispose()
    return names


def test_backup_then_restore_through_the_command_line(cli: Invoke, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'auditor.db'}"
    config = configured(tmp_path, url)
    store = open_store(StoreSettings(url=url))
    store.upgrade()
    add_user(store, "ada", "Ada", "admin", password="correct horse battery", all_scope=True)

    code, said = cli("store", "backup", str(tmp_path / "b.db"), "--config", config)
    assert code == 0 and f"to {tmp_path / 'b.db'}" in said
    with store.writing() as connection:
        connection.execute(text("DELETE FROM users"))

    refused, asked = cli("store", "restore", str(tmp_path / "b.db"), "--config", config)
    assert refused == 2 and "add --yes" in asked and users_in(url) == []

    code, said = cli("store", "restore", str(tmp_path / "b.db"), "--yes", "--config", config)
    assert code == 0 and "now up to date" in said and users_in(url) == ["ada"]


def test_a_backup_of_a_postgresql_store_says_to_use_pg_dump(cli: Invoke, tmp_path: Path) -> None:
    config = configured(tmp_path, "postgresql+psycopg://auditor@127.0.0.1:1/auditor")

    code, said = cli("store", "backup", str(tmp_path / "b.db"), "--config", config)

    assert code == 2 and "pg_dump" in said and "Traceback" not in said


def test_prune_says_what_it_would_delete_and_then_deletes_it(cli: Invoke, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'auditor.db'}"
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\nurl = "{url}"\nreject_retention_days = 30\n')
    store = open_store(StoreSettings(url=url))
    store.upgrade()

    code, said = cli("store", "prune", "--dry-run", "--config", str(path))

    assert code == 0
    assert (
        "would delete 0 rejected rows (keeping 30 days) and 0 history rows (keeping "
        "everything)" in said
    )
