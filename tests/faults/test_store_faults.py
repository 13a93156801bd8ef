"""The store's disk full, and the store read-only (issue 12): `auditor run` exits 2
with one message naming the store and what to do, no traceback; the store is as it
was; no email goes for a run that was not stored; once the store is fixed, the rerun
leaves what one clean run leaves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.faults.conftest import DAY, KillingMailbox, World, run_day, write_config
from tests.faults.mounts import grow, read_only, small_disk
from tests.faults.processes import auditor
from tests.faults.states import store_state
from tests.notifiers.conftest import SmtpServer

SQLITE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
POSTGRES = pytest.mark.parametrize("world", [pytest.param("postgres", marks=pytest.mark.postgres)],
                                   indirect=True)  # fmt: skip


def _failed_run(config: Path) -> str:
    done = auditor("run", "--config", str(config), "--as-of", str(DAY))
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output, output
    return " ".join(output.split())  # as one line: the console wraps it


def _no_email(smtp: SmtpServer) -> None:
    assert isinstance(smtp.mailbox, KillingMailbox)
    assert smtp.mailbox.messages == []


def _sqlite_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@SQLITE
def test_a_full_disk_under_a_sqlite_store(
    world: World, store_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    original = _sqlite_file(store_url)
    size = original.stat().st_size
    with small_disk(tmp_path / "disk", size + 96 * 1024) as disk:
        shutil.copy(original, disk / "store.db")
        url = f"sqlite:///{disk / 'store.db'}"
        before = store_state(url)
        config = write_config(tmp_path, url, world.extract, smtp.port)

        message = _failed_run(config)

        assert f"the store sqlite:///{disk / 'store.db'} is full" in message, message
        assert "free space on its disk" in message
        assert store_state(url) == before
        _no_email(smtp)
        grow(disk, 64 * 1024 * 1024)
        run_day(config)
        assert store_state(url) == world.reference.state


@SQLITE
def test_a_read_only_sqlite_store(
    world: World, store_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    original = _sqlite_file(store_url)
    folder = tmp_path / "writable"
    folder.mkdir()
    shutil.copy(original, folder / "store.db")
    with read_only(folder, tmp_path / "read-only") as seen:
        url = f"sqlite:///{seen / 'store.db'}"
        writable = f"sqlite:///{folder / 'store.db'}"  # the same file, read where it can be
        before = store_state(writable)
        config = write_config(tmp_path, url, world.extract, smtp.port)

        message = _failed_run(config)

        assert f"the store {url} is read-only" in message, message
        assert "make it writable" in message
        assert store_state(writable) == before
        _no_email(smtp)
    run_day(write_config(tmp_path, f"sqlite:///{folder / 'store.db'}", world.extract, smtp.port))
    assert store_state(f"sqlite:///{folder / 'store.db'}") == world.reference.state


def _database(url: str) -> str:
    return url.rsplit("/", 1)[1]


@POSTGRES
def test_a_read_only_postgresql_store(
    world: World, store_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    admin = create_engine(store_url, isolation_level="AUTOCOMMIT")
    database = _database(store_url)
    with admin.connect() as connection:
        connection.execute(
            text(f"ALTER DATABASE {database} SET default_transaction_read_only = on")
        )
    before = store_state(store_url)
    config = write_config(tmp_path, store_url, world.extract, smtp.port)

    message = _failed_run(config)

    assert f"the store {store_url} is read-only" in message, message
    assert store_state(store_url) == before
    _no_email(smtp)
    with admin.connect() as connection:
        connection.execute(text(f"ALTER DATABASE {database} RESET default_transaction_read_only"))
    admin.dispose()
    run_day(config)
    assert store_state(store_url) == world.reference.state


@POSTGRES
def test_a_postgresql_user_who_may_only_read(
    world: World, store_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    reader = f"reader_{_database(store_url)[-8:]}"
    admin = create_engine(store_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE {reader} LOGIN"))
        connection.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}"))
    url = store_url.replace("auditor_test@", f"{reader}@")
    before = store_state(store_url)
    try:
        message = _failed_run(write_config(tmp_path, url, world.extract, smtp.port))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP OWNED BY {reader}"))
            connection.execute(text(f"DROP ROLE {reader}"))
        admin.dispose()

    assert f"the store {url} refuses this user's writes" in message, message
    assert store_state(store_url) == before
    _no_email(smtp)
