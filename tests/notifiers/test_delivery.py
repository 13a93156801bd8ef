"""Delivery through a real SMTP server with failures injected: each email at most once,
nothing lost, the outcome of each in the report and the ledger."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from email.message import EmailMessage

import polars as pl
import pytest

from auditor.config import NotifySettings
from auditor.errors import AuditorError
from notifiers.delivery import DeliveryReport, RetryPolicy, notify_run, send_copies
from notifiers.digest import DigestInput
from notifiers.ledger import MemoryLedger
from notifiers.smtp import SmtpNotifier
from tests.notifiers.conftest import DROP, PASS, SmtpServer
from tests.notifiers.frames import AS_OF, organisation, random_exceptions

POLICY = RetryPolicy(attempts=3, base_delay=0.01)
SPOS = 6
UNOWNED = "p00-performance@probation.example"


class Crash(BaseException):
    """The process dying mid-delivery (not an Exception: nothing may catch it)."""


def run_input(run_id: int = 1, as_of: dt.date = AS_OF, count: int = 300) -> DigestInput:
    staff, teams = organisation(providers=1, spos_per_provider=SPOS, teams_per_spo=2,
                                officers_per_team=2)  # fmt: skip
    frame = random_exceptions(staff, teams, count, seed=run_id)
    return DigestInput(
        run_id=run_id, as_of=as_of, settings=_settings(), open_exceptions=frame,
        resolved=pl.DataFrame(schema={c: frame.schema[c] for c in (
            "exception_id", "check", "crn", "staff_code", "team_code", "spo_staff_code",
            "provider_code")} | {"resolved_on": pl.Date}),
        staff=staff, teams=teams,
    )  # fmt: skip


def _settings() -> NotifySettings:
    return NotifySettings(unowned={"P00": [UNOWNED]}, from_address="auditor@probation.example")


def notify(
    inputs: DigestInput,
    ledger: MemoryLedger,
    server: SmtpServer,
    sleeps: list[float] | None = None,
    **options: object,
) -> DeliveryReport:
    notifier = SmtpNotifier(server.settings())
    sleep = (sleeps if sleeps is not None else []).append
    return notify_run(inputs, ledger, notifier, policy=POLICY, sleep=sleep, **options)  # type: ignore[arg-type]


def received_by(server: SmtpServer) -> Counter[str]:
    return Counter(str(m["To"].addresses[0].addr_spec) for m in server.mailbox.messages)


def linked_ids(message: EmailMessage) -> tuple[list[int], list[int]]:
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    pattern = r"http://localhost:8000/exceptions/(\d+)"
    return [int(i) for i in re.findall(pattern, plain)], [int(i) for i in re.findall(pattern, html)]


def test_one_email_per_spo_holding_only_their_teams_cases(smtp_server: SmtpServer) -> None:
    inputs = run_input(count=1500)
    ledger = MemoryLedger()
    report = notify(inputs, ledger, smtp_server)

    assert report.complete and report.problems == []
    assert Counter(r.outcome for r in report.results) == {"sent": SPOS + 1}
    spo_of_team = dict(inputs.teams.select("team_code", "spo_staff_code").iter_rows())
    owner = {i: spo_of_team.get(t) for i, t in
             inputs.open_exceptions.select("exception_id", "team_code").iter_rows()}  # fmt: skip
    seen: Counter[int] = Counter()
    for message in smtp_server.mailbox.messages:
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        for header in ("Message-ID", "Date", "From", "To", "Subject"):
            assert message[header], header
        assert message["From"] == "auditor@probation.example"
        address = message["To"].addresses[0].addr_spec
        text_ids, html_ids = linked_ids(message)
        assert text_ids == html_ids and text_ids
        spo = address.split("@")[0].upper()
        expected_owner = None if address == UNOWNED else spo
        assert {owner[i] for i in text_ids} == {expected_owner}, address
        assert re.fullmatch(r".*: \d+ open \(\d+ new, \d+ overdue\) - 25 Nov 2026",
                            message["Subject"])  # fmt: skip
        seen.update(text_ids)
    assert seen == Counter(inputs.open_exceptions["exception_id"].to_list())
    assert len(smtp_server.mailbox.messages) == SPOS + 1
    assert {e.status for e in ledger.entries(1).values()} == {"sent"}


def test_a_second_attempt_sends_nothing_again(smtp_server: SmtpServer) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    notify(inputs, ledger, smtp_server)
    report = notify(inputs, ledger, smtp_server)
    assert {r.outcome for r in report.results} == {"already_sent"}
    assert set(received_by(smtp_server).values()) == {1}


def test_server_down_stops_the_round_and_the_next_attempt_resumes(
    smtp_server: SmtpServer,
) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    sleeps: list[float] = []
    smtp_server.stop()
    report = notify(inputs, ledger, smtp_server, sleeps)  # never raises

    outcomes = [r.outcome for r in report.results]
    assert outcomes == ["deferred"] + ["not_attempted"] * SPOS
    assert sleeps == [0.01, 0.02]  # three attempts, exponential backoff
    assert not report.complete
    assert (
        "deferred: " in report.summary_lines()[1]
        and "cannot open SMTP" in report.summary_lines()[1]
    )
    [entry] = ledger.entries(1).values()
    assert (entry.status, entry.attempts) == ("deferred", 3)

    smtp_server.start()
    report = notify(inputs, ledger, smtp_server)
    assert [r.outcome for r in report.results] == ["sent"] * (SPOS + 1)
    assert set(received_by(smtp_server).values()) == {1}
    assert len(received_by(smtp_server)) == SPOS + 1


def test_a_4xx_reply_is_retried_with_backoff(smtp_server: SmtpServer) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    sleeps: list[float] = []
    smtp_server.mailbox.script["rcpt"] = ["451 4.3.0 Try again later"] * 2
    report = notify(inputs, ledger, smtp_server, sleeps)
    assert report.complete and sleeps == [0.01, 0.02]
    first = report.results[0]
    assert ledger.entries(1)[first.key].attempts == 3
    assert set(received_by(smtp_server).values()) == {1}


def test_a_lasting_4xx_defers_that_email_only(smtp_server: SmtpServer) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    smtp_server.mailbox.script["rcpt"] = [PASS, *["452 4.2.2 Mailbox full"] * 3]
    report = notify(inputs, ledger, smtp_server)
    assert [r.outcome for r in report.results] == ["sent", "deferred"] + ["sent"] * (SPOS - 1)
    deferred = report.results[1]
    assert "452 4.2.2 Mailbox full" in (deferred.detail or "")

    report = notify(inputs, ledger, smtp_server)
    assert [r.outcome for r in report.results] == ["already_sent", "sent"] + ["already_sent"] * (
        SPOS - 1
    )
    assert set(received_by(smtp_server).values()) == {1}


def test_a_refused_address_is_recorded_shown_and_not_retried(smtp_server: SmtpServer) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    refused = "p00s002@probation.example"
    smtp_server.mailbox.refuse[refused] = "550 5.1.1 No such user"
    report = notify(inputs, ledger, smtp_server)

    [rejected] = report.outcome("rejected")
    assert (rejected.address, rejected.detail) == (
        refused,
        f"RCPT TO {refused}: 550 5.1.1 No such user",
    )
    assert (
        f"rejected: {refused}: RCPT TO {refused}: 550 5.1.1 No such user" in report.summary_lines()
    )
    assert report.complete  # nothing left to try: a rejection is final
    assert ledger.entries(1)[rejected.key].status == "rejected"

    smtp_server.mailbox.refuse.clear()
    report = notify(inputs, ledger, smtp_server)  # the next attempt shows it again, sends nothing
    assert [r.outcome for r in report.results].count("rejected") == 1
    assert refused not in received_by(smtp_server)
    report = notify(inputs, ledger, smtp_server, to=refused)  # fixed: resend by hand
    assert [r.outcome for r in report.results] == ["sent"]
    assert received_by(smtp_server)[refused] == 1


def test_a_connection_dropped_mid_way_is_retried_without_duplicates(
    smtp_server: SmtpServer,
) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    smtp_server.mailbox.script["rcpt"] = [PASS, PASS, DROP, DROP]
    report = notify(inputs, ledger, smtp_server)
    assert [r.outcome for r in report.results] == ["sent"] * (SPOS + 1)
    assert ledger.entries(1)[report.results[2].key].attempts == 3
    assert set(received_by(smtp_server).values()) == {1}
    assert smtp_server.mailbox.connections == 3  # reconnected after each drop


def test_a_connection_lost_before_the_server_answers_is_sent_again_with_its_message_id(
    smtp_server: SmtpServer,
) -> None:
    """At least once: without the server's reply the email is taken as not delivered."""
    inputs, ledger = run_input(), MemoryLedger()
    smtp_server.mailbox.script["data"] = [PASS, DROP]
    sleeps: list[float] = []
    report = notify(inputs, ledger, smtp_server, sleeps)
    assert [r.outcome for r in report.results] == ["sent"] * (SPOS + 1)
    lost = report.results[1]
    entry = ledger.entries(1)[lost.key]
    assert (entry.status, entry.attempts) == ("sent", 2) and sleeps == [0.01]
    assert [e.message_id for e in ledger.saves if e.recipient_key == lost.key] == [
        entry.message_id
    ] * 4  # sending, deferred, sending, sent: one Message-ID throughout
    assert set(received_by(smtp_server).values()) == {1}


class CrashingNotifier(SmtpNotifier):
    """Sends, but the process dies on the n-th send: before or after handing it over."""

    def __init__(self, server: SmtpServer, crash_on: int, after_send: bool) -> None:
        super().__init__(server.settings())
        self.sends, self.crash_on, self.after_send = 0, crash_on, after_send

    def send(self, message: EmailMessage) -> None:
        self.sends += 1
        if self.sends == self.crash_on and not self.after_send:
            raise Crash
        super().send(message)
        if self.sends == self.crash_on:
            raise Crash


@pytest.mark.parametrize("after_send", [True, False])
def test_a_crash_mid_delivery_resumes_and_sends_the_unknown_one_again(
    smtp_server: SmtpServer, after_send: bool
) -> None:
    """At least once: the email being sent when the process died goes again, with its
    Message-ID; a second copy only when the server had taken the first."""
    inputs, ledger = run_input(), MemoryLedger()
    with pytest.raises(Crash):
        notify_run(inputs, ledger, CrashingNotifier(smtp_server, 3, after_send), policy=POLICY)
    statuses = [e.status for e in ledger.entries(1).values()]
    assert statuses == ["sent", "sent", "sending"]

    report = notify(inputs, ledger, smtp_server)
    outcomes = [r.outcome for r in report.results]
    assert outcomes == ["already_sent", "already_sent"] + ["sent"] * (SPOS - 1)
    crashed = report.results[2].address
    assert received_by(smtp_server)[crashed] == 1 + int(after_send)
    ids = {m["Message-ID"] for m in smtp_server.mailbox.messages if crashed in m["To"]}
    assert len(ids) == 1
    assert received_by(smtp_server) - Counter({crashed: 1 + int(after_send)}) == Counter(
        {a: 1 for a in received_by(smtp_server) if a != crashed}
    )


def test_a_rerun_of_the_day_sends_an_earlier_runs_unknown_email_with_its_message_id(
    smtp_server: SmtpServer,
) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    with pytest.raises(Crash):
        notify_run(inputs, ledger, CrashingNotifier(smtp_server, 2, True), policy=POLICY)
    [unknown] = [e for e in ledger.entries(1).values() if e.status == "sending"]

    report = notify(run_input(run_id=2), ledger, smtp_server)

    again = ledger.entries(2)[unknown.recipient_key]
    assert (again.status, again.message_id) == ("sent", unknown.message_id)
    assert [r.outcome for r in report.results].count("already_sent") == 1
    assert received_by(smtp_server)[unknown.address] == 2
    assert len(received_by(smtp_server)) == SPOS + 1


def test_a_resend_to_one_address_goes_again_with_a_new_message_id(smtp_server: SmtpServer) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    notify(inputs, ledger, smtp_server)
    address = "p00s001@probation.example"
    report = notify(inputs, ledger, smtp_server, to=address.upper())
    assert [(r.address, r.outcome) for r in report.results] == [(address, "sent")]
    ids = [m["Message-ID"] for m in smtp_server.mailbox.messages if address in m["To"]]
    assert len(ids) == 2 and ids[0] != ids[1]
    with pytest.raises(AuditorError, match="has no email to nobody@probation.example"):
        notify(inputs, ledger, smtp_server, to="nobody@probation.example")


def test_copies_of_every_email_go_to_one_address_and_the_ledger_is_untouched(
    smtp_server: SmtpServer,
) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    checker = "checker@probation.example"
    notifier = SmtpNotifier(smtp_server.settings())
    report = send_copies(inputs, ledger, notifier, f" {checker} ", policy=POLICY)

    assert [r.outcome for r in report.results] == ["sent"] * (SPOS + 1)
    assert received_by(smtp_server) == {checker: SPOS + 1}
    subjects = sorted(str(m["Subject"]) for m in smtp_server.mailbox.messages)
    assert subjects[0].startswith("[copy for p00-performance@probation.example] ")
    assert subjects[1].startswith("[copy for p00s000@probation.example] Case records to fix")
    assert ledger.saves == []

    report = notify(inputs, ledger, smtp_server)  # the real emails have not gone
    assert [r.outcome for r in report.results] == ["sent"] * (SPOS + 1)


def test_copies_need_a_usable_address_and_can_be_previewed(smtp_server: SmtpServer) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    with pytest.raises(AuditorError, match="'not an address' is not an email address"):
        send_copies(inputs, ledger, None, "not an address", dry_run=True)

    report = send_copies(inputs, ledger, None, "checker@probation.example", dry_run=True)

    assert {(r.address, r.outcome) for r in report.results} == {
        ("checker@probation.example", "previewed")
    }
    assert smtp_server.mailbox.messages == [] and ledger.saves == []


def test_a_dry_run_sends_and_records_nothing(smtp_server: SmtpServer) -> None:
    inputs, ledger = run_input(), MemoryLedger()
    report = notify_run(inputs, ledger, None, dry_run=True)
    assert {r.outcome for r in report.results} == {"previewed"}
    assert len(report.digests) == SPOS + 1
    assert ledger.saves == [] and smtp_server.mailbox.messages == []


def test_new_is_counted_since_the_last_email_that_reached_the_recipient(
    smtp_server: SmtpServer,
) -> None:
    ledger = MemoryLedger()
    yesterday = run_input(run_id=1, as_of=AS_OF - dt.timedelta(days=1))
    notify(yesterday, ledger, smtp_server)
    today = run_input(run_id=2)
    frame = today.open_exceptions.with_columns(
        first_seen=pl.when(pl.col("exception_id") % 2 == 0).then(pl.lit(AS_OF))
        .otherwise(pl.lit(AS_OF - dt.timedelta(days=1)))
    )  # fmt: skip
    report = notify(dataclasses.replace(today, open_exceptions=frame), ledger, smtp_server)
    for digest in report.digests:
        assert digest.summary.new == sum(1 for i in digest.exception_ids if i % 2 == 0)


def test_a_rerun_of_the_same_date_emails_nobody_twice(smtp_server: SmtpServer) -> None:
    ledger = MemoryLedger()
    notify(run_input(run_id=1), ledger, smtp_server)
    rerun = notify(run_input(run_id=2), ledger, smtp_server)
    assert {r.outcome for r in rerun.results} == {"already_sent"}
    assert all("by an earlier run" in (r.detail or "") for r in rerun.results)
    assert set(received_by(smtp_server).values()) == {1}
    assert ledger.entries(2) == {}
    assert {d.key for d in rerun.digests} == {r.key for r in rerun.results}
    # the next day's run emails everyone again; a resend still goes on request
    notify(run_input(run_id=3, as_of=AS_OF + dt.timedelta(days=1)), ledger, smtp_server)
    assert set(received_by(smtp_server).values()) == {2}
    notify(run_input(run_id=2), ledger, smtp_server, to=UNOWNED)
    assert received_by(smtp_server)[UNOWNED] == 3
