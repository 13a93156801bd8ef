"""`auditor serve`: the worklist under uvicorn, and the scheduled audit beside it.

One process: uvicorn serves the web app in the main thread, APScheduler runs the audit
in a background thread (auditor/scheduler.py), both on one store. SIGTERM or SIGINT
stops uvicorn (open requests finish), then the scheduler (a running audit finishes
and commits first). The store's schema is brought up to date before anything starts.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from types import FrameType

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool

from auditor.config import Settings
from auditor.pipeline import Notifier
from auditor.scheduler import start_scheduler, stop_scheduler
from auditor.store.database import open_store
from auditor.web.app import build_app

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn, logging the signal that stops it, and exiting 0 once stopped cleanly
    (uvicorn itself raises the signal again after shutdown)."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        log.info("%s received", signal.Signals(sig).name)
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


def serve_web(
    settings: Settings,
    notifiers: Sequence[Notifier] = (),
    *,
    host: str | None = None,
    port: int | None = None,
    schedule: bool = True,
) -> None:
    """Serve the worklist (and run the audit on schedule unless ``schedule`` is False)
    until a signal stops it."""
    web = settings.web
    store = open_store(settings.store)
    store.upgrade()

    @asynccontextmanager
    async def scheduled(_app: Starlette) -> AsyncIterator[None]:
        """The scheduler starts once uvicorn handles signals, and stops after it."""
        scheduler = start_scheduler(settings, notifiers) if schedule else None
        if scheduler is None:
            log.info("serving the worklist only: no scheduled audits (--no-schedule)")
        yield
        if scheduler is not None:
            await run_in_threadpool(stop_scheduler, scheduler)

    app = build_app(settings, store, lifespan=scheduled)
    config = uvicorn.Config(
        app, host=host or web.host, port=web.port if port is None else port,
        proxy_headers=bool(web.trusted_proxies),
        forwarded_allow_ips=",".join(web.trusted_proxies) or None,
        log_config=None, access_log=False, server_header=False,
    )  # fmt: skip
    try:
        _Server(config).run()
    finally:
        store.dispose()
        log.info("stopped")
