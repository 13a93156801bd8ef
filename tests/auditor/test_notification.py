"""The morning emails after a run and by hand: built from the store and the extract, each
delivered once through the outbox or SMTP, the ledger in the store, the run never undone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import auditor.notification
import auditor.pipeline
from auditor.audit import Audit
from auditor.config import Settings
from auditor.errors import ConfigError
from auditor.notification import (
    RunNotNotifiable,
    email_notifier,
    load_directory,
    notifiers_for,
    notify_stored_run,
    read_stored_run,
)
from auditor.pipeline import run_audit
from auditor.store.database import Store
from auditor.store.ledger import StoreLedger
from auditor.store.models import StoredException
from notifiers.delivery import RetryPolicy
from notifiers.digest import build_digests
from notifiers.inputs import digest_input
from tests.auditor.audits import CHECK, fake_audit, finding
from tests.auditor.emails import (
    AS_OF,
    CAMDEN_SPO,
    HACKNEY_SPO,
    UNOWNED,
    addressees,
    by_address,
    email_settings,
    outbox,
)
from tests.notifiers.conftest import PASS, SmtpServer

POLICY = RetryPolicy(attempts=2, base_delay=0.01)
KEYS = {"spo:N07S001", "spo:N07S002", f"unowned:{UNOWNED}"}
MON, TUE = dt.date(2026, 1, 5), dt.date(2026, 1, 6)


@pytest.fixture
def settings(store_url: str, tmp_path: Path) -> Settings:
    return email_settings(store_url, tmp_path)


@pytest.fixture
def audits(monkeypatch: pytest.MonkeyPatch) -> dict[dt.date, Audit]:
    """Audits by as-of date: what the (faked) load → validate → check returns."""
    prepared: dict[dt.date, Audit] = {}
    monkeypatch.setattr(auditor.pipeline, "audit", lambda _s, as_of, **_k: prepared[as_of])
    return prepared


def smtp_settings(store_url: str, tmp_path: Path, server: SmtpServer) -> Settings:
    smtp = {"host": "127.0.0.1", "port": server.port, "security": "none", "timeout_seconds": 5}
    return email_settings(store_url, tmp_path, transport="smtp", smtp=smtp)


def statuses(store: Store, run_id: int) -> dict[str, str]:
    return {key: e.status for key, e in StoreLedger(store).entries(run_id).items()}


def open_count(store: Store) -> int:
    query = select(func.count()).where(StoredException.status == "open")
    with store.reading() as connection:
        return int(connection.scalar(query) or 0)


def test_after_a_run_each_spo_gets_one_email_with_their_teams_cases(
    settings: Settings, store: Store
) -> None:
    result = run_audit(settings, AS_OF, store=store, notifiers=[email_notifier(settings)])

    assert result.notify_errors == () and result.notified == ("3 sent",)
    texts = by_address(outbox(settings))
    assert set(texts) == {CAMDEN_SPO, HACKNEY_SPO, UNOWNED}
    for address, crn in ((CAMDEN_SPO, "X000001"), (HACKNEY_SPO, "X000002"), (UNOWNED, "X000003")):
        shown = {c for c in ("X000001", "X000002", "X000003") if f"{c} F.S." in texts[address]}
        assert shown == {crn}, address  # CRN and initials; only their own cases
    assert "F1" not in texts[CAMDEN_SPO]  # no full names by default
    assert statuses(store, result.run_id) == dict.fromkeys(KEYS, "sent")
    assert result.context is None  # the audited tables are not kept after notifying


def test_a_second_delivery_of_the_same_run_sends_nothing_again(
    settings: Settings, store: Store
) -> None:
    result = run_audit(settings, AS_OF, store=store, notifiers=[email_notifier(settings)])

    report = notify_stored_run(settings, result.run_id)

    assert [r.outcome for r in report.results] == ["already_sent"] * 3
    assert addressees(outbox(settings)) == dict.fromkeys((CAMDEN_SPO, HACKNEY_SPO, UNOWNED), 1)


def test_right_after_a_run_the_email_uses_the_audited_tables(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_again(*_args: Any) -> None:
        raise AssertionError("the extract was read again")

    monkeypatch.setattr(auditor.notification, "load_directory", read_again)

    result = run_audit(settings, AS_OF, store=store, notifiers=[email_notifier(settings)])

    assert result.notify_errors == () and result.notified == ("3 sent",)


def test_right_after_a_run_the_email_uses_the_runs_open_store(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def open_again(*_args: Any) -> None:
        raise AssertionError("a second store was opened")

    monkeypatch.setattr(auditor.notification, "open_store", open_again)

    result = run_audit(settings, AS_OF, store=store, notifiers=[email_notifier(settings)])

    assert result.notify_errors == () and result.notified == ("3 sent",)
    assert result.opened_store is None  # not kept after notifying


def test_a_stored_runs_emails_hold_its_open_exceptions_and_count_the_resolved(
    settings: Settings, store: Store, audits: dict[dt.date, Audit]
) -> None:
    hackney = {"staff_code": "N07B001", "team_code": "N07T02", "spo_staff_code": "N07S002"}
    unowned: dict[str, Any] = {"staff_code": None, "team_code": None, "spo_staff_code": None}
    found = [finding("X000001"), finding("X000002", **hackney), finding("X000003", **unowned)]
    audits[MON] = fake_audit(MON, found)  # no audited tables: the extract is read
    audits[TUE] = fake_audit(TUE, [found[0], found[2]], examined={CHECK: [("X000002", "")]})
    run_audit(settings, MON, store=store, notifiers=[email_notifier(settings)])
    tuesday = run_audit(settings, TUE, store=store)  # emails turned off

    stored = read_stored_run(store, tuesday.run_id)
    inputs = digest_input(
        tuesday.run_id, TUE, settings.notify, stored.open_exceptions, stored.resolved,
        load_directory(settings.source),
    )  # fmt: skip

    rows = inputs.open_exceptions.select("crn", "provider_code", "forename", "surname").rows()
    assert sorted(rows) == [("X000001", "N07", "F1", "S1"), ("X000003", "N07", "F3", "S3")]
    assert inputs.resolved.select("crn", "resolved_on").rows() == [("X000002", TUE)]
    digests = build_digests(inputs, StoreLedger(store).last_sent(tuesday.run_id)).digests
    summaries = {d.address: (d.summary.open, d.summary.resolved) for d in digests}
    assert summaries == {CAMDEN_SPO: (1, 0), HACKNEY_SPO: (0, 1), UNOWNED: (1, 0)}


def test_an_smtp_outage_leaves_the_run_stored_and_auditor_notify_sends_the_rest(
    store_url: str, tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = smtp_settings(store_url, tmp_path, smtp_server)
    smtp_server.stop()
    notifier = email_notifier(settings, policy=POLICY, sleep=lambda _: None)

    result = run_audit(settings, AS_OF, store=store, notifiers=[notifier])

    assert result.notify_errors == () and open_count(store) == result.totals["open"] > 0
    assert result.notified[0] == "1 deferred, 2 not attempted"
    assert "cannot open SMTP to 127.0.0.1" in result.notified[1]
    assert result.notified[-1] == (
        f"3 email(s) not sent yet: `auditor notify --run {result.run_id}` sends them"
    )
    assert list(statuses(store, result.run_id).values()) == ["deferred"]

    smtp_server.start()
    report = notify_stored_run(settings, result.run_id, policy=POLICY)
    again = notify_stored_run(settings, result.run_id, policy=POLICY)

    assert report.complete and [r.outcome for r in report.results] == ["sent"] * 3
    assert [r.outcome for r in again.results] == ["already_sent"] * 3
    assert addressees(smtp_server.mailbox.messages) == {
        CAMDEN_SPO: 1, HACKNEY_SPO: 1, UNOWNED: 1
    }  # fmt: skip
    assert statuses(store, result.run_id) == dict.fromkeys(KEYS, "sent")


def test_an_email_deferred_by_a_busy_server_is_sent_later_and_only_once(
    store_url: str, tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = smtp_settings(store_url, tmp_path, smtp_server)
    smtp_server.mailbox.script["rcpt"] = [PASS, "452 4.2.2 Mailbox full", "452 4.2.2 Mailbox full"]
    notifier = email_notifier(settings, policy=POLICY, sleep=lambda _: None)

    result = run_audit(settings, AS_OF, store=store, notifiers=[notifier])
    report = notify_stored_run(settings, result.run_id, policy=POLICY)

    assert result.notified[0] == "2 sent, 1 deferred"
    assert sorted(r.outcome for r in report.results) == ["already_sent", "already_sent", "sent"]
    assert addressees(smtp_server.mailbox.messages) == {
        CAMDEN_SPO: 1, HACKNEY_SPO: 1, UNOWNED: 1
    }  # fmt: skip


def test_only_the_latest_successful_run_can_be_emailed(
    settings: Settings, store: Store, audits: dict[dt.date, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    audits[MON], audits[TUE] = (fake_audit(day, [finding("X000001")]) for day in (MON, TUE))
    monday = run_audit(settings, MON, store=store).run_id
    tuesday = run_audit(settings, TUE, store=store).run_id
    monkeypatch.setattr(auditor.pipeline, "audit", failing_audit)
    with pytest.raises(ConfigError):
        run_audit(settings, TUE, store=store)

    for run_id, message in [
        (monday, f"run {monday} \\(as of 2026-01-05\\) is not the latest successful run"),
        (tuesday + 1, "run 3 \\(as of 2026-01-06\\) failed, so it has no emails: no source"),
        (tuesday + 2, f"there is no run 4 in the store \\(the latest successful run is {tuesday}"),
    ]:
        with pytest.raises(RunNotNotifiable, match=message):
            read_stored_run(store, run_id)
    assert read_stored_run(store, tuesday).run.as_of == TUE


def failing_audit(*_args: Any, **_kwargs: Any) -> Audit:
    raise ConfigError("no source")


def test_emails_after_runs_can_be_turned_off(settings: Settings) -> None:
    off = settings.model_copy(
        update={"notify": settings.notify.model_copy(update={"enabled": False})}
    )

    assert notifiers_for(off) == []
    assert [n.__name__ for n in notifiers_for(settings)] == ["email"]  # type: ignore[attr-defined]


def test_a_bad_transport_setting_stops_at_start_up(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUDITOR_SMTP_PASSWORD", raising=False)
    settings = email_settings(store_url, tmp_path, transport="smtp", smtp={"username": "a"})

    with pytest.raises(ConfigError, match="AUDITOR_SMTP_PASSWORD"):
        email_notifier(settings)
