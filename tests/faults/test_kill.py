"""kill -9 at every stage of `auditor run`, on SQLite and PostgreSQL, then the same day
again: the store ends as one clean run leaves it, and each email of the day reaches its
recipient once (issue 12).

A run killed before its commit (load, validate, check, reconcile, store) leaves no run
record at all: the record is written in the run's own transaction, so nothing shows the
attempt but the exit status of the killed process. A run killed while it emails has
committed: its record says succeeded, and the ledger holds what it sent; the day's
rerun adds its own record and emails only those who have not had the day's email.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.faults.conftest import DAY, KillingMailbox, World, run_day, write_config
from tests.faults.processes import Freeze, auditor, kill, start, wait_frozen
from tests.faults.states import store_state, unsettled
from tests.notifiers.conftest import SmtpServer

BEFORE_COMMIT = {
    "load": Freeze("after", "auditor.audit:load_extract"),
    "validate": Freeze("after", "auditor.audit:validate_extract"),
    "check": Freeze("progress", "check rsr_missing"),
    "reconcile": Freeze("before", "auditor.pipeline:reconcile"),  # in the write transaction
    "store": Freeze("before", "auditor.store.repository:write_run_details"),  # ditto
    "notify": Freeze("progress", "notifying"),  # committed, no email yet
}


def _run_args(config: Path) -> tuple[str, ...]:
    return ("run", "--config", str(config), "--as-of", str(DAY))


def _latest_run(url: str) -> int | None:
    engine = create_engine(url)
    with engine.connect() as connection:
        latest = connection.scalar(text("SELECT max(id) FROM runs"))
    engine.dispose()
    return latest


def _in_write_transaction(url: str) -> bool:
    """Whether another process is inside a write transaction: on SQLite, it holds the
    write lock (BEGIN IMMEDIATE is refused at once); on PostgreSQL, a session idle in
    its transaction holds the run's lock on the exceptions."""
    if url.startswith("sqlite"):
        probe = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            probe.close()
        return False
    engine = create_engine(url)
    with engine.connect() as connection:
        held = connection.scalar(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE c.relname = 'exceptions' "
            "AND l.mode = 'ShareRowExclusiveLock' AND l.granted "
            "AND a.state = 'idle in transaction'"
        ))  # fmt: skip
    engine.dispose()
    return bool(held)


@pytest.mark.parametrize("stage", list(BEFORE_COMMIT))
def test_a_run_killed_at_a_stage_then_run_again_ends_as_one_clean_run(
    world: World, store_url: str, smtp: SmtpServer, tmp_path: Path, stage: str
) -> None:
    config = write_config(tmp_path, store_url, world.extract, smtp.port)
    before = _latest_run(store_url)

    process = start(*_run_args(config), freeze=BEFORE_COMMIT[stage])
    wait_frozen(process)
    assert _in_write_transaction(store_url) == (stage in ("reconcile", "store"))
    kill(process)
    killed = _latest_run(store_url)
    assert (killed == before) == (stage != "notify")  # only a commit leaves a record

    run_day(config)

    # a run killed after its commit is the day's run; the rerun adds a second record,
    # which finds nothing new (it is left out of the comparison)
    rerun = _latest_run(store_url)
    left_out = {rerun} if killed != before and rerun is not None else set()
    assert store_state(store_url, left_out) == world.reference.state
    assert isinstance(smtp.mailbox, KillingMailbox)
    assert smtp.mailbox.sent() == world.reference.sent
    assert unsettled(store_url) == []


@pytest.mark.parametrize("recovery", ["rerun", "notify"])
def test_a_run_killed_between_two_emails_leaves_nobody_out_and_nobody_twice(
    world: World, store_url: str, smtp: SmtpServer, tmp_path: Path, recovery: str
) -> None:
    """Killed at the MAIL FROM of the third email: two went and were recorded; the
    third was about to go (the ledger holds it as sending)."""
    config = write_config(tmp_path, store_url, world.extract, smtp.port)
    mailbox = smtp.mailbox
    assert isinstance(mailbox, KillingMailbox)
    mailbox.kill_at = ("mail", 3)
    mailbox.victim = start(*_run_args(config))
    mailbox.victim.wait(timeout=120)
    kill(mailbox.victim)
    assert mailbox.killed and len(mailbox.messages) == 2
    killed = _latest_run(store_url)

    if recovery == "rerun":
        run_day(config)
    else:
        done = auditor("notify", "--run", str(killed), "--config", str(config))
        assert done.returncode == 0, done.stdout + done.stderr

    assert mailbox.sent() == world.reference.sent
    assert unsettled(store_url) == []
    rerun = _latest_run(store_url)
    left_out = {rerun} if recovery == "rerun" and rerun is not None else set()
    assert store_state(store_url, left_out) == world.reference.state


def test_a_run_killed_after_the_server_took_an_email_sends_it_again_with_its_message_id(
    world: World, store_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    """The window: the server took the second email and the process died before it
    heard the 250 (or before the ledger recorded it). At least once: the rerun sends it
    again, with the same Message-ID, so that a mail system that keeps the first drops
    the second; everyone else gets the day's email once."""
    config = write_config(tmp_path, store_url, world.extract, smtp.port)
    mailbox = smtp.mailbox
    assert isinstance(mailbox, KillingMailbox)
    mailbox.kill_at = ("data", 2)
    mailbox.victim = start(*_run_args(config))
    mailbox.victim.wait(timeout=120)
    kill(mailbox.victim)
    assert mailbox.killed
    twice = mailbox.sent().most_common()[1][0]  # the second email's (address, subject)

    run_day(config)

    sent = mailbox.sent()
    assert sent - world.reference.sent == {twice: 1}
    assert set(sent) == set(world.reference.sent)
    ids = {str(m["Message-ID"]).strip() for m in mailbox.messages
           if (str(m["To"].addresses[0].addr_spec), str(m["Subject"])) == twice}  # fmt: skip
    assert len(ids) == 1
    assert unsettled(store_url) == []
