"""PostgreSQL restarted mid-run, and its disk full, on a private cluster (issue 12).

- Restarted while the run writes (in its transaction): the run's session is ended and
  its transaction rolled back; `auditor run` exits 2 with a message naming the store
  and saying to run again, no traceback, no email; the rerun completes.
- Restarted while the run emails (between two emails): the ledger's next save opens a
  new connection (the pool tests each before use), so the run completes and every
  email goes once.
- The disk under the store's tablespace full: exit 2 with a message, the store as it
  was, no email; with room again the rerun completes.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.faults.clusters import Cluster, private_cluster
from tests.faults.conftest import (
    DAY,
    KillingMailbox,
    Reference,
    Stores,
    clean_run,
    run_day,
    write_config,
)
from tests.faults.mounts import small_disk
from tests.faults.processes import Freeze, auditor, start, wait_frozen
from tests.faults.states import store_state, unsettled
from tests.notifiers.conftest import SmtpServer, free_port

pytestmark = pytest.mark.postgres


class Private:
    def __init__(self, cluster: Cluster, stores: Stores, reference: Reference) -> None:
        self.cluster, self.stores, self.reference = cluster, stores, reference


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory, extract: Path) -> Iterator[Private]:
    with private_cluster() as cluster:
        stores = Stores("postgres", tmp_path_factory.mktemp("private"), extract, cluster.url)
        reference = clean_run(stores, tmp_path_factory.mktemp("private-clean"))
        yield Private(cluster, stores, reference)


def _run_args(config: Path) -> tuple[str, ...]:
    return ("run", "--config", str(config), "--as-of", str(DAY))


def test_postgresql_restarted_while_the_run_writes(
    private: Private, smtp: SmtpServer, tmp_path: Path
) -> None:
    url = private.stores.copy()
    before = store_state(url)
    config = write_config(tmp_path, url, private.stores.extract, smtp.port)
    in_store = Freeze("before", "auditor.store.repository:write_run_details")
    process = start(*_run_args(config), freeze=in_store)
    wait_frozen(process)

    private.cluster.restart()
    process.send_signal(signal.SIGCONT)
    out, err = process.communicate(timeout=120)

    output = " ".join((out + err).split())
    assert process.returncode == 2, output
    assert "Traceback" not in output, output
    assert f"the store {url} went away during the run" in output, output
    assert "run again" in output
    assert store_state(url) == before
    assert isinstance(smtp.mailbox, KillingMailbox) and smtp.mailbox.messages == []
    run_day(config)
    assert store_state(url) == private.reference.state
    assert smtp.mailbox.sent() == private.reference.sent
    private.stores.drop(url)


class RestartingMailbox(KillingMailbox):
    """Restarts the cluster at the MAIL FROM of the third email, then takes it."""

    cluster: Cluster | None = None

    def _maybe_kill(self, step: str, number: int) -> None:
        if self.cluster is not None and (step, number) == ("mail", 3) and not self.killed:
            self.killed = True
            self.cluster.restart()


def test_postgresql_restarted_while_the_run_emails(private: Private, tmp_path: Path) -> None:
    mailbox = RestartingMailbox()
    mailbox.cluster = private.cluster
    server = SmtpServer(mailbox, free_port())
    server.start()
    url = private.stores.copy()
    try:
        config = write_config(tmp_path, url, private.stores.extract, server.port)
        done = auditor(*_run_args(config))
        output = done.stdout + done.stderr
        assert done.returncode == 0 and "Traceback" not in output, output
        assert mailbox.killed
        run_day(config)  # the rerun of the day sends nothing again
        assert mailbox.sent() == private.reference.sent
        assert unsettled(url) == []
        assert store_state(url, {_latest(url)}) == private.reference.state
    finally:
        server.stop()
        private.stores.drop(url)


def _latest(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        latest = connection.scalar(text("SELECT max(id) FROM runs"))
    engine.dispose()
    return int(latest)


def test_postgresql_disk_full(private: Private, smtp: SmtpServer, tmp_path: Path) -> None:
    space = 24 * 1024 * 1024
    point = Path(tempfile.mkdtemp(prefix="auditor-faults-disk-"))  # the postgres user's too
    with small_disk(point, space) as disk:
        disk.chmod(0o755)
        (disk / "pg").mkdir()
        shutil.chown(disk / "pg", "postgres", "postgres")
        name = f"small_{private.cluster.port}"
        _admin(private, f"CREATE TABLESPACE {name} LOCATION '{disk / 'pg'}'")
        url = private.stores.copy(f" TABLESPACE {name}")
        before = store_state(url)
        filler = disk / "filler"
        _fill(filler, leave=64 * 1024)
        config = write_config(tmp_path, url, private.stores.extract, smtp.port)
        try:
            done = auditor(*_run_args(config))
            output = " ".join((done.stdout + done.stderr).split())
            assert done.returncode == 2, output
            assert "Traceback" not in output, output
            assert f"the store {url} is full" in output, output
            assert store_state(url) == before
            assert isinstance(smtp.mailbox, KillingMailbox) and smtp.mailbox.messages == []
            filler.unlink()
            run_day(config)
            assert store_state(url) == private.reference.state
        finally:
            private.stores.drop(url)
            _admin(private, f"DROP TABLESPACE IF EXISTS {name}")
    point.rmdir()


def _admin(private: Private, statement: str) -> None:
    engine = create_engine(private.cluster.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def _fill(path: Path, leave: int) -> None:
    """Write zeros into ``path`` until the disk has only ``leave`` bytes free."""
    stats = os.statvfs(path.parent)
    free = stats.f_bavail * stats.f_frsize
    with path.open("wb") as file:
        file.write(b"\0" * max(0, free - leave))


class StoppingMailbox(KillingMailbox):
    """Stops the cluster at the MAIL FROM of the third email, then takes it."""

    cluster: Cluster | None = None

    def _maybe_kill(self, step: str, number: int) -> None:
        if self.cluster is not None and (step, number) == ("mail", 3) and not self.killed:
            self.killed = True
            self.cluster.stop()


def test_postgresql_down_while_the_run_emails(private: Private, tmp_path: Path) -> None:
    """The ledger cannot record the third email: delivering stops, no traceback, and
    `auditor notify` sends the rest once the server is back; the third goes again (it
    may have arrived: at least once), with its Message-ID."""
    mailbox = StoppingMailbox()
    mailbox.cluster = private.cluster
    server = SmtpServer(mailbox, free_port())
    server.start()
    url = private.stores.copy()
    try:
        config = write_config(tmp_path, url, private.stores.extract, server.port)
        done = auditor(*_run_args(config))
        output = " ".join((done.stdout + done.stderr).split())
        private.cluster.start()
        assert mailbox.killed and len(mailbox.messages) == 3
        assert "Traceback" not in output, output
        assert "the ledger cannot be written" in output or "went away" in output, output
        run_id = _latest(url)
        again = auditor("notify", "--run", str(run_id), "--config", str(config))
        assert again.returncode == 0, again.stdout + again.stderr
        third = (str(mailbox.messages[2]["To"].addresses[0].addr_spec),
                 str(mailbox.messages[2]["Subject"]))  # fmt: skip
        assert mailbox.sent() - private.reference.sent == {third: 1}
        assert set(mailbox.sent()) == set(private.reference.sent)
        ids = {str(m["Message-ID"]) for m in mailbox.messages if m["Subject"] == third[1]}
        assert len(ids) == 1
        assert unsettled(url) == []
    finally:
        server.stop()
        private.stores.drop(url)
