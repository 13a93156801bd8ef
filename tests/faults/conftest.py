"""The fault tests' world: a generated extract of a few hundred persons, a store on
SQLite or PostgreSQL holding the day before's run (copied from a template made once),
a local SMTP server that can kill the run's process at a chosen message, and what one
clean run of the day leaves in the store and sends (the reference)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.faults.processes import auditor
from tests.faults.states import store_state
from tests.notifiers.conftest import Mailbox, SmtpServer, free_port

POSTGRES_URL = os.environ.get("AUDITOR_TEST_POSTGRES_URL")
DAY_BEFORE, DAY = dt.date(2026, 11, 24), dt.date(2026, 11, 25)
PERSONS = 300
BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not POSTGRES_URL, reason="AUDITOR_TEST_POSTGRES_URL is not set"),
    ]),
]  # fmt: skip


@dataclass
class KillingMailbox(Mailbox):
    """A mailbox that kills ``victim`` (SIGKILL, waited for) when the ``kill_at`` step
    comes: ("mail", n) at the MAIL FROM of the n-th message, before it is taken; ("data",
    n) once the n-th message is taken and kept, before the 250 reply to it is sent."""

    victim: subprocess.Popen[str] | None = None
    kill_at: tuple[str, int] | None = None
    killed: bool = False

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:  # fmt: skip
        self._maybe_kill("mail", len(self.messages) + 1)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        self._maybe_kill("data", len(self.messages))
        return reply

    def _maybe_kill(self, step: str, number: int) -> None:
        if self.victim is not None and self.kill_at == (step, number) and not self.killed:
            self.killed = True  # first: the test may see the death before this returns
            self.victim.kill()
            self.victim.wait(timeout=60)

    def sent(self) -> Counter[tuple[str, str]]:
        """How many emails each (address, subject) got."""
        return Counter((str(m["To"].addresses[0].addr_spec), str(m["Subject"]))
                       for m in self.messages)  # fmt: skip


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(KillingMailbox(), free_port())
    server.start()
    yield server
    server.stop()


def write_config(folder: Path, store_url: str, extract: Path, smtp_port: int,
                 extra: str = "") -> Path:  # fmt: skip
    """config.toml for a run of the extract into the store, emailing by SMTP."""
    path = folder / "config.toml"
    path.write_text(
        f'[source]\nextract_dir = "{extract}"\n\n[store]\nurl = "{store_url}"\n\n'
        f'[notify]\ntransport = "smtp"\nfrom_address = "auditor@example.org"\n\n'
        f'[notify.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        f"timeout_seconds = 5\n{extra}"
    )
    return path


def run_day(config: Path, day: dt.date = DAY) -> subprocess.CompletedProcess[str]:
    done = auditor("run", "--config", str(config), "--as-of", str(day))
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="session")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("extract") / "x"
    done = auditor("generate", "--persons", str(PERSONS), "--seed", "12", "--as-of", str(DAY),
                   "--out", str(folder))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder


class Stores:
    """Stores of one backend, each a copy of a template holding the day before's run."""

    def __init__(
        self, backend: str, folder: Path, extract: Path, admin_url: str | None = POSTGRES_URL
    ) -> None:
        self.backend, self.folder, self.extract = backend, folder, extract
        self.admin_url = admin_url or ""
        self.made: list[str] = []
        self.template = self._new_url("template")
        server = SmtpServer(Mailbox(), free_port())
        server.start()
        try:
            run_day(write_config(folder, self.template, extract, server.port), DAY_BEFORE)
        finally:
            server.stop()

    def _new_url(self, name: str, options: str = "") -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / name}.db"
        database = f"auditor_faults_{name}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            template = f" TEMPLATE {self._database(self.template)}" if self.made else ""
            connection.execute(text(f"CREATE DATABASE {database}{template}{options}"))
        admin.dispose()
        self.made.append(database)
        return self.admin_url.rsplit("/", 1)[0] + "/" + database

    @staticmethod
    def _database(url: str) -> str:
        return url.rsplit("/", 1)[1]

    def copy(self, options: str = "") -> str:
        """A new store holding the day before's run (``options``: of CREATE DATABASE)."""
        name = f"store_{uuid.uuid4().hex[:8]}"
        if self.backend == "sqlite":
            shutil.copy(self.folder / "template.db", self.folder / f"{name}.db")
            return f"sqlite:///{self.folder / name}.db"
        return self._new_url(name, options)

    def drop(self, url: str) -> None:
        if self.backend != "postgres":
            return
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {self._database(url)} WITH (FORCE)"))
        admin.dispose()

    def close(self) -> None:
        for database in reversed(self.made):
            self.drop(f"/{database}")


@dataclass
class Reference:
    """What one clean run of DAY leaves in the store, and the emails it sends."""

    state: dict[str, Any]
    sent: Counter[tuple[str, str]] = field(default_factory=Counter)


@dataclass
class World:
    stores: Stores
    reference: Reference
    extract: Path


_WORLDS: dict[str, World] = {}


@pytest.fixture(params=BACKENDS, scope="session")
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          extract: Path) -> Iterator[World]:  # fmt: skip
    backend = request.param
    if backend == "postgres" and not POSTGRES_URL:
        pytest.skip("AUDITOR_TEST_POSTGRES_URL is not set (.ci/postgres-start)")
    stores = Stores(backend, tmp_path_factory.mktemp(f"stores-{backend}"), extract)
    yield World(stores, clean_run(stores, tmp_path_factory.mktemp("clean")), extract)
    stores.close()


def clean_run(stores: Stores, folder: Path) -> Reference:
    """One clean run of DAY on a copy of the template: what it stores and sends."""
    url = stores.copy()
    server = SmtpServer(KillingMailbox(), free_port())
    server.start()
    try:
        run_day(write_config(folder, url, stores.extract, server.port))
        assert isinstance(server.mailbox, KillingMailbox)
        reference = Reference(store_state(url), server.mailbox.sent())
    finally:
        server.stop()
        stores.drop(url)
    assert reference.sent and set(reference.sent.values()) == {1}
    return reference


@pytest.fixture
def store_url(world: World) -> Iterator[str]:
    """A store of the world's backend holding the day before's run."""
    url = world.stores.copy()
    yield url
    world.stores.drop(url)
