"""One run: load → validate → check → reconcile → store → notify.

``run_audit(settings, as_of)`` is what ``auditor run``, ``auditor serve`` and a
day-by-day demo call (any number of times, one as-of date after another, on one store).

- **One at a time.** The whole run holds the store's run lock; a second run, in this or
  any other process, is refused with RunRefused. The schema is upgraded under the lock.
- **Forward in time.** An as-of date before the store's latest successful run is
  refused; the same date again is allowed and, over the same extract, changes nothing
  but adds its run record (reconcile writes only real changes).
- **All or nothing.** Reconcile and store are one transaction with the run record:
  a crash or kill at any point (an unexpected exception included) leaves the store
  exactly as it was. Bad input (ExtractError, TooManyRejects, any AuditorError from
  load, validate or check) records a failed run, with its message, and nothing else;
  the error is raised again for the caller to report.
- **Timed.** Each stage's seconds (auditor/stopwatch.py) are recorded on the run, a
  failed one's up to where it stopped, for the metrics.
- **Notify after commit.** Post-commit notifiers (``Notifier``: called with the
  RunResult) run after the data is safe, still under the run lock; one that fails is
  logged and listed in ``RunResult.notify_errors``, never undoing the run. A notifier
  may return lines for the run summary (``RunResult.notified``), and may read the run's
  audited tables from ``RunResult.context`` and use the run's open store
  (``RunResult.opened_store``), both dropped once they have run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from auditor.audit import Audit, audit
from auditor.config import Settings, SourceSettings
from auditor.errors import AuditorError, RunRefused
from auditor.lifecycle import COUNT_COLUMNS, reconcile
from auditor.sources.database import shown_url
from auditor.stopwatch import Stopwatch
from auditor.store import repository
from auditor.store.database import Store, open_store
from auditor.store.directory import write_directory
from auditor.store.trend_totals import write_trend_totals
from auditor.trends_recording import ConfigInForce, active_cases, config_in_force
from checks.context import ENGINE, CheckContext
from checks.runner import CheckRun
from notifiers.inputs import Directory, run_directory

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
OUTCOME_SCHEMA: dict[str, pl.DataType] = {
    "check": pl.String(),
    "status": pl.String(),
    "found": pl.Int64(),
    "seconds": pl.Float64(),
    "error": pl.String(),
}


@dataclass(frozen=True)
class RunResult:
    """What a successful run did, for the summary and the notifiers."""

    run_id: int
    as_of: dt.date
    store: str  # where the store is (no password)
    source: str  # where the extract came from (no password)
    tables: pl.DataFrame  # table, rows_read, rows_kept, rows_rejected
    checks: pl.DataFrame  # check, status, found, error and lifecycle.COUNT_COLUMNS
    notify_errors: tuple[str, ...] = ()
    notified: tuple[str, ...] = ()  # what the notifiers report, for the summary
    # The run's audited tables and its open store, for the notifiers only (None once
    # they have run).
    context: CheckContext | None = field(default=None, repr=False, compare=False)
    opened_store: Store | None = field(default=None, repr=False, compare=False)
    directory: Directory | None = field(default=None, repr=False, compare=False)

    @property
    def totals(self) -> dict[str, int]:
        return {c: int(self.checks[c].sum()) for c in COUNT_COLUMNS}


Notifier = Callable[[RunResult], Sequence[str] | None]  # lines for the run summary, if any


def run_audit(
    settings: Settings,
    as_of: dt.date,
    progress: Progress | None = None,
    notifiers: Sequence[Notifier] = (),
    store: Store | None = None,
) -> RunResult:
    """Audit the configured extract at ``as_of`` and store the outcome (one transaction).

    Raises RunRefused when another run is going or the date goes back in time, and the
    AuditorError of a failed run after recording it. ``store``: an open store to use
    (default: open the configured one, and close it after).
    """
    say = progress or (lambda _: None)
    opened = store or open_store(settings.store)
    clock = Stopwatch()
    try:
        with opened.run_lock():
            say("preparing the store")
            opened.upgrade()
            _refuse_going_back(opened, as_of)
            result = _run(settings, as_of, opened, say, clock)
            with clock.stage("email"):
                result = _notify(result, notifiers, say)
            _record_stages(opened, result.run_id, clock)
            return result
    finally:
        if store is None:
            opened.dispose()


def _record_stages(store: Store, run_id: int, clock: Stopwatch) -> None:
    """The stages' seconds, after the emails: the run is stored and its emails are
    sent, so a store that fails now loses the timings only, with a warning."""
    try:
        with store.writing() as connection:
            repository.write_run_stages(connection, run_id, clock.seconds)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("run %s is stored, but its stage timings could not be: %s", run_id, exc)


def _refuse_going_back(store: Store, as_of: dt.date) -> None:
    with store.reading() as connection:
        latest = repository.latest_as_of(connection)
    if latest is not None and as_of < latest:
        raise RunRefused(
            f"the store already holds a run as of {latest}; a run as of {as_of} would "
            f"take its exceptions back in time. Run as of {latest} or later."
        )


def _run(
    settings: Settings, as_of: dt.date, store: Store, say: Progress, clock: Stopwatch
) -> RunResult:
    started = repository.now()
    try:
        audited = audit(settings, as_of, progress=say, stopwatch=clock)
    except AuditorError as exc:
        failure = _Failure(as_of, started, source_name(settings.source), str(exc))
        _record_failure(store, failure, clock.seconds)
        raise
    say("reconciling and storing")
    result = store_audit(store, audited, started, config_in_force(settings.checks), clock)
    log.info("run %s as of %s stored: %s", result.run_id, as_of, result.totals)
    return result


@dataclass(frozen=True)
class _Failure:
    as_of: dt.date
    started: dt.datetime
    source: str
    error: str


def _record_failure(store: Store, failure: _Failure, stages: dict[str, float]) -> None:
    """The failed run's record, with the time its stages took until it stopped."""
    with store.writing() as connection:
        run_id = repository.insert_run(
            connection, failure.as_of, failure.started, failure.source, "failed", failure.error
        )
        repository.write_run_stages(connection, run_id, stages)
    log.warning("run as of %s failed: %s", failure.as_of, failure.error)


def store_audit(
    store: Store,
    audited: Audit,
    started: dt.datetime,
    config: ConfigInForce | None = None,
    stopwatch: Stopwatch | None = None,
) -> RunResult:
    """Reconcile an audit with the store and write everything, in one transaction
    (``config``: the configuration in force, recorded for the trends; ``stopwatch``:
    where to time the reconcile and store stages)."""
    clock = stopwatch or Stopwatch()
    with clock.stage("store"):
        return _store_audit(store, audited, started, config, clock)


def _store_audit(
    store: Store,
    audited: Audit,
    started: dt.datetime,
    config: ConfigInForce | None,
    clock: Stopwatch,
) -> RunResult:
    with clock.stage("reconcile"):
        outcomes, examined = _examined(audited.check_run)
    statuses = dict(zip(outcomes["check"], outcomes["status"], strict=True))
    context = audited.check_run.context
    directory = None if context is None else run_directory(context)
    with store.writing(exclusive=True) as connection:
        run_id = repository.insert_run(connection, audited.as_of, started, audited.source)
        with clock.stage("reconcile"):
            changes = reconcile(
                repository.read_known(connection, run_id),
                audited.check_run.exceptions,
                statuses,
                examined,
                audited.as_of,
                repository.next_exception_id(connection),
            )
        repository.write_changes(connection, run_id, changes, repository.now())
        repository.write_run_details(
            connection, run_id, audited.counts, audited.rejects, outcomes, audited.measures
        )
        if context is not None and directory is not None:
            providers = context.providers.select("provider_code", "provider_name").collect()
            write_directory(connection, directory, providers, audited.check_run.exceptions)
            teams = context.teams.select("team_code", "provider_code").collect()
            cases = active_cases(context)
            write_trend_totals(connection, run_id, cases, changes.counts, teams, config)
        repository.finish_run(connection, run_id)
    summary = _check_summary(outcomes, changes.counts)
    return RunResult(
        run_id, audited.as_of, store.where, audited.source, audited.counts, summary,
        context=context, opened_store=store, directory=directory,
    )  # fmt: skip


def _examined(check_run: CheckRun) -> tuple[pl.DataFrame, pl.LazyFrame]:
    """Each check's outcome, and the records every check that ran examined. A check
    whose scope cannot be computed counts as errored: its exceptions not found this run
    are unconfirmed, never resolved."""
    rows, scopes = [], []
    for name, outcome in check_run.outcomes.items():
        status, error = outcome.status, outcome.error
        if status == "ok":
            try:
                scopes.append(_scope(check_run, name))
            except Exception as exc:  # a broken scope must not resolve anything
                status, error = "error", f"scope: {exc}"
        rows.append((name, status, outcome.count, outcome.seconds, error))
    outcomes = pl.DataFrame(rows, schema=OUTCOME_SCHEMA, orient="row")
    empty = pl.DataFrame(schema=dict.fromkeys(("check", "crn", "subject"), pl.String()))
    return outcomes, pl.concat([empty, *scopes]).lazy()


def _scope(check_run: CheckRun, name: str) -> pl.DataFrame:
    frame = check_run.scope(name).select(
        check=pl.lit(name), crn=pl.col("crn").cast(pl.String), subject=pl.col("subject")
    )
    return frame.collect(engine=ENGINE).cast(pl.String)


def _check_summary(outcomes: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    per_check = counts.group_by("check").agg(pl.col(c).sum() for c in COUNT_COLUMNS)
    return (
        outcomes.select("check", "status", "found", "error")
        .join(per_check, on="check", how="full", coalesce=True, maintain_order="left")
        .with_columns(pl.col(c).fill_null(0) for c in ("found", *COUNT_COLUMNS))
        .with_columns(pl.col("status").fill_null("not run"))
    )


def _notify(result: RunResult, notifiers: Sequence[Notifier], say: Progress) -> RunResult:
    errors: list[str] = []
    lines: list[str] = []
    for notifier in notifiers:
        name = getattr(notifier, "__name__", type(notifier).__name__)
        say(f"notifying: {name}")
        try:
            lines.extend(notifier(result) or ())
        except AuditorError as exc:  # told, with what to do: no traceback
            log.error("notifier %s failed after run %s: %s", name, result.run_id, exc)
            errors.append(f"{name}: {exc}")
        except Exception as exc:  # the run's data is committed: report, never undo
            log.exception("notifier %s failed after run %s", name, result.run_id)
            errors.append(f"{name}: {exc}")
    return dataclasses.replace(
        result, notify_errors=tuple(errors), notified=tuple(lines), context=None,
        opened_store=None, directory=None,
    )  # fmt: skip


def source_name(source: SourceSettings) -> str:
    """Where the extract comes from, without a password."""
    if source.url:
        return shown_url(make_url(source.url))
    return str(source.extract_dir) if source.extract_dir else "(no source configured)"
