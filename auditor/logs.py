"""Where `auditor serve` logs: stderr, as text lines or, with ``[logging] format =
"json"``, one JSON object per line (python-json-logger) for a log collector: ``time``
(ISO 8601, UTC), ``level``, ``logger``, ``message``, and ``exc_info`` for a failure.

Nothing secret is logged: settings name the environment variables that hold secrets,
never their values, and the store's URL is shown without its password.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from auditor.config import LoggingSettings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _UtcJsonFormatter(JsonFormatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
        return moment.isoformat(timespec="milliseconds")


def configure_logging(settings: LoggingSettings, stream: Any = None) -> logging.Handler:
    """One handler on the root logger, replacing any before it; returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.format == "json":
        renamed = {"asctime": "time", "levelname": "level", "name": "logger"}
        handler.setFormatter(_UtcJsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                               rename_fields=renamed))  # fmt: skip
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level)
    return handler
