"""`auditor serve`'s monthly report job: on [schedule] report_cron (07:00 London on the
1st by default), for the month before; none when the cron is empty; a bad cron is a
config error; a month with nothing to report is logged, never raised."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from auditor.config import ScheduleSettings, Settings, parse_settings
from auditor.errors import ConfigError
from auditor.monthly_report import previous_month
from auditor.scheduler import REPORT_JOB_ID, build_scheduler, report_trigger, scheduled_report

LONDON = ZoneInfo("Europe/London")


def settings_with(tmp_path: Path, **schedule: str) -> Settings:
    return parse_settings({
        "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
        "schedule": schedule, "report": {"recipients": ["boss@example.org"]},
    })  # fmt: skip


def test_the_report_goes_at_7_on_the_first_of_each_month() -> None:
    trigger = report_trigger(ScheduleSettings())
    after = dt.datetime(2026, 11, 1, 7, 0, 1, tzinfo=LONDON)

    assert trigger.get_next_fire_time(None, after) == dt.datetime(2026, 12, 1, 7, 0, tzinfo=LONDON)
    assert previous_month(dt.date(2026, 12, 1)) == "2026-11"
    assert previous_month(dt.date(2027, 1, 1)) == "2026-12"


def test_the_job_is_there_unless_the_cron_is_empty(tmp_path: Path) -> None:
    assert build_scheduler(settings_with(tmp_path), lambda: None).get_job(REPORT_JOB_ID)
    none = build_scheduler(settings_with(tmp_path, report_cron=""), lambda: None)
    assert none.get_job(REPORT_JOB_ID) is None


def test_a_bad_report_cron_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="report_cron 'every month' is not valid"):
        report_trigger(ScheduleSettings(report_cron="every month"))


def test_a_month_with_no_run_is_logged_and_nothing_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="auditor.scheduler"):
        scheduled_report(settings_with(tmp_path))

    assert "not sent: the store holds no successful run in" in caplog.text
