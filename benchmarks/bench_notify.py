"""Time to render and deliver the national run's morning emails.

About 1,000 SPOs and 300,000 open exceptions (a generated organisation: 12 providers,
84 SPOs each, 2 teams per SPO, 6 offender managers per team; unowned cases go to one
address per provider), sent by SMTP to a local aiosmtpd server in its own process, with
the in-memory ledger. Target: 60 s or less.

    .venv/bin/python benchmarks/bench_notify.py [--exceptions 300000] [--store URL]

``--store URL`` records the deliveries in that store's ledger (as `auditor run` does:
one short transaction per state change) instead of in memory; e.g.
``--store sqlite:////tmp/bench-notify.db`` (created if need be).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for the test builders in tests/notifiers/frames.py

from auditor.config import SmtpSettings, StoreSettings  # noqa: E402
from auditor.store import repository  # noqa: E402
from auditor.store.database import open_store  # noqa: E402
from auditor.store.ledger import StoreLedger  # noqa: E402
from notifiers.delivery import Delivery, RetryPolicy  # noqa: E402
from notifiers.digest import build_digests  # noqa: E402
from notifiers.ledger import Ledger, MemoryLedger  # noqa: E402
from notifiers.smtp import SmtpNotifier  # noqa: E402
from tests.notifiers.conftest import free_port  # noqa: E402
from tests.notifiers.frames import digest_input, organisation, random_exceptions  # noqa: E402

TARGET_SECONDS = 60.0

SERVER = """
import sys, time
from aiosmtpd.controller import Controller

class Counter:
    messages = 0
    size = 0
    async def handle_DATA(self, server, session, envelope):
        Counter.messages += 1
        Counter.size += len(envelope.content)
        return "250 OK"

controller = Controller(Counter(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
print(Counter.messages, Counter.size, flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exceptions", type=int, default=300_000)
    parser.add_argument("--spos-per-provider", type=int, default=84)
    parser.add_argument("--store", help="SQLAlchemy URL of a store for the ledger")
    args = parser.parse_args()

    started = time.perf_counter()
    staff, teams = organisation(providers=12, spos_per_provider=args.spos_per_provider,
                                teams_per_spo=2, officers_per_team=6)  # fmt: skip
    unowned = {f"P{p:02d}": [f"p{p:02d}-performance@probation.example"] for p in range(12)}
    inputs = digest_input([], unowned=unowned, from_address="auditor@probation.example")
    inputs = dataclasses.replace(
        inputs, open_exceptions=random_exceptions(staff, teams, args.exceptions),
        staff=staff, teams=teams,
    )  # fmt: skip
    print(f"generated {args.exceptions:,} open exceptions, {teams.height:,} teams, "
          f"{staff.height:,} staff in {time.perf_counter() - started:.1f} s")  # fmt: skip

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    assert server.stdout is not None and server.stdin is not None
    assert server.stdout.readline().strip() == "ready"

    began = time.perf_counter()
    batch = build_digests(inputs)
    rendered = time.perf_counter()
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none")
    ledger, run_id = _ledger(args.store, inputs.as_of)
    inputs = dataclasses.replace(inputs, run_id=run_id)
    with SmtpNotifier(settings) as notifier:
        delivery = Delivery(inputs.run_id, inputs.as_of, ledger, notifier,
                            inputs.settings.from_address, RetryPolicy())  # fmt: skip
        results = delivery.deliver(batch.digests)
    delivered = time.perf_counter()

    server.stdin.close()
    messages, size = (int(x) for x in server.stdout.readline().split())
    server.wait(timeout=30)
    sent = sum(r.outcome == "sent" for r in results)
    rows = sum(len(d.exception_ids) for d in batch.digests)
    assert sent == messages == len(batch.digests), (sent, messages, len(batch.digests))
    total = delivered - began
    print(f"render: {len(batch.digests):,} emails, {rows:,} rows in {rendered - began:.1f} s")
    print(f"deliver: {messages:,} emails, {size / 1e6:,.0f} MB by SMTP in "
          f"{delivered - rendered:.1f} s")  # fmt: skip
    print(f"total: {total:.1f} s (target {TARGET_SECONDS:.0f} s: "
          f"{'met' if total <= TARGET_SECONDS else 'MISSED'})")  # fmt: skip
    print(f"ledger: {'store ' + args.store if args.store else 'in memory'}")


def _ledger(url: str | None, as_of: dt.date) -> tuple[Ledger, int]:
    """The ledger, and a run of its own to deliver (a store's ledger needs a run row)."""
    if url is None:
        return MemoryLedger(), 1
    store = open_store(StoreSettings(url=url))
    store.upgrade()
    with store.writing() as connection:
        run_id = repository.insert_run(connection, as_of, repository.now(), "bench_notify")
    return StoreLedger(store), run_id


if __name__ == "__main__":
    main()
