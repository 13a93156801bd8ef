"""Delivering a run's digests: the ledger protocol, retries with backoff, and the report
for the run summary.

For each digest, in order:

1. skip it when the ledger already holds it as ``sent`` or ``rejected`` (shown again in
   the report);
2. save ``sending``, hand it to the notifier, save the outcome;
3. on a transient failure, wait ``base_delay * 2**(n-1)`` seconds (capped) and try again,
   up to ``attempts`` times; then leave it ``deferred`` for the next attempt. When the
   transport itself is unavailable, stop: the rest stay unsent (no entry) and go on the
   next attempt.

**At least once.** An email whose fate is unknown is sent again, with the same
Message-ID, as SMTP itself does (RFC 5321: without the server's 250 reply to the data,
the sender must take the message as not delivered): an entry left ``sending`` by a
process that died mid-send, and a connection lost after the final dot before the reply
(``UnconfirmedDeliveryError``, retried here as the transport being unavailable). The
next attempt (the same run's ``auditor notify --run ID``, a rerun of the same day, which
carries the Message-ID over from the earlier run's entry, or `auditor serve` starting
again) sends it. Nobody is left without the day's email. A second copy goes only when
the server had kept the message and then Auditor did not learn it: (1) the process
died, or the connection broke, after the server kept it and before its 250 reply was
read; (2) the process died, or the store failed, between that reply and the commit of
the ``sent`` entry (one short local transaction). That copy bears the first one's
Message-ID, so mail systems that keep the first may drop it. At most once would instead
lose the email for a death anywhere in the SMTP transaction (connect, envelope, data).

Nothing here raises for a failed delivery: the outcome is in the report, and the run's
data is never touched. A ledger that cannot be written (the store full or gone) stops
the round like an unavailable transport: the email in hand is deferred (it may have
gone: at least once), the rest are not tried. ``notify_run`` is the whole of ``auditor
notify``, and ``send_copies`` of its ``--to`` (every email of a run to one address, for
checking).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

from auditor.errors import AuditorError
from notifiers.base import (
    Notifier,
    PermanentDeliveryError,
    TransientDeliveryError,
    TransportUnavailable,
)
from notifiers.digest import Digest, DigestInput, build_digests
from notifiers.ledger import Ledger, LedgerEntry, MemoryLedger
from notifiers.message import build_message, new_message_id
from notifiers.recipients import Problem, usable_address

Outcome = Literal["sent", "already_sent", "rejected", "deferred", "not_attempted", "previewed"]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries per email within one delivery
    base_delay: float = 2.0  # seconds before the first retry; doubles each time
    max_delay: float = 60.0

    def delay(self, failures: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2 ** (failures - 1)))


@dataclass(frozen=True)
class DeliveryResult:
    key: str
    address: str
    outcome: Outcome
    detail: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    results: list[DeliveryResult]
    problems: list[Problem]
    digests: list[Digest] = field(repr=False)

    def outcome(self, outcome: Outcome) -> list[DeliveryResult]:
        return [r for r in self.results if r.outcome == outcome]

    @property
    def complete(self) -> bool:
        """Nothing is left for a later attempt."""
        return not (self.outcome("deferred") or self.outcome("not_attempted"))

    def summary_lines(self) -> list[str]:
        """What the run summary shows about the emails."""
        counts = {o: len(self.outcome(o)) for o in get_args(Outcome)}
        lines = [
            ", ".join(f"{n} {o.replace('_', ' ')}" for o, n in counts.items() if n) or "no email"
        ]
        for result in self.results:
            if result.outcome in ("rejected", "deferred"):
                lines.append(f"{result.outcome}: {result.address}: {result.detail}")
        lines.extend(problem.detail for problem in self.problems)
        return lines


Sleep = Callable[[float], None]
Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Delivery:
    """One delivery of one run's digests through one notifier."""

    run_id: int
    as_of: dt.date
    ledger: Ledger
    notifier: Notifier
    from_address: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Sleep = time.sleep
    clock: Clock = _utc_now
    # entries of earlier runs of the same day left unsettled (sending, deferred), by
    # recipient key: their Message-ID is carried over (Ledger.unsettled)
    carried: dict[str, LedgerEntry] = field(default_factory=dict)

    def deliver(self, digests: Sequence[Digest], *, force: bool = False) -> list[DeliveryResult]:
        """Send what the ledger does not hold as done (``force``: send them all)."""
        entries = self.ledger.entries(self.run_id)
        results: list[DeliveryResult] = []
        stopped: str | None = None
        for digest in digests:
            entry = entries.get(digest.key)
            done = None if force else _done(entry)
            if done is not None:
                results.append(DeliveryResult(digest.key, digest.address, *done))
            elif stopped is not None:
                results.append(DeliveryResult(digest.key, digest.address, "not_attempted", stopped))
            else:
                try:
                    result, unavailable = self._send(digest, entry)
                except LedgerUnwritable as exc:
                    result, unavailable = _unrecorded(digest, exc), False
                    stopped = f"not tried: the ledger cannot be written ({exc})"
                results.append(result)
                if unavailable:
                    stopped = f"not tried: the transport is unavailable ({result.detail})"
        return results

    def _send(self, digest: Digest, entry: LedgerEntry | None) -> tuple[DeliveryResult, bool]:
        entry = self._entry(digest, entry)
        try:
            message = build_message(
                subject=digest.subject, text=digest.text, html=digest.html,
                from_address=self.from_address, to_address=digest.address,
                to_name=digest.name, message_id=entry.message_id,
                headers={"X-Auditor-Run": str(self.run_id)},
            )  # fmt: skip
        except ValueError as exc:
            return self._settle(digest, entry, "rejected", f"cannot build the email: {exc}"), False
        failures = 0
        while True:
            entry = self._save(entry, "sending", entry.detail, attempts=entry.attempts + 1)
            try:
                self.notifier.send(message)
            except TransientDeliveryError as exc:
                failures += 1
                entry = self._save(entry, "deferred", str(exc))
                if failures >= self.policy.attempts:
                    result = DeliveryResult(digest.key, digest.address, "deferred", str(exc))
                    return result, isinstance(exc, TransportUnavailable)
                self.sleep(self.policy.delay(failures))
            except PermanentDeliveryError as exc:
                return self._settle(digest, entry, "rejected", str(exc)), False
            else:
                return self._settle(digest, entry, "sent", None), False

    def _entry(self, digest: Digest, entry: LedgerEntry | None) -> LedgerEntry:
        """The ledger entry for this attempt; a resend of a sent email gets a new
        Message-ID (mail systems drop a second copy of one they already hold), one whose
        fate is unknown keeps its own, from an earlier run of the day if need be."""
        carried = self.carried.get(digest.key) if entry is None else None
        if entry is None or entry.status == "sent":
            message_id = (
                carried.message_id if carried else new_message_id(self.from_address, self.run_id)
            )
            attempts = entry.attempts if entry else 0
            return LedgerEntry(
                self.run_id, digest.key, digest.address, self.as_of, "sending",
                message_id, attempts, None, self.clock(),
            )  # fmt: skip
        return replace(entry, address=digest.address)

    def _settle(
        self,
        digest: Digest,
        entry: LedgerEntry,
        status: Literal["sent", "rejected"],
        detail: str | None,
    ) -> DeliveryResult:
        self._save(entry, status, detail)
        return DeliveryResult(digest.key, digest.address, status, detail)

    def _save(
        self, entry: LedgerEntry, status: str, detail: str | None, attempts: int | None = None
    ) -> LedgerEntry:
        saved = replace(
            entry,
            status=status,  # type: ignore[arg-type]
            detail=detail,
            attempts=entry.attempts if attempts is None else attempts,
            updated_at=self.clock(),
        )
        try:
            self.ledger.save(saved)
        except Exception as exc:  # the store failing: stop, or all would go again later
            raise LedgerUnwritable(_first_line(exc)) from exc
        return saved


class LedgerUnwritable(Exception):
    """The ledger could not record a delivery: delivering stops for this round."""


def _unrecorded(digest: Digest, exc: LedgerUnwritable) -> DeliveryResult:
    detail = f"the ledger cannot be written ({exc}): it may have gone, and goes again"
    return DeliveryResult(digest.key, digest.address, "deferred", detail)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _done(entry: LedgerEntry | None) -> tuple[Outcome, str | None] | None:
    """The outcome of an earlier delivery that stands, or None to send now (nothing
    yet, deferred, or ``sending``: its fate is unknown, so it goes again)."""
    if entry is None or entry.status in ("deferred", "sending"):
        return None
    if entry.status == "sent":
        return "already_sent", None
    return "rejected", entry.detail


def notify_run(
    inputs: DigestInput,
    ledger: Ledger,
    notifier: Notifier | None,
    *,
    dry_run: bool = False,
    to: str | None = None,
    policy: RetryPolicy | None = None,
    sleep: Sleep = time.sleep,
) -> DeliveryReport:
    """Build a run's digests and send those not yet sent (``auditor notify --run ID``).

    ``dry_run``: build and return them, send nothing, write nothing. ``to``: only the
    email(s) to that address, sent again whatever the ledger says (``auditor notify
    --resend ADDRESS``). ``notifier`` may be None for a dry run; otherwise it is closed on
    return.
    """
    last_sent = ledger.last_sent(inputs.run_id)
    batch = build_digests(inputs, last_sent)
    if to is None:
        shown = batch.digests
        earlier, pending = _emailed_today(shown, last_sent, inputs.as_of)
    else:
        shown = pending = [d for d in batch.digests if d.address.lower() == to.strip().lower()]
        if not pending:
            raise AuditorError(
                f"run {inputs.run_id} has no email to {to} "
                f"({len(batch.digests)} emails in the run); check the address."
            )
        earlier = []
    results = _deliver_or_preview(
        inputs, ledger, notifier, pending, dry_run, policy, sleep,
        force=to is not None, carried={} if to else ledger.unsettled(inputs.run_id, inputs.as_of),
    )  # fmt: skip
    return DeliveryReport(earlier + results, batch.problems, shown)


def _emailed_today(
    digests: list[Digest], last_sent: dict[str, dt.date], as_of: dt.date
) -> tuple[list[DeliveryResult], list[Digest]]:
    """One email a recipient a day: a rerun as of the same date (say after a corrected
    extract) emails nobody who already had that date's email from an earlier run; to
    send it anyway, ``auditor notify --run ID --resend ADDRESS``."""
    skipped, kept = [], []
    for digest in digests:
        if last_sent.get(digest.key, dt.date.min) >= as_of:
            detail = f"already emailed for {as_of} by an earlier run"
            skipped.append(DeliveryResult(digest.key, digest.address, "already_sent", detail))
        else:
            kept.append(digest)
    return skipped, kept


def send_copies(
    inputs: DigestInput,
    ledger: Ledger,
    notifier: Notifier | None,
    to: str,
    *,
    dry_run: bool = False,
    policy: RetryPolicy | None = None,
    sleep: Sleep = time.sleep,
) -> DeliveryReport:
    """Every email of a run sent to one address instead of its recipient, to check them
    (``auditor notify --run ID --to ADDRESS``); each subject names the real recipient.

    The ledger is read, so that "new since your last email" is what the recipient would
    see, and never written: whether each real email went stays as it was.
    """
    address = usable_address(to)
    if address is None:
        raise AuditorError(f"'{to}' is not an email address to send the copies to.")
    batch = build_digests(inputs, ledger.last_sent(inputs.run_id))
    copies = [
        replace(d, address=address, subject=f"[copy for {d.address}] {d.subject}")
        for d in batch.digests
    ]
    results = _deliver_or_preview(inputs, MemoryLedger(), notifier, copies, dry_run, policy, sleep)
    return DeliveryReport(results, batch.problems, copies)


def _deliver_or_preview(
    inputs: DigestInput,
    ledger: Ledger,
    notifier: Notifier | None,
    digests: list[Digest],
    dry_run: bool,
    policy: RetryPolicy | None,
    sleep: Sleep,
    force: bool = False,
    carried: dict[str, LedgerEntry] | None = None,
) -> list[DeliveryResult]:
    """Preview the digests (dry run) or deliver them through the notifier, then close it."""
    if dry_run:
        return [DeliveryResult(d.key, d.address, "previewed") for d in digests]
    if notifier is None:
        raise ValueError("a delivery needs a notifier unless dry_run is set")
    delivery = Delivery(
        inputs.run_id, inputs.as_of, ledger, notifier, inputs.settings.from_address,
        policy or RetryPolicy(), sleep, carried=carried or {},
    )  # fmt: skip
    with notifier:
        return delivery.deliver(digests, force=force)
