"""The scheduler: the configured cron, one run at a time, missed runs coalesced, each
run logged, and a clean stop on a signal."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger

import auditor.pipeline
from auditor.audit import Audit
from auditor.config import ScheduleSettings, Settings, parse_settings
from auditor.errors import ConfigError, ExtractError
from auditor.scheduler import JOB_ID, build_scheduler, cron_trigger, scheduled_run, serve
from tests.auditor.audits import fake_audit, finding

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return parse_settings({"store": {"url": f"sqlite:///{tmp_path / 'store.db'}"}})


def wait_for(condition, seconds: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("now", "next_run"),
    [
        (dt.datetime(2026, 3, 27, 7, 0), dt.datetime(2026, 3, 30, 6, 0)),  # Fri after 6 → Mon
        (dt.datetime(2026, 3, 30, 5, 59), dt.datetime(2026, 3, 30, 6, 0)),  # BST began Sunday
        (dt.datetime(2026, 10, 23, 6, 0, 1), dt.datetime(2026, 10, 26, 6, 0)),  # GMT again
    ],
)
def test_the_default_cron_is_weekdays_at_6_london_time(
    now: dt.datetime, next_run: dt.datetime
) -> None:
    trigger = cron_trigger(ScheduleSettings())

    fire = trigger.get_next_fire_time(None, now.replace(tzinfo=LONDON))

    assert fire == next_run.replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("cron", "zone", "message"),
    [
        ("0 6 * *", "Europe/London", "Wrong number of fields"),
        ("0 6 * * *", "Mars/Base", "Mars/Base"),
    ],
)
def test_a_bad_cron_or_time_zone_is_a_config_error(cron: str, zone: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cron_trigger(ScheduleSettings(cron=cron, timezone=zone))


def test_the_job_coalesces_and_never_overlaps(settings: Settings) -> None:
    job = build_scheduler(settings, lambda: None).get_job(JOB_ID)

    assert job is not None
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3 * 3600)


def test_a_slow_run_is_never_started_twice_at_once(settings: Settings) -> None:
    running, most, finished = [0], [0], []
    lock = threading.Lock()

    def slow() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
        finished.append(1)

    scheduler = build_scheduler(settings, slow, IntervalTrigger(seconds=0.05))
    scheduler.start()
    wait_for(lambda: len(finished) >= 2)
    scheduler.shutdown(wait=True)

    assert most == [1]


def test_missed_runs_are_coalesced_into_one(settings: Settings) -> None:
    runs: list[int] = []
    scheduler = build_scheduler(settings, lambda: runs.append(1), IntervalTrigger(hours=1))
    scheduler.start(paused=True)
    # five due times have passed while nothing ran (the process was busy or suspended)
    missed = dt.datetime.now(LONDON) - dt.timedelta(hours=5, minutes=30)
    scheduler.modify_job(JOB_ID, next_run_time=missed)
    scheduler.resume()
    wait_for(lambda: runs)
    time.sleep(0.2)
    scheduler.shutdown(wait=True)

    assert runs == [1]


def test_a_scheduled_run_audits_today_and_logs_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    days: list[dt.date] = []

    def audit(_settings: Settings, as_of: dt.date, **_options: object) -> Audit:
        days.append(as_of)
        return fake_audit(as_of, [finding("X1")])

    monkeypatch.setattr(auditor.pipeline, "audit", audit)
    with caplog.at_level(logging.INFO, logger="auditor.scheduler"):
        scheduled_run(settings)

    assert days == [dt.datetime.now(LONDON).date()]
    assert "starting" in caplog.text and "run 1 as of" in caplog.text and "'new': 1" in caplog.text


def test_a_failing_run_is_logged_and_the_scheduler_goes_on(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def audit(*_args: object, **_kwargs: object) -> Audit:
        raise ExtractError("offenders.csv: no such file")

    monkeypatch.setattr(auditor.pipeline, "audit", audit)
    scheduled_run(settings)
    monkeypatch.setattr(auditor.pipeline, "audit", lambda *_a, **_k: 1 / 0)
    scheduled_run(settings)

    assert "not done: offenders.csv: no such file" in caplog.text
    assert "crashed" in caplog.text and "ZeroDivisionError" in caplog.text


def test_serve_runs_until_stopped(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()
    with caplog.at_level(logging.INFO, logger="auditor.scheduler"):
        server = threading.Thread(
            target=serve, args=(settings, stop), kwargs={"handle_signals": False}
        )
        server.start()
        wait_for(lambda: "serving" in caplog.text)
        stop.set()
        server.join(timeout=10)

    assert not server.is_alive()
    assert "next run at" in caplog.text and "stopped" in caplog.text


def test_a_scheduled_run_of_a_day_already_audited_is_skipped(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    days: list[dt.date] = []

    def audit(_settings: Settings, as_of: dt.date, **_options: object) -> Audit:
        days.append(as_of)
        return fake_audit(as_of, [finding("X1")])

    monkeypatch.setattr(auditor.pipeline, "audit", audit)
    with caplog.at_level(logging.INFO, logger="auditor.scheduler"):
        scheduled_run(settings)
        scheduled_run(settings)

    assert days == [dt.datetime.now(LONDON).date()]
    assert "already done (by another instance, or before a restart); skipped" in caplog.text
