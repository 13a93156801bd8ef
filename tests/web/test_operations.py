"""/healthz and /metrics: what they say equals what the store holds, and they keep
working (with a clear answer) when the store does not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from auditor.store.database import Store, store_engine
from auditor.store.models import CheckCount, Notification, Run, RunCheck, RunStage, RunTable
from auditor.web.app import build_app
from tests.web.stores import Browsers, World, settings_for

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def put_run(store: Store, run_id: int, status: str, started: dt.datetime, **rows: Any) -> None:
    """A run with its tables, checks, counts and emails (``rows``: table -> list)."""
    values = {"id": run_id, "as_of": started.date(), "started_at": started, "source": "x",
              "status": status, "finished_at": started + dt.timedelta(seconds=42)}  # fmt: skip
    with store.writing() as connection:
        connection.execute(insert(Run).values(values))
        for model, entries in rows.items():
            table = {"tables": RunTable, "checks": RunCheck, "counts": CheckCount,
                     "emails": Notification, "stages": RunStage}[model]  # fmt: skip
            connection.execute(insert(table), [dict(e, run_id=run_id) for e in entries])


def email(key: str, status: str) -> dict[str, Any]:
    return {"recipient_key": key, "address": key, "as_of": NOW.date(), "status": status,
            "message_id": f"<{key}>", "attempts": 1, "detail": None, "updated_at": NOW}  # fmt: skip


def check(name: str, seconds: float) -> dict[str, Any]:
    return {"check": name, "status": "ok", "found": 1, "seconds": seconds, "error": None}


def count(name: str, team: str | None, open_: int) -> dict[str, Any]:
    return {"check": name, "team_code": team, "open": open_, "new": 0, "still_open": open_,
            "reopened": 0, "resolved": 0, "record_missing": 0, "unconfirmed": 0}  # fmt: skip


def table(name: str, read: int, rejected: int) -> dict[str, Any]:
    return {"table_name": name, "rows_read": read, "rows_kept": read - rejected,
            "rows_rejected": rejected}  # fmt: skip


def scraped(browser: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = browser.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def test_healthz_before_any_run_says_the_store_answers_and_no_audit_ran(
    browsers: Browsers,
) -> None:
    answer = browsers.new().get("/healthz")

    assert answer.status_code == 200
    assert answer.json() == {"status": "degraded", "store": "reachable",
                             "problems": ["no audit has run yet"], "latest_run": None,
                             "latest_successful_run": None}  # fmt: skip


@pytest.mark.parametrize(
    ("runs", "status", "problems"),
    [
        ([(1, "succeeded", 2)], "ok", []),
        ([(1, "succeeded", 30), (2, "failed", 2)], "degraded", ["the latest run (2) failed"]),
        ([(1, "succeeded", 24 * 5)], "degraded",
         ["the latest successful run started over 4 days ago"]),
    ],
)  # fmt: skip
def test_healthz_tells_how_the_latest_run_went_and_how_old_it_is(
    store: Store, browsers: Browsers, runs: list[tuple[int, str, int]], status: str,
    problems: list[str],
) -> None:  # fmt: skip
    for run_id, outcome, hours_ago in runs:
        now = dt.datetime.now(dt.UTC)  # not NOW: the suite may have run for an hour
        put_run(store, run_id, outcome, now - dt.timedelta(hours=hours_ago))

    body = browsers.new().get("/healthz").json()

    assert (body["status"], body["problems"]) == (status, problems)
    latest = runs[-1]
    assert body["latest_run"]["id"] == latest[0] and body["latest_run"]["status"] == latest[1]
    assert body["latest_run"]["age_hours"] == pytest.approx(latest[2], abs=0.2)
    assert body["latest_successful_run"]["id"] == 1


def test_healthz_and_metrics_answer_when_the_store_does_not(
    store: Store, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITOR_SESSION_SECRET", "tests-session-key-" + "k" * 32)
    gone = Store(store_engine(make_url(f"sqlite:///{tmp_path}/no-such-folder/x.db")), "gone")
    browser = TestClient(build_app(settings_for(store), gone))

    health = browser.get("/healthz")
    metrics = scraped(browser)

    assert health.status_code == 503
    assert health.json() == {"status": "failing", "store": "unreachable (OperationalError)"}
    assert metrics[("auditor_store_up", ())] == 0


def test_metrics_are_the_latest_runs_figures_from_the_store(
    store: Store, browsers: Browsers
) -> None:
    started = NOW - dt.timedelta(hours=3)
    put_run(store, 1, "succeeded", started - dt.timedelta(days=1),
            counts=[count("rsr_missing", "N01T01", 99)], emails=[email("old", "sent")],
            stages=[{"stage": "validate", "seconds": 99.0}])  # fmt: skip
    put_run(
        store, 2, "succeeded", started,
        tables=[table("events", 1000, 3), table("offenders", 400, 0)],
        checks=[check("rsr_missing", 0.25), check("oasys_overdue", 1.5)],
        counts=[count("rsr_missing", "N01T01", 5), count("rsr_missing", None, 2),
                count("oasys_overdue", "N01T02", 7)],
        emails=[email("a", "sent"), email("b", "sent"), email("c", "deferred"),
                email("d", "rejected")],
        stages=[{"stage": "validate", "seconds": 2.5}, {"stage": "email", "seconds": 0.75}],
    )  # fmt: skip

    found = scraped(browsers.new())

    assert found[("auditor_store_up", ())] == 1
    assert found[("auditor_last_run_id", ())] == 2
    assert found[("auditor_last_run_succeeded", ())] == 1
    assert found[("auditor_last_run_duration_seconds", ())] == 42
    assert found[("auditor_last_success_timestamp_seconds", ())] == started.timestamp()
    stages = {labels[0][1]: value for (name, labels), value in found.items()
              if name == "auditor_run_stage_seconds"}  # fmt: skip
    assert stages == {"validate": 2.5, "email": 0.75}
    assert found[("auditor_check_duration_seconds", (("check", "oasys_overdue"),))] == 1.5
    assert found[("auditor_open_exceptions", (("check", "rsr_missing"),))] == 7
    assert found[("auditor_open_exceptions", (("check", "oasys_overdue"),))] == 7
    assert found[("auditor_rows_read", (("table", "events"),))] == 1000
    assert found[("auditor_rows_rejected", (("table", "events"),))] == 3
    assert found[("auditor_rows_rejected", (("table", "offenders"),))] == 0
    emails = {labels[0][1]: value for (name, labels), value in found.items()
              if name == "auditor_emails"}  # fmt: skip
    assert emails == {"sent": 2, "deferred": 1, "rejected": 1}


def test_request_latency_is_counted_by_route_not_by_address(
    world: World, people: Any, browsers: Browsers
) -> None:
    browser = browsers.signed_in("ada")
    for exception_id in sorted(row["id"] for row in world.rows)[:3]:
        browser.get(f"/exceptions/{exception_id}")
    browser.get("/no-such-page")

    found = scraped(browser)

    def requests(route: str, method: str, status: str) -> float:
        labels = (("method", method), ("route", route), ("status", status))
        return found.get(("auditor_http_request_duration_seconds_count", labels), 0)

    assert requests("/exceptions/{exception_id:int}", "GET", "2xx") == 3
    assert requests("/login", "POST", "3xx") == 1
    assert requests("unmatched", "GET", "4xx") == 1
    assert not any("/exceptions/1" in str(labels) for _, labels in found)
