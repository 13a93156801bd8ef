"""`auditor serve`'s logs: text lines, or one JSON object per line with the time in UTC."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator

import pytest

from auditor.config import LoggingSettings
from auditor.logs import configure_logging


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_logs_are_one_object_per_line(restore_root: None) -> None:
    stream = io.StringIO()
    configure_logging(LoggingSettings(format="json"), stream)

    logging.getLogger("auditor.scheduler").info("run %s as of %s: done", 7, "2026-12-03")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("auditor.web").exception("GET /x failed")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["level"], first["logger"]) == ("INFO", "auditor.scheduler")
    assert first["message"] == "run 7 as of 2026-12-03: done"
    moment = dt.datetime.fromisoformat(first["time"])
    assert moment.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - moment) < dt.timedelta(minutes=1)
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exc_info"]


def test_text_logs_and_the_level_are_as_set(restore_root: None) -> None:
    stream = io.StringIO()
    configure_logging(LoggingSettings(format="text", level="WARNING"), stream)

    logging.getLogger("auditor").info("not shown")
    logging.getLogger("auditor").warning("shown")

    (line,) = stream.getvalue().splitlines()
    assert line.endswith(" WARNING auditor: shown")
