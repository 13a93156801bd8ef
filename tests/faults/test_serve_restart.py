"""`auditor serve` restarted after its process died while emailing the day's run
(issue 12): the scheduler resumes the day's emails at start-up, so everyone the run
had not emailed yet gets it, once, and nobody gets it twice."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from pathlib import Path

import pytest

from auditor.config import load_settings
from auditor.notification import notifiers_for
from auditor.scheduler import start_scheduler, stop_scheduler, time_zone
from auditor.store.database import open_store
from auditor.store.ledger import StoreLedger
from tests.faults.conftest import KillingMailbox, World, write_config
from tests.faults.processes import kill, start
from tests.notifiers.conftest import SmtpServer


def _per_run(mailbox: KillingMailbox, run_id: int) -> Counter[str]:
    return Counter(str(m["To"].addresses[0].addr_spec) for m in mailbox.messages
                   if m["X-Auditor-Run"] == str(run_id))  # fmt: skip


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_a_restarted_scheduler_sends_the_days_emails_a_dead_process_left(
    world: World, store_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, store_url, world.extract, smtp.port)
    settings = load_settings(config)
    today = dt.datetime.now(time_zone(settings.schedule)).date()
    mailbox = smtp.mailbox
    assert isinstance(mailbox, KillingMailbox)
    mailbox.kill_at = ("mail", 3)
    mailbox.victim = start("run", "--config", str(config), "--as-of", str(today))
    mailbox.victim.wait(timeout=120)
    kill(mailbox.victim)
    assert mailbox.killed and len(mailbox.messages) == 2
    store = open_store(settings.store)
    ledger = StoreLedger(store)
    run_id = 2  # the day before's run is 1

    scheduler = start_scheduler(settings, notifiers_for(settings))
    try:
        deadline = time.monotonic() + 60
        while {e.status for e in ledger.entries(run_id).values()} != {"sent"} or len(
            ledger.entries(run_id)
        ) < 3:
            assert time.monotonic() < deadline, ledger.entries(run_id)
            time.sleep(0.2)
    finally:
        stop_scheduler(scheduler)

    entries = ledger.entries(run_id)
    store.dispose()
    sent = _per_run(mailbox, run_id)
    assert set(sent.values()) == {1}
    assert set(sent) == {e.address for e in entries.values()}
