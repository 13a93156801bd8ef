"""A run end to end: reconcile and store in one transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import auditor.audit
import auditor.pipeline
from auditor.audit import Audit
from auditor.config import Settings, SourceSettings, parse_settings
from auditor.errors import ExtractError, RunRefused
from auditor.pipeline import RunResult, run_audit, source_name
from auditor.sources import write_extract
from auditor.stopwatch import STAGES as STAGE_NAMES
from auditor.store import repository
from auditor.store.database import Store
from auditor.store.faults import StoreFault
from auditor.store.models import HistoryEntry, Run, RunStage, StoredException
from schemas.examples import example_tables
from tests.auditor.audits import CHECK, fake_audit, finding
from tests.auditor.stores import snapshot

MON, TUE, WED, THU = (dt.date(2026, 1, d) for d in (5, 6, 7, 8))
RUN_RECORD_TABLES = {
    "runs", "run_tables", "rejects", "run_checks", "check_counts", "measures", "run_stages",
}  # fmt: skip


@pytest.fixture
def settings(store_url: str, tmp_path: Path) -> Settings:
    write_extract(example_tables(), tmp_path / "extract")
    return parse_settings(
        {"store": {"url": store_url}, "source": {"extract_dir": str(tmp_path / "extract")}}
    )


@pytest.fixture
def audits(monkeypatch: pytest.MonkeyPatch) -> dict[dt.date, Audit]:
    """Audits by as-of date: what the (faked) load → validate → check returns."""
    prepared: dict[dt.date, Audit] = {}
    monkeypatch.setattr(auditor.pipeline, "audit", lambda _s, as_of, **_k: prepared[as_of])
    return prepared


def exceptions(store: Store) -> dict[str, dict[str, Any]]:
    """The stored exceptions by crn."""
    with store.reading() as connection:
        rows = connection.execute(select(StoredException.__table__)).mappings().all()
    return {row["crn"]: {c: row[c] for c in ("id", "status", "reopen_count")} for row in rows}


def history(store: Store) -> list[tuple[str, str, int | None]]:
    entries = select(StoredException.crn, HistoryEntry.what, HistoryEntry.run_id).join(
        StoredException
    )
    with store.reading() as connection:
        rows = connection.execute(entries.order_by(HistoryEntry.id))
        return [(crn, what, run_id) for crn, what, run_id in rows]


def test_a_first_run_creates_the_store_and_records_everything(
    settings: Settings, store: Store, audits: dict[dt.date, Audit]
) -> None:
    audits[MON] = fake_audit(MON, [finding("X1"), finding("X2")])

    result = run_audit(settings, MON, store=store)

    assert exceptions(store) == {
        "X1": {"id": 1, "status": "open", "reopen_count": 0},
        "X2": {"id": 2, "status": "open", "reopen_count": 0},
    }
    assert history(store) == [("X1", "opened", result.run_id), ("X2", "opened", result.run_id)]
    contents = snapshot(store)
    assert [(r[1], r[5]) for r in contents["runs"]] == [(MON, "succeeded")]
    assert [r[1:] for r in contents["run_tables"]] == [("offenders", 3, 2, 1)]
    assert [r[2:] for r in contents["rejects"]] == [("offenders", 3, "X9", "crn", "not a CRN")]
    assert [r[1:4] for r in contents["run_checks"]] == [(CHECK, "ok", 2)]
    assert [r[2:] for r in contents["check_counts"]] == [(CHECK, "N07T01", 2, 2, 0, 0, 0, 0, 0)]
    assert len(contents["measures"]) == 1
    assert result.totals == {
        "open": 2, "new": 2, "still_open": 0, "reopened": 0,
        "resolved": 0, "record_missing": 0, "unconfirmed": 0,
    }  # fmt: skip
    assert result.store == store.where and result.source == "tests/extract"


def test_runs_follow_each_exception_until_its_fix_is_confirmed(
    settings: Settings, store: Store, audits: dict[dt.date, Audit]
) -> None:
    audits[MON] = fake_audit(MON, [finding("X1"), finding("X2"), finding("X3")])
    # X1 fixed; X2 still failing; X3's record rejected: not examined
    audits[TUE] = fake_audit(TUE, [finding("X2")], examined={CHECK: [("X1", "")]})
    # the check errored: nothing is known
    audits[WED] = fake_audit(WED, outcomes={CHECK: "error"})
    # X1 fails again; X2 and X3 are fixed
    audits[THU] = fake_audit(THU, [finding("X1")], examined={CHECK: [("X2", ""), ("X3", "")]})

    for day in (MON, TUE, WED, THU):
        run_audit(settings, day, store=store)

    assert exceptions(store) == {
        "X1": {"id": 1, "status": "open", "reopen_count": 1},
        "X2": {"id": 2, "status": "resolved", "reopen_count": 0},
        "X3": {"id": 3, "status": "resolved", "reopen_count": 0},
    }
    assert [(crn, what) for crn, what, _run in history(store)] == [
        ("X1", "opened"), ("X2", "opened"), ("X3", "opened"),
        ("X1", "resolved"), ("X3", "record_missing"),
        ("X2", "unconfirmed"), ("X3", "unconfirmed"),
        ("X1", "reopened"), ("X2", "resolved"), ("X3", "resolved"),
    ]  # fmt: skip


def test_the_same_as_of_date_twice_changes_nothing_but_the_run_record(
    settings: Settings, store: Store, audits: dict[dt.date, Audit]
) -> None:
    audits[MON] = fake_audit(MON, [finding("X1"), finding("X2")])
    audits[TUE] = fake_audit(TUE, [finding("X2"), finding("X3")], examined={CHECK: [("X1", "")]})
    run_audit(settings, MON, store=store)
    run_audit(settings, TUE, store=store)
    before = snapshot(store)

    again = run_audit(settings, TUE, store=store)

    after = snapshot(store)
    for table in before.keys() - RUN_RECORD_TABLES:
        assert after[table] == before[table], table
    assert len(after["runs"]) == len(before["runs"]) + 1
    assert again.totals["new"] == again.totals["resolved"] == 0
    assert again.totals["still_open"] == 2


def test_a_failed_run_records_only_itself_and_reports_the_error(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_audit(settings, MON, store=store)
    before = snapshot(store)

    def broken(*_args: Any, **_kwargs: Any) -> Audit:
        raise ExtractError("offenders.csv: no such file")

    monkeypatch.setattr(auditor.pipeline, "audit", broken)
    with pytest.raises(ExtractError, match="offenders.csv"):
        run_audit(settings, TUE, store=store)

    after = snapshot(store)
    assert {t: rows for t, rows in after.items() if t != "runs"} == {
        t: rows for t, rows in before.items() if t != "runs"
    }
    failed = after["runs"][-1]
    assert (failed[1], failed[5], failed[6]) == (TUE, "failed", "offenders.csv: no such file")
    assert failed[4] == str(settings.source.extract_dir)


PERSON = "X000001"
ABSENT: dict[str, Callable[[dict[str, pl.DataFrame]], dict[str, pl.DataFrame]]] = {
    "deleted": lambda t: {
        "offenders": t["offenders"].with_columns(soft_deleted=pl.col("crn") == PERSON)
    },
    "rejected": lambda t: {  # a required value missing: the person and their rows rejected
        "offenders": t["offenders"].with_columns(
            forename=pl.when(pl.col("crn") == PERSON).then(None).otherwise("forename")
        )
    },
    "out of scope": lambda t: {  # their only event terminated: no longer active
        "events": t["events"].with_columns(
            active=pl.col("crn") != PERSON,
            termination_date=pl.when(pl.col("crn") == PERSON).then(dt.date(2026, 6, 1)),
        )
    },
}


@pytest.mark.parametrize("absence", ABSENT)
def test_a_record_absent_from_the_extract_never_resolves(
    settings: Settings, store: Store, tmp_path: Path, absence: str
) -> None:
    run_audit(settings, dt.date(2026, 11, 25), store=store)  # the real pipeline
    opened = {k for k, v in statuses(store).items() if k[1] == PERSON and v == "open"}
    tables = example_tables()
    write_extract(tables | ABSENT[absence](tables), tmp_path / "extract")
    lenient = settings.source.model_copy(update={"max_reject_share": 1.0})

    result = run_audit(
        settings.model_copy(update={"source": lenient}), dt.date(2026, 11, 26), store=store
    )

    after = statuses(store)
    assert opened and all(after[key] in ("open", "record_missing") for key in opened)
    assert any(after[key] == "record_missing" for key in opened)
    assert result.totals["resolved"] == 0


def statuses(store: Store) -> dict[tuple[str, str, str], str]:
    table = StoredException.__table__
    columns = (table.c.check, table.c.crn, table.c.subject, table.c.status)
    with store.reading() as connection:
        return {(c, crn, s): status for c, crn, s, status in connection.execute(select(*columns))}


def crash(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("killed")


STAGES: dict[str, tuple[Any, str]] = {
    "load": (auditor.audit, "load_extract"),
    "validate": (auditor.audit, "validate_extract"),
    "check": (auditor.audit, "run_checks"),
    "reconcile": (auditor.pipeline, "reconcile"),
    "store: exceptions": (repository, "update_by_id"),
    "store: run details": (repository, "write_run_details"),
    "store: finishing": (repository, "finish_run"),
}


@pytest.mark.parametrize("stage", STAGES)
def test_a_crash_at_any_stage_leaves_the_store_exactly_as_it_was(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    run_audit(settings, dt.date(2026, 11, 25), store=store)  # the real pipeline
    before = snapshot(store)
    assert before["exceptions"]

    monkeypatch.setattr(*STAGES[stage], crash)
    with pytest.raises(RuntimeError, match="killed"):
        run_audit(settings, dt.date(2026, 11, 26), store=store)

    assert snapshot(store) == before


def test_notifiers_run_after_the_commit_and_cannot_undo_it(
    settings: Settings, store: Store, audits: dict[dt.date, Audit]
) -> None:
    audits[MON] = fake_audit(MON, [finding("X1")])
    seen: list[int] = []

    def count_runs(result: RunResult) -> None:
        with store.reading() as connection:  # the run is already visible to others
            seen.append(len(connection.execute(select(Run.id)).all()))

    def failing(_result: RunResult) -> None:
        raise ConnectionError("smtp down")

    notifiers: list[Callable[[RunResult], None]] = [failing, count_runs]
    result = run_audit(settings, MON, store=store, notifiers=notifiers)

    assert seen == [1]
    assert result.notify_errors == ("failing: smtp down",)
    assert exceptions(store)["X1"]["status"] == "open"


def test_a_run_before_the_latest_as_of_date_is_refused(
    settings: Settings, store: Store, audits: dict[dt.date, Audit]
) -> None:
    audits[TUE] = fake_audit(TUE, [finding("X1")])
    run_audit(settings, TUE, store=store)
    before = snapshot(store)

    with pytest.raises(RunRefused, match="already holds a run as of 2026-01-06"):
        run_audit(settings, MON, store=store)

    assert snapshot(store) == before


def test_a_check_whose_scope_fails_counts_as_errored(
    settings: Settings, store: Store, audits: dict[dt.date, Audit]
) -> None:
    audits[MON] = fake_audit(MON, [finding("X1"), finding("X2")])
    broken = fake_audit(TUE, [finding("X2")])
    broken.check_run.scopes.clear()  # type: ignore[attr-defined]
    audits[TUE] = broken
    run_audit(settings, MON, store=store)

    result = run_audit(settings, TUE, store=store)

    assert exceptions(store)["X1"]["status"] == "unconfirmed"
    assert exceptions(store)["X2"]["status"] == "open"
    row = result.checks.filter(pl.col("check") == CHECK).row(0, named=True)
    assert row["status"] == "error" and row["error"].startswith("scope:")


def test_run_audit_opens_and_closes_the_configured_store(
    settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    audits[MON] = fake_audit(MON, [finding("X1")])

    result = run_audit(settings, MON)

    assert result.run_id == 1 and result.totals["open"] == 1


def stage_seconds(store: Store, run_id: int) -> dict[str, float]:
    query = select(RunStage.stage, RunStage.seconds).where(RunStage.run_id == run_id)
    with store.reading() as connection:
        return {stage: seconds for stage, seconds in connection.execute(query)}


def test_every_stage_of_a_run_is_timed_on_its_record(settings: Settings, store: Store) -> None:
    result = run_audit(settings, dt.date(2026, 11, 25), store=store)  # the real pipeline

    seconds = stage_seconds(store, result.run_id)
    with store.reading() as connection:
        times = select(Run.started_at, Run.finished_at).where(Run.id == result.run_id)
        started, finished = connection.execute(times).one()
    assert set(seconds) == set(STAGE_NAMES) and all(s >= 0 for s in seconds.values())
    # email is timed after the run's record is finished; the rest fit inside it
    inside = sum(s for stage, s in seconds.items() if stage != "email")
    assert inside <= (finished - started).total_seconds() + 0.01


def test_a_failed_run_records_the_stages_it_reached(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def invalid(*_args: Any, **_kwargs: Any) -> Any:
        raise ExtractError("events.csv: column sentence_date, row 2: not a date")

    monkeypatch.setattr(auditor.audit, "validate_extract", invalid)
    with pytest.raises(ExtractError):
        run_audit(settings, MON, store=store)

    assert set(stage_seconds(store, 1)) == {"load", "validate"}


def test_a_store_failing_after_the_emails_loses_only_the_stage_timings(
    settings: Settings,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def gone(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("INSERT INTO run_stages", {}, Exception("server closed"))

    monkeypatch.setattr(repository, "write_run_stages", gone)
    result = run_audit(settings, dt.date(2026, 11, 25), store=store)

    assert exceptions(store) and stage_seconds(store, result.run_id) == {}
    assert "is stored, but its stage timings could not be" in caplog.text


def test_the_source_named_on_a_run_never_shows_a_password_even_in_the_query() -> None:
    url = "postgresql+psycopg://reader:SENTINEL-1@db.example/ndelius?password=SENTINEL-2"

    shown = source_name(SourceSettings(url=url))

    assert "SENTINEL" not in shown and "db.example/ndelius" in shown


def test_a_notifier_that_says_what_went_wrong_is_logged_without_a_traceback(
    settings: Settings,
    store: Store,
    audits: dict[dt.date, Audit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    audits[MON] = fake_audit(MON, [finding("X1")])

    def told(_result: RunResult) -> None:
        raise StoreFault("the store x is full: no space. Free space, then run again.")

    result = run_audit(settings, MON, store=store, notifiers=[told])

    assert result.notify_errors == (
        "told: the store x is full: no space. Free space, then run again.",
    )
    (record,) = [
        r for r in caplog.records if r.name == "auditor.pipeline" and r.levelname == "ERROR"
    ]
    assert "the store x is full" in record.getMessage() and record.exc_info is None
