"""What people do to an exception: triage that persists across runs, and 'done'."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from sqlalchemy import select

import auditor.pipeline
from auditor.audit import Audit
from auditor.config import Settings, parse_settings
from auditor.pipeline import run_audit
from auditor.store.database import Store
from auditor.store.models import StoredException
from auditor.store.triage import (
    ExceptionNotFound,
    TriageRefused,
    history_of,
    mark_done,
    set_triage,
)
from tests.auditor.audits import CHECK, fake_audit, finding

MON, TUE, WED, THU = (dt.date(2026, 1, d) for d in (5, 6, 7, 8))


@pytest.fixture
def audits(monkeypatch: pytest.MonkeyPatch) -> dict[dt.date, Audit]:
    prepared: dict[dt.date, Audit] = {}
    monkeypatch.setattr(auditor.pipeline, "audit", lambda _s, as_of, progress: prepared[as_of])
    return prepared


@pytest.fixture
def settings(store_url: str) -> Settings:
    return parse_settings({"store": {"url": store_url}})


@pytest.fixture
def opened(settings: Settings, store: Store, audits: dict[dt.date, Audit]) -> Store:
    """A store holding exception 1 (X1), open since Monday's run."""
    audits[MON] = fake_audit(MON, [finding("X1")])
    run_audit(settings, MON, store=store)
    return store


def exception(store: Store, exception_id: int = 1) -> dict[str, Any]:
    table = StoredException.__table__
    with store.reading() as connection:
        row = connection.execute(select(table).where(table.c.id == exception_id)).mappings()
        return dict(row.one())


def people(store: Store, exception_id: int = 1) -> list[tuple[str, str | None, str | None]]:
    """History rows written by people: what, person, comment."""
    frame = history_of(store, exception_id)
    frame = frame.filter(frame["person"].is_not_null())
    return [tuple(row) for row in frame.select("what", "person", "comment").iter_rows()]


def test_acknowledging_records_who_and_why(opened: Store) -> None:
    set_triage(opened, 1, "acknowledged", "spo1", "on it")

    row = exception(opened)
    assert (row["triage"], row["triage_by"]) == ("acknowledged", "spo1")
    assert row["triage_at"] is not None
    assert people(opened) == [("acknowledged", "spo1", "on it")]


def test_a_snooze_keeps_its_date_and_a_dispute_its_reason(opened: Store) -> None:
    set_triage(opened, 1, "snoozed", "spo1", "back from leave", until=dt.date(2026, 1, 9))
    assert exception(opened)["snoozed_until"] == dt.date(2026, 1, 9)

    set_triage(opened, 1, "disputed", "om1", reason="RSR done on paper")
    row = exception(opened)
    assert (row["triage"], row["snoozed_until"], row["dispute_reason"]) == (
        "disputed", None, "RSR done on paper",
    )  # fmt: skip

    set_triage(opened, 1, "none", "spo1")
    row = exception(opened)
    assert (row["triage"], row["dispute_reason"]) == ("none", None)
    assert people(opened) == [
        ("snoozed", "spo1", "until 2026-01-09; back from leave"),
        ("disputed", "om1", "RSR done on paper"),
        ("triage_cleared", "spo1", None),
    ]


@pytest.mark.parametrize(
    ("state", "extra", "message"),
    [
        ("snoozed", {}, "a date to snooze until"),
        ("acknowledged", {"until": MON}, "a date to snooze until"),
        ("disputed", {"reason": " "}, "needs a reason"),
        ("acknowledged", {"reason": "x"}, "only with a dispute"),
        ("done", {}, "not a triage state"),
    ],
)
def test_a_request_that_makes_no_sense_is_refused(
    opened: Store, state: str, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(TriageRefused, match=message):
        set_triage(opened, 1, state, "spo1", **extra)  # type: ignore[arg-type]

    assert exception(opened)["triage"] == "none"


def test_an_unknown_exception_is_not_found(opened: Store) -> None:
    with pytest.raises(ExceptionNotFound):
        set_triage(opened, 99, "acknowledged", "spo1")
    with pytest.raises(ExceptionNotFound):
        mark_done(opened, 99, "admin1")


def test_a_resolved_exception_cannot_be_triaged(
    opened: Store, settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    audits[TUE] = fake_audit(TUE, examined={CHECK: [("X1", "")]})
    run_audit(settings, TUE, store=opened)

    with pytest.raises(TriageRefused, match="resolved"):
        mark_done(opened, 1, "admin1")


def test_triage_persists_across_runs_until_a_snooze_expires(
    opened: Store, settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    set_triage(opened, 1, "snoozed", "spo1", until=TUE)
    for day in (TUE, WED):
        audits[day] = fake_audit(day, [finding("X1", reason=f"as at {day}")])

    run_audit(settings, TUE, store=opened)
    assert (exception(opened)["triage"], exception(opened)["snoozed_until"]) == ("snoozed", TUE)

    run_audit(settings, WED, store=opened)
    assert (exception(opened)["triage"], exception(opened)["snoozed_until"]) == ("none", None)
    assert history_of(opened, 1)["what"].to_list()[-1] == "snooze_expired"


def test_done_is_confirmed_by_the_next_run_that_finds_it_fixed(
    opened: Store, settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    mark_done(opened, 1, "admin1", "RSR entered")
    audits[TUE] = fake_audit(TUE, examined={CHECK: [("X1", "")]})

    run_audit(settings, TUE, store=opened)

    assert (exception(opened)["status"], exception(opened)["triage"]) == ("resolved", "none")
    assert history_of(opened, 1)["what"].to_list() == [
        "opened", "done", "resolved", "done_confirmed",
    ]  # fmt: skip


def test_done_but_still_failing_goes_back_to_open_with_a_note(
    opened: Store, settings: Settings, audits: dict[dt.date, Audit]
) -> None:
    mark_done(opened, 1, "admin1")
    audits[TUE] = fake_audit(TUE, [finding("X1")])

    run_audit(settings, TUE, store=opened)

    assert (exception(opened)["status"], exception(opened)["triage"]) == ("open", "none")
    last = history_of(opened, 1).row(-1, named=True)
    assert (last["what"], last["comment"]) == (
        "done_still_failing",
        "marked done by admin1, but still failing",
    )


def test_a_persons_change_waits_for_a_runs_store_transaction(opened: Store) -> None:
    """A run reads the exceptions, then writes them: nobody may change one in between."""
    order: list[str] = []
    inside = threading.Event()

    def run_storing() -> None:
        with opened.writing(exclusive=True) as connection:
            connection.execute(select(StoredException.id)).all()
            inside.set()
            time.sleep(0.5)
            order.append("run committed")

    run = threading.Thread(target=run_storing)
    run.start()
    inside.wait(timeout=10)
    set_triage(opened, 1, "acknowledged", "spo1")
    order.append("triage written")
    run.join(timeout=10)

    assert order == ["run committed", "triage written"]
