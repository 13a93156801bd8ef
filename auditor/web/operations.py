"""For operations staff: `/healthz` for a load balancer or a monitor, and Prometheus
metrics at `/metrics` (prometheus-client, the maintained client library).

- **/healthz** (JSON): the process is up, the store answers, and how the latest run
  went and how old it is. 200 when the store answers (the app can serve), 503 when it
  does not. A failed or stale run is reported in the body (``status`` "degraded") and
  in the metrics, for alerting, but does not take the app out of a load balancer.
- **/metrics**: web request latency per route (this process), and figures read from
  the store at each scrape (auditor/store/health.py), so every instance reports the
  same: the latest run's time, duration and status, each check's seconds, open
  exceptions per check, rows read and rejected per table, emails by delivery status.

Neither needs a sign-in, and neither shows a name, a CRN or a reason: counts and times
only. Keep them on the internal network (the reverse proxy can refuse /metrics from
outside).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auditor.store import health
from auditor.store.database import Store

STALE_AFTER = dt.timedelta(days=4)  # a long weekend and a bank holiday, then a day late


def routes() -> list[BaseRoute]:
    return [Route("/healthz", healthz), Route("/metrics", metrics)]


def registry_for(store: Store) -> tuple[CollectorRegistry, Histogram]:
    """A registry of this app's metrics: its request latency, and the store's figures."""
    registry = CollectorRegistry(auto_describe=True)
    latency = Histogram(
        "auditor_http_request_duration_seconds",
        "Time to answer a web request, by route, method and status class.",
        ["route", "method", "status"],
        registry=registry,
        buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5),
    )
    registry.register(StoreCollector(store))
    return registry, latency


async def healthz(request: Request) -> Response:
    store: Store = request.app.state.web.store
    try:
        body = await run_in_threadpool(_health, store, dt.datetime.now(dt.UTC))
    except SQLAlchemyError as exc:
        reason = type(exc.__cause__ or exc).__name__
        return JSONResponse({"status": "failing", "store": f"unreachable ({reason})"}, 503)
    return JSONResponse(body)


async def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics
    payload = await run_in_threadpool(generate_latest, registry)
    return Response(payload, media_type=CONTENT_TYPE_LATEST)


def _health(store: Store, now: dt.datetime) -> dict[str, Any]:
    with store.reading() as connection:
        latest = health.latest_run(connection)
        succeeded = health.latest_run(connection, succeeded=True)
    problems = []
    if latest is None:
        problems.append("no audit has run yet")
    elif latest.status != "succeeded":
        problems.append(f"the latest run ({latest.id}) {latest.status}")
    if succeeded is not None and now - _aware(succeeded.started_at) > STALE_AFTER:
        problems.append(f"the latest successful run started over {STALE_AFTER.days} days ago")
    return {
        "status": "degraded" if problems else "ok",
        "store": "reachable",
        "problems": problems,
        "latest_run": _run(latest, now),
        "latest_successful_run": _run(succeeded, now),
    }


def _run(run: health.RunSummary | None, now: dt.datetime) -> dict[str, Any] | None:
    if run is None:
        return None
    started = _aware(run.started_at)
    return {
        "id": run.id,
        "as_of": run.as_of.isoformat(),
        "status": run.status,
        "started_at": started.isoformat(),
        "age_hours": round((now - started).total_seconds() / 3600, 1),
    }


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class StoreCollector(Collector):
    """The store's figures as gauges, read at each scrape."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def describe(self) -> list[Any]:
        return []  # read the store only when scraped

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.store.reading() as connection:
                found = health.figures(connection)
        except SQLAlchemyError:
            yield GaugeMetricFamily("auditor_store_up", "1 when the store answered.", value=0)
            return
        yield GaugeMetricFamily("auditor_store_up", "1 when the store answered.", value=1)
        yield from _run_gauges(found)
        yield _labelled("auditor_run_stage_seconds",
                        "Seconds each stage of the latest run took (load, validate, "
                        "context, checks, measures, reconcile, store, email; a failed "
                        "run's up to where it stopped).", "stage",
                        found.stage_seconds)  # fmt: skip
        yield _labelled("auditor_check_duration_seconds",
                        "Seconds each check took on the latest run.", "check",
                        found.check_seconds)  # fmt: skip
        yield _labelled("auditor_open_exceptions",
                        "Open exceptions per check after the latest successful run.",
                        "check", found.open_by_check)  # fmt: skip
        yield _labelled("auditor_rows_read", "Rows read per table on the latest run.",
                        "table", found.read_by_table)  # fmt: skip
        yield _labelled("auditor_rows_rejected", "Rows rejected per table on the latest run.",
                        "table", found.rejected_by_table)  # fmt: skip
        yield _labelled("auditor_emails", "Emails of the latest run by delivery status "
                        "(sending, sent, deferred, rejected).", "status",
                        found.emails_by_status)  # fmt: skip


def _run_gauges(found: health.Figures) -> Iterator[GaugeMetricFamily]:
    latest, succeeded = found.latest, found.latest_succeeded
    if latest is not None:
        yield GaugeMetricFamily("auditor_last_run_id", "Id of the latest run.", value=latest.id)
        ok = GaugeMetricFamily("auditor_last_run_succeeded",
                               "1 when the latest run succeeded, else 0.",
                               value=int(latest.status == "succeeded"))  # fmt: skip
        yield ok
        if latest.finished_at is not None:
            seconds = (latest.finished_at - latest.started_at).total_seconds()
            yield GaugeMetricFamily("auditor_last_run_duration_seconds",
                                    "Wall time of the latest run, start to finish.",
                                    value=seconds)  # fmt: skip
    if succeeded is not None:
        yield GaugeMetricFamily("auditor_last_success_timestamp_seconds",
                                "When the latest successful run started (Unix time).",
                                value=_aware(succeeded.started_at).timestamp())  # fmt: skip


def _labelled(name: str, text: str, label: str, values: dict[str, Any]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text, labels=[label])
    for key, value in values.items():
        family.add_metric([str(key)], value)
    return family


class RequestMetrics:
    """Times every request into the latency histogram, by route template (never the
    raw path: ids would make a series each)."""

    def __init__(self, app: ASGIApp, latency: Histogram, routes: list[BaseRoute]) -> None:
        self.app, self.latency, self.routes = app, latency, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            labels = (self._route(scope), scope["method"], f"{status[0] // 100}xx")
            self.latency.labels(*labels).observe(time.perf_counter() - started)

    def _route(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return getattr(route, "path", "") or "other"
        return "unmatched"
