"""One audit of one extract at one as-of date: load → validate → check (and measure).

Pure of the store and of email: `auditor check` previews with it, and the pipeline
(auditor/pipeline.py) reconciles and stores what it returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from auditor.config import Settings, SourceSettings, secret
from auditor.errors import ConfigError
from auditor.sources import Extract, load_database, load_extract
from auditor.stopwatch import Stopwatch
from checks.context import CheckContext
from checks.measures import timeliness_measures
from checks.runner import CheckRun, run_checks
from schemas import TABLE_NAMES
from schemas.validation import validate_extract

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Audit:
    as_of: dt.date
    source: str  # where the extract came from (a folder, or a URL without password)
    counts: pl.DataFrame  # table, rows_read, rows_kept, rows_rejected
    rejects: pl.DataFrame  # table, row_number, key, column, reason
    check_run: CheckRun
    measures: pl.DataFrame


def audit(
    settings: Settings,
    as_of: dt.date,
    progress: Progress | None = None,
    stopwatch: Stopwatch | None = None,
) -> Audit:
    """Load, validate and check the configured source as it stood at the end of as_of
    (``stopwatch``: where to time each stage).

    Structural faults raise ExtractError (or TooManyRejects) before any check runs.
    """
    say = progress or (lambda _: None)
    clock = stopwatch or Stopwatch()
    say("loading the extract")
    with clock.stage("load"):
        extract, description = open_source(settings.source)
    say("validating")
    with clock.stage("validate"):
        validated = validate_extract(extract, as_of, settings.source.max_reject_share)
    counts, rejects, tables = validated.counts, validated.rejects, dict(validated.tables)
    del validated  # the context takes the tables over, and frees the contacts early
    say("building the shared context")
    with clock.stage("context"):
        context = CheckContext.build_taking(tables, as_of, validated=True)
    with clock.stage("checks"):
        check_run = run_checks(context, settings.checks, progress=lambda n: say(f"check {n}"))
    say("timeliness measures")
    with clock.stage("measures"):
        measures = timeliness_measures(context)
    return Audit(as_of, description, counts, rejects, check_run, measures)


def open_source(source: SourceSettings, names: Sequence[str] = TABLE_NAMES) -> tuple[Extract, str]:
    """The configured extract (every table, or those named), and a description of it
    without secrets."""
    if source.url:
        return load_database(_with_password(source), names), _redacted(source.url)
    if source.extract_dir is None:
        raise ConfigError(
            "config: [source] needs extract_dir (a folder of CSV/Parquet files) or url "
            "(a SQLAlchemy database URL); neither is set."
        )
    return load_extract(source.extract_dir, names), str(source.extract_dir)


def _with_password(source: SourceSettings) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(source.url or "")
    password = secret(source.password_env)
    if password and url.password is None:
        url = url.set(password=password)
    return url.render_as_string(hide_password=False)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    from auditor.sources.database import shown_url

    return shown_url(make_url(url))
