"""The delivery ledger: one entry per (run, recipient), so that each email goes once (at
least once where its fate is unknown: notifiers/delivery.py) and an interrupted delivery
resumes where it stopped.

An entry moves through these states (``notifiers.delivery`` writes them):

- ``sending``: about to be handed to the transport. Saved *before* the send, so a crash
  mid-send leaves ``sending`` behind: the email may or may not have gone, and the next
  attempt sends it again with the same Message-ID (a rerun of the same day carries the
  Message-ID over: ``unsettled``);
- ``sent``: the transport accepted it;
- ``deferred``: a transient failure (server down, 4xx); sent on the next attempt;
- ``rejected``: refused for good (5xx); shown, not retried.

``MemoryLedger`` is the implementation for tests and previews; the store provides the
database-backed one (``auditor.store.ledger.StoreLedger``). ``save`` must be durable when
it returns (its own short transaction, apart from the run's data), so that a delivery
failure never touches the run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, Protocol

Status = Literal["sending", "sent", "deferred", "rejected"]
UNSETTLED = ("sending", "deferred")  # due again


@dataclass(frozen=True)
class LedgerEntry:
    run_id: int
    recipient_key: str  # e.g. spo:N07S001, om:N07A001, unowned:n07@example.org
    address: str  # where it was (last) sent
    as_of: dt.date  # the run's as-of date: "new since the last email" is measured by it
    status: Status
    message_id: str  # kept across attempts, so a resend carries the same Message-ID
    attempts: int  # times handed to the transport
    detail: str | None  # the last failure, e.g. an SMTP reply
    updated_at: dt.datetime


class Ledger(Protocol):
    def entries(self, run_id: int) -> dict[str, LedgerEntry]:
        """The run's entries by recipient key."""
        ...

    def save(self, entry: LedgerEntry) -> None:
        """Insert or replace the entry of (run_id, recipient_key); durable on return."""
        ...

    def last_sent(self, before_run_id: int) -> dict[str, dt.date]:
        """Per recipient key, the latest as_of of a ``sent`` entry of an earlier run."""
        ...

    def unsettled(self, before_run_id: int, as_of: dt.date) -> dict[str, LedgerEntry]:
        """Per recipient key, the latest ``sending`` or ``deferred`` entry of an earlier
        run as of the same date (an email of the day whose fate is unknown or still due)."""
        ...


class MemoryLedger:
    """A ledger in a dict: for tests, previews and benchmarks."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], LedgerEntry] = {}
        self.saves: list[LedgerEntry] = []  # every save, in order, for tests

    def entries(self, run_id: int) -> dict[str, LedgerEntry]:
        return {key: e for (run, key), e in self._entries.items() if run == run_id}

    def save(self, entry: LedgerEntry) -> None:
        self._entries[(entry.run_id, entry.recipient_key)] = entry
        self.saves.append(entry)

    def last_sent(self, before_run_id: int) -> dict[str, dt.date]:
        latest: dict[str, dt.date] = {}
        for (run, key), entry in self._entries.items():
            if run < before_run_id and entry.status == "sent":
                latest[key] = max(entry.as_of, latest.get(key, entry.as_of))
        return latest

    def unsettled(self, before_run_id: int, as_of: dt.date) -> dict[str, LedgerEntry]:
        found: dict[str, LedgerEntry] = {}
        for (run, key), entry in sorted(self._entries.items()):
            if run < before_run_id and entry.as_of == as_of and entry.status in UNSETTLED:
                found[key] = entry
        return found
