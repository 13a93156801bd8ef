"""The delivery ledger in the store: the same answers as the in-memory ledger, each save
durable on return and independent of any other transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from auditor.config import StoreSettings
from auditor.store import repository
from auditor.store.database import Store, open_store
from auditor.store.ledger import LEDGER, StoreLedger
from auditor.store.models import Run
from notifiers.ledger import LedgerEntry, MemoryLedger

MON, TUE, WED = dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 7)
AT = dt.datetime(2026, 1, 5, 6, 30, tzinfo=dt.UTC)
SPO, OTHER = "spo:N07S001", "unowned:n07@probation.example"


def entry(run_id: int, key: str = SPO, status: str = "sent", **values: Any) -> LedgerEntry:
    fields: dict[str, Any] = {
        "run_id": run_id, "recipient_key": key, "address": "sue@probation.example",
        "as_of": MON, "status": status, "message_id": f"<r{run_id}.{key}@probation.example>",
        "attempts": 1, "detail": None, "updated_at": AT,
    }  # fmt: skip
    return LedgerEntry(**(fields | values))


def add_runs(store: Store, *days: dt.date) -> list[int]:
    with store.writing() as connection:
        return [repository.insert_run(connection, day, AT, "extract") for day in days]


def test_an_empty_ledger_holds_nothing(store: Store) -> None:
    ledger = StoreLedger(store)

    assert ledger.entries(1) == {} and ledger.last_sent(10) == {}


def test_the_store_ledger_answers_as_the_memory_ledger_does(store: Store) -> None:
    mon, tue, wed = add_runs(store, MON, TUE, WED)
    saves = [
        entry(mon, SPO, "sending", attempts=1),
        entry(mon, SPO, "sent", attempts=1, updated_at=AT + dt.timedelta(seconds=1)),
        entry(mon, OTHER, "deferred", detail="451 4.3.0 try later"),
        entry(tue, SPO, "rejected", as_of=TUE, detail="550 5.1.1 no such user"),
        entry(tue, OTHER, "sent", as_of=TUE, attempts=2),
        entry(wed, SPO, "sent", as_of=WED),
    ]
    stored, memory = StoreLedger(store), MemoryLedger()
    for saved in saves:
        stored.save(saved)
        memory.save(saved)

    for run_id in (mon, tue, wed, wed + 1):
        assert stored.entries(run_id) == memory.entries(run_id), run_id
        assert stored.last_sent(run_id) == memory.last_sent(run_id), run_id
    assert stored.entries(mon)[SPO].status == "sent"  # the second save replaced the first
    assert stored.last_sent(wed) == {SPO: MON, OTHER: TUE}
    assert rows(store) == 5


def rows(store: Store) -> int:
    with store.reading() as connection:
        return int(connection.scalar(select(func.count()).select_from(LEDGER)) or 0)


def test_a_save_is_durable_on_return_and_survives_another_transactions_rollback(
    store: Store, store_url: str
) -> None:
    [run_id] = add_runs(store, MON)
    writing, saved = threading.Event(), threading.Event()

    def rolled_back_writer() -> None:
        with pytest.raises(RuntimeError), store.writing() as connection:
            repository.insert_run(connection, TUE, AT, "another run")
            writing.set()
            saved.wait(0.5)  # SQLite: the save waits for this transaction to end
            raise RuntimeError("rolled back")

    writer = threading.Thread(target=rolled_back_writer)
    writer.start()
    assert writing.wait(10)
    StoreLedger(store).save(entry(run_id))
    saved.set()
    writer.join(10)

    elsewhere = open_store(StoreSettings(url=store_url))  # a new engine: only what is committed
    assert StoreLedger(elsewhere).entries(run_id) == {SPO: entry(run_id)}
    with elsewhere.reading() as connection:
        assert connection.scalars(select(Run.source)).all() == ["extract"]
    elsewhere.dispose()


def test_a_save_needs_a_known_run(store: Store) -> None:
    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        StoreLedger(store).save(entry(99))


def test_a_status_outside_the_ledgers_is_refused(store: Store) -> None:
    [run_id] = add_runs(store, MON)
    odd = dataclasses.replace(entry(run_id), status="lost")  # type: ignore[arg-type]

    with pytest.raises(IntegrityError, match="ck_notification_ledger_status"):
        StoreLedger(store).save(odd)
