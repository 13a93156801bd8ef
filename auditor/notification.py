"""The SPO's morning email, wired to the store, the extract and the transport (issue 4).

- ``email_notifier(settings)``: the post-commit notifier that `auditor run`, `auditor
  serve` (through ``notifiers_for``, unless ``[notify] enabled = false``) and `auditor
  demo` give run_audit. After each successful run it builds the run's digests and
  delivers them through the configured transport, recording each in the store's ledger;
  it returns the delivery report's lines (sent, deferred, rejected, staff without an
  address) for the run summary. A delivery that fails leaves the run as it is.
- ``notify_stored_run(settings, run_id)``: `auditor notify --run ID`: preview a run's
  emails, send those the ledger shows unsent or deferred, resend one, or send copies of
  them all to one address. It holds the store's run lock, so it never races a run's own
  delivery or another `auditor notify` into sending an email twice.

Where the exceptions, names and addresses come from, and which exceptions an email
holds: notifiers/inputs.py. Only the **latest successful run** can be emailed: the store
keeps each exception's latest state, not each run's, so an older run's emails could not
be rebuilt as they were (their exceptions may since have been resolved, reassigned or
triaged); the next run's emails say what is open now.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import polars as pl

from auditor.audit import open_source
from auditor.config import Settings, SourceSettings
from auditor.errors import AuditorError
from auditor.pipeline import Notifier, RunResult
from auditor.store import repository
from auditor.store.database import Store, open_store
from auditor.store.ledger import StoreLedger
from notifiers.delivery import DeliveryReport, RetryPolicy, Sleep, notify_run, send_copies
from notifiers.digest import DigestInput
from notifiers.inputs import (
    DIRECTORY_TABLES,
    RESOLVED_WINDOW,
    Directory,
    build_directory,
    digest_input,
    run_directory,
)
from notifiers.registry import build_notifier

log = logging.getLogger(__name__)


class RunNotNotifiable(AuditorError):
    """A run whose emails cannot be built: there is no such run, it failed, or a later
    run has superseded it (the message says which, and what to do)."""


@dataclass(frozen=True)
class StoredRun:
    """What the store holds for a run's emails (repository.OPEN_SCHEMA, RESOLVED_SCHEMA)."""

    run: repository.RunRecord
    open_exceptions: pl.DataFrame
    resolved: pl.DataFrame


def notifiers_for(settings: Settings) -> list[Notifier]:
    """The post-commit notifiers of `auditor run` and `auditor serve`."""
    return [email_notifier(settings)] if settings.notify.enabled else []


def email_notifier(
    settings: Settings, *, policy: RetryPolicy | None = None, sleep: Sleep = time.sleep
) -> Notifier:
    """A notifier that emails a successful run's digests; the transport is built now, so
    that a bad [notify] setting stops `auditor run` or `auditor serve` at start-up."""
    build_notifier(settings.notify).close()

    def email(result: RunResult) -> list[str]:
        directory = _directory(result, settings.source)
        with _opened(settings, result.opened_store) as store:
            inputs = _digest_input(settings, read_stored_run(store, result.run_id), directory)
            notifier = build_notifier(settings.notify)
            report = notify_run(inputs, StoreLedger(store), notifier, policy=policy, sleep=sleep)
        lines = report_lines(report, result.run_id)
        for line in lines:
            log.info("run %s: email: %s", result.run_id, line)
        return lines

    return email


def notify_stored_run(
    settings: Settings,
    run_id: int,
    *,
    dry_run: bool = False,
    to: str | None = None,
    resend: str | None = None,
    policy: RetryPolicy | None = None,
    sleep: Sleep = time.sleep,
) -> DeliveryReport:
    """`auditor notify --run ID`: send what the ledger shows unsent, deferred or left
    sending by a process that died (again, with its Message-ID: at least once); the
    sent and rejected stand; ``dry_run``: build them, send and record
    nothing; ``to``: copies of every email to that address instead, the ledger untouched;
    ``resend``: the email(s) to that recipient's address, again, whatever the ledger says.
    The store's schema is brought up to date first, as `auditor run` does."""
    with _opened(settings) as store, store.run_lock():
        store.upgrade()
        stored = read_stored_run(store, run_id)
        inputs = _digest_input(settings, stored, load_directory(settings.source))
        ledger = StoreLedger(store)
        notifier = None if dry_run else build_notifier(settings.notify)
        if to is not None:
            return send_copies(
                inputs, ledger, notifier, to, dry_run=dry_run, policy=policy, sleep=sleep
            )
        return notify_run(
            inputs, ledger, notifier, dry_run=dry_run, to=resend, policy=policy, sleep=sleep
        )


def read_stored_run(store: Store, run_id: int) -> StoredRun:
    """A run's open exceptions and those resolved lately; RunNotNotifiable unless it is
    the store's latest successful run."""
    with store.reading() as connection:
        run = _notifiable(
            repository.read_run(connection, run_id), run_id, repository.latest_run_id(connection)
        )
        after = run.as_of - RESOLVED_WINDOW
        return StoredRun(
            run,
            repository.read_open(connection),
            repository.read_resolved(connection, after, run.as_of),
        )


def _notifiable(
    run: repository.RunRecord | None, run_id: int, latest: int | None
) -> repository.RunRecord:
    """The run, if its emails can be built: it exists, succeeded, and is the latest."""
    if run is None:
        hint = f"the latest successful run is {latest}" if latest else "the store has no run"
        raise RunNotNotifiable(f"there is no run {run_id} in the store ({hint}).")
    if run.status != "succeeded":
        raise RunNotNotifiable(
            f"run {run_id} (as of {run.as_of}) failed, so it has no emails: {run.error}"
        )
    if run_id != latest:
        raise RunNotNotifiable(
            f"run {run_id} (as of {run.as_of}) is not the latest successful run: its emails "
            f"cannot be rebuilt as they were. Run {latest}'s say what is open now: "
            f"auditor notify --run {latest}"
        )
    return run


def load_directory(source: SourceSettings) -> Directory:
    """The directory from the configured extract (only the tables it needs)."""
    extract, _ = open_source(source, DIRECTORY_TABLES)
    return build_directory(extract.tables)


def report_lines(report: DeliveryReport, run_id: int) -> list[str]:
    """The delivery report for a summary, and what to do when emails are left to send."""
    lines = report.summary_lines()
    waiting = len(report.outcome("deferred")) + len(report.outcome("not_attempted"))
    if waiting:
        lines.append(f"{waiting} email(s) not sent yet: `auditor notify --run {run_id}` sends them")
    return lines


def _directory(result: RunResult, source: SourceSettings) -> Directory:
    """The run's own directory when it has one, else the configured extract's."""
    if result.directory is not None:
        return result.directory
    if result.context is not None:
        return run_directory(result.context)
    return load_directory(source)


def _digest_input(settings: Settings, stored: StoredRun, directory: Directory) -> DigestInput:
    run = stored.run
    return digest_input(
        run.id, run.as_of, settings.notify, stored.open_exceptions, stored.resolved, directory
    )


@contextmanager
def _opened(settings: Settings, already: Store | None = None) -> Iterator[Store]:
    """The store a run already has open, else the configured one (closed after)."""
    if already is not None:
        yield already
        return
    store = open_store(settings.store)
    try:
        yield store
    finally:
        store.dispose()
