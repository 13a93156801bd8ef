"""`auditor serve`'s scheduler: the audit on the cron in config.toml, and the monthly
trends report on ``[schedule] report_cron`` (auditor/monthly_report.py).

APScheduler 3 runs the audit in a background thread, so that the web worklist serves
from the same process (auditor/web/server.py runs uvicorn where ``serve`` waits on
``stop``). The job:

- fires on ``[schedule] cron`` in ``[schedule] timezone`` (default weekdays 06:00
  Europe/London), as of the day it fires in that time zone;
- coalesces missed runs into one (a run missed by more than MISFIRE_GRACE is skipped
  and logged), and never runs twice at once (``max_instances=1``; the store's run lock
  also refuses a manual `auditor run` going at the same time);
- logs each run: start, outcome, and any failure, which never stops the scheduler;
- resumes the day's emails: at start-up (and when a fire finds the day's run done),
  the emails of today's run that are not sent yet, because the process that ran it
  died or was stopped while it emailed, or the mail server was down, are sent now
  (``resume_delivery``: `auditor notify --run ID` by itself). Without it a restart
  after a crash mid-email left those recipients without the day's email.

SIGTERM or SIGINT shuts down cleanly: no new run starts, a running audit finishes and
commits first. A second signal stops at once (a run cut short commits nothing).
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from functools import partial
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from auditor.config import ScheduleSettings, Settings
from auditor.errors import AuditorError, ConfigError, RunRefused
from auditor.pipeline import Notifier, run_audit
from auditor.store.repository import RunRecord

log = logging.getLogger(__name__)

JOB_ID = "audit"
REPORT_JOB_ID = "report"
RESUME_JOB_ID = "resume emails"
MISFIRE_GRACE = dt.timedelta(hours=3)


def serve(
    settings: Settings,
    stop: threading.Event | None = None,
    notifiers: Sequence[Notifier] = (),
    handle_signals: bool = True,
) -> None:
    """Run the audit on schedule until ``stop`` is set (by SIGTERM or SIGINT)."""
    stop = stop or threading.Event()
    if handle_signals:
        _stop_on_signals(stop)
    scheduler = start_scheduler(settings, notifiers)
    stop.wait()
    stop_scheduler(scheduler)


def start_scheduler(settings: Settings, notifiers: Sequence[Notifier] = ()) -> BackgroundScheduler:
    """The audit on schedule, in a background thread (`auditor serve` with the web app)."""
    scheduler = build_scheduler(settings, partial(scheduled_run, settings, notifiers))
    if notifiers:  # emails are on: send what a process that died left unsent today
        scheduler.add_job(partial(resume_delivery, settings), id=RESUME_JOB_ID,
                          name="resume the day's emails")  # fmt: skip
    scheduler.start()
    job = scheduler.get_job(JOB_ID)
    log.info("serving: cron '%s' (%s), next run at %s", settings.schedule.cron,
             settings.schedule.timezone, job.next_run_time if job else None)  # fmt: skip
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """No new runs; a running audit finishes and commits first."""
    log.info("stopping: no new runs; waiting for a running audit to finish")
    scheduler.shutdown(wait=True)
    log.info("stopped")


def build_scheduler(
    settings: Settings, job: Callable[[], None], trigger: BaseTrigger | None = None
) -> BackgroundScheduler:
    """A scheduler (not started) with the audit job on the configured cron."""
    scheduler = BackgroundScheduler(timezone=time_zone(settings.schedule))
    scheduler.add_job(
        job,
        trigger or cron_trigger(settings.schedule),
        id=JOB_ID,
        name="audit",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
    )
    if settings.schedule.report_cron:
        scheduler.add_job(
            partial(scheduled_report, settings),
            report_trigger(settings.schedule),
            id=REPORT_JOB_ID,
            name="monthly report",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
        )
    scheduler.add_listener(_log_skipped, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def report_trigger(schedule: ScheduleSettings) -> CronTrigger:
    """The [schedule] report_cron as a trigger; a bad expression is a ConfigError."""
    try:
        return CronTrigger.from_crontab(schedule.report_cron, timezone=time_zone(schedule))
    except ValueError as exc:
        raise ConfigError(
            f"[schedule] report_cron '{schedule.report_cron}' is not valid: {exc}"
        ) from None


def scheduled_report(settings: Settings) -> None:
    """The monthly trends report of the month before today; logs, never raises."""
    from auditor.monthly_report import build_reports, previous_month, recipients, send_reports
    from auditor.store.database import open_store

    month = previous_month(dt.datetime.now(time_zone(settings.schedule)).date())
    store = open_store(settings.store)
    try:
        store.upgrade()
        reports = build_reports(settings, store, month, recipients(settings, store))
        results = send_reports(store, settings, reports)
        log.info("report for %s: %s", month, [(r.address, r.outcome) for r in results])
    except AuditorError as exc:
        log.error("report for %s: not sent: %s", month, exc)
    except Exception:  # keep the scheduler alive
        log.exception("report for %s: crashed", month)
    finally:
        store.dispose()


def cron_trigger(schedule: ScheduleSettings) -> CronTrigger:
    """The [schedule] cron as a trigger; a bad expression is a ConfigError."""
    zone = time_zone(schedule)
    try:
        return CronTrigger.from_crontab(schedule.cron, timezone=zone)
    except ValueError as exc:
        raise ConfigError(f"[schedule] cron '{schedule.cron}' is not valid: {exc}") from None


def time_zone(schedule: ScheduleSettings) -> ZoneInfo:
    try:
        return ZoneInfo(schedule.timezone)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        raise ConfigError(
            f"[schedule] timezone '{schedule.timezone}' is not a time zone; "
            "use a name such as Europe/London."
        ) from None


def scheduled_run(settings: Settings, notifiers: Sequence[Notifier] = ()) -> None:
    """One scheduled audit, as of today in the schedule's time zone; logs, never raises."""
    as_of = dt.datetime.now(time_zone(settings.schedule)).date()
    if _already_run(settings, as_of):
        log.info("run as of %s: already done (by another instance, or before a restart); "
                 "skipped", as_of)  # fmt: skip
        if notifiers:
            resume_delivery(settings)
        return
    log.info("run as of %s: starting", as_of)
    try:
        result = run_audit(settings, as_of, notifiers=notifiers)
    except AuditorError as exc:
        log.error("run as of %s: not done: %s", as_of, exc)
        return
    except Exception:  # keep the scheduler alive; the store is unchanged
        log.exception("run as of %s: crashed", as_of)
        return
    log.info("run %s as of %s: done: %s", result.run_id, as_of, result.totals)
    _prune(settings)


def _already_run(settings: Settings, as_of: dt.date) -> bool:
    """Whether a successful run as of this day is in the store: with several instances
    of `auditor serve` on one store, the first to fire runs the day's audit (the run lock
    refuses the others meanwhile) and the later ones find it done. `auditor run` by hand
    may still run a day again."""
    latest = _latest_run(settings)
    return latest is not None and latest.as_of >= as_of


def resume_delivery(settings: Settings) -> None:
    """Send the emails of today's run (in the schedule's time zone) that are not sent
    yet; nothing when there is no such run or all went. Logs, never raises."""
    from auditor.notification import notify_stored_run, report_lines

    as_of = dt.datetime.now(time_zone(settings.schedule)).date()
    run_id = _run_of(settings, as_of)
    if run_id is None:
        return
    try:
        report = notify_stored_run(settings, run_id)
    except RunRefused as exc:  # another instance is running or emailing: its work
        log.info("run %s: emails not resumed here: %s", run_id, exc)
        return
    except AuditorError as exc:
        log.error("run %s: emails not resumed: %s", run_id, exc)
        return
    except Exception:  # keep the scheduler alive
        log.exception("run %s: resuming its emails crashed", run_id)
        return
    for line in report_lines(report, run_id):
        log.info("run %s: email (resumed): %s", run_id, line)


def _run_of(settings: Settings, as_of: dt.date) -> int | None:
    """The latest successful run, if it is as of ``as_of``."""
    run = _latest_run(settings)
    return run.id if run is not None and run.as_of == as_of else None


def _latest_run(settings: Settings) -> RunRecord | None:
    """The latest successful run's record; None when there is none, or no store yet or
    none reachable (the run, if one is due, says why)."""
    from auditor.store import repository
    from auditor.store.database import open_store

    store = open_store(settings.store)
    try:
        with store.reading() as connection:
            run_id = repository.latest_run_id(connection)
            return None if run_id is None else repository.read_run(connection, run_id)
    except Exception:
        return None
    finally:
        store.dispose()


def _prune(settings: Settings) -> None:
    """Retention after a run ([store] settings); logs, never raises."""
    store = settings.store
    if not (store.reject_retention_days or store.history_retention_days):
        return
    from auditor.store.database import open_store
    from auditor.store.retention import prune

    opened = open_store(store)
    try:
        pruned = prune(opened, store)
        log.info("retention: deleted %s rejected rows and %s history rows",
                 pruned.rejects, pruned.history)  # fmt: skip
    except Exception:
        log.exception("retention: not done")
    finally:
        opened.dispose()


def _log_skipped(event: JobEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("a run due at %s was missed by more than %s", event.scheduled_run_time,
                    MISFIRE_GRACE)  # fmt: skip
    else:
        log.warning("a run due at %s was skipped: the previous one is still going",
                    event.scheduled_run_time)  # fmt: skip


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(number: int, _frame: FrameType | None) -> None:
        log.info("%s received", signal.Signals(number).name)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second signal stops at once
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
