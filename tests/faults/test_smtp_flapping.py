"""The SMTP relay flapping under a run (issue 12): it refuses with 4xx, drops the
connection (before the data, and after it before its reply), and goes down. Each email
is retried as the retry policy says (``attempts`` tries, ``base_delay * 2**(n-1)``
between them), one that cannot go is left deferred and the round stops while the relay
is down; the ledger says of each email what the relay really holds; `auditor notify
--run ID` then sends what is left, and everyone has the day's email once."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import load_settings
from auditor.notification import email_notifier, notify_stored_run
from auditor.pipeline import run_audit
from auditor.store.database import open_store
from auditor.store.ledger import StoreLedger
from notifiers.delivery import RetryPolicy
from tests.faults.conftest import DAY, KillingMailbox, World, write_config
from tests.faults.states import unsettled
from tests.notifiers.conftest import DROP, PASS, SmtpServer

POLICY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)


class Relay:
    """The sleeps of the retry policy, recorded; at the sleep numbered ``down_at`` the
    relay goes down, and stays down until ``up``."""

    def __init__(self, server: SmtpServer, down_at: int) -> None:
        self.server, self.down_at = server, down_at
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if len(self.sleeps) == self.down_at:
            self.server.stop()

    def up(self) -> None:
        self.server.start()


def _held(mailbox: KillingMailbox) -> set[str]:
    return {str(m["Message-ID"]).strip() for m in mailbox.messages}


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_a_flapping_relay_defers_retries_and_records_truthfully(
    world: World, store_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = load_settings(write_config(tmp_path, store_url, world.extract, smtp.port))
    mailbox = smtp.mailbox
    assert isinstance(mailbox, KillingMailbox)
    # email 1: 451, dropped, taken; email 2: taken; email 3: 452, then the relay is down
    mailbox.script["rcpt"] = ["451 4.3.0 Try again later", DROP, PASS, PASS,
                              "452 4.3.1 Insufficient system storage"]  # fmt: skip
    relay = Relay(smtp, down_at=3)

    result = run_audit(settings, DAY, notifiers=[email_notifier(settings, policy=POLICY,
                                                                sleep=relay.sleep)])  # fmt: skip

    assert relay.sleeps == [0.01, 0.02, 0.01, 0.02, 0.04]  # per email: 0.01, 0.02, 0.04, ...
    store = open_store(settings.store)
    entries = list(StoreLedger(store).entries(result.run_id).values())
    assert [(e.status, e.attempts) for e in entries] == [("sent", 3), ("sent", 1), ("deferred", 4)]
    assert {e.message_id for e in entries if e.status == "sent"} == _held(mailbox)
    assert "cannot open SMTP" in (entries[2].detail or "")
    waiting = len(world.reference.sent) - 2
    assert f"{waiting} email(s) not sent yet: `auditor notify --run {result.run_id}`" in " ".join(
        result.notified
    )

    relay.up()  # back, still flapping: dropped before the data, and after it
    mailbox.script = {"rcpt": [DROP], "data": [PASS, DROP]}
    report = notify_stored_run(settings, result.run_id, policy=POLICY, sleep=relay.sleep)

    assert report.complete
    assert mailbox.sent() == world.reference.sent  # everyone once
    entries = list(StoreLedger(store).entries(result.run_id).values())
    assert {e.status for e in entries} == {"sent"}
    assert {e.message_id for e in entries} == _held(mailbox)
    assert unsettled(store_url) == []
    store.dispose()
