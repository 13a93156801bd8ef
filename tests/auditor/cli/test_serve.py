"""`auditor serve`: runs until a signal, then stops cleanly; a bad schedule exits 2; emails
go after each run unless turned off."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import pytest

import auditor.web.server
from auditor.cli import serve
from auditor.pipeline import Notifier
from tests.auditor.cli.invoke import auditor_command
from tests.auditor.processes import ROOT


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_auditor_serve_stops_cleanly_on_a_signal(tmp_path: Path, stop: signal.Signals) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "store.db"}"\n')
    with subprocess.Popen(
        auditor_command("serve", "--config", str(config), "--port", "0"),
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ) as process:
        try:
            assert process.stderr is not None
            first = read_until(process.stderr, "serving")
            process.send_signal(stop)
            code = process.wait(timeout=30)
            rest = process.stderr.read()
        finally:
            process.kill()

    assert "serving: cron '0 6 * * mon-fri' (Europe/London)" in first
    assert code == 0
    assert f"{stop.name} received" in rest and "stopped" in rest


def read_until(stream: IO[str], text: str) -> str:
    """Lines from a stream up to the first holding ``text`` (or its end)."""
    lines = []
    for line in stream:
        lines.append(line)
        if text in line:
            break
    return "".join(lines)


def test_a_bad_schedule_exits_2_with_a_message(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[schedule]\ncron = "0 6 * *"\n')

    done = subprocess.run(
        auditor_command("serve", "--config", str(config)),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )

    assert done.returncode == 2
    assert "cron '0 6 * *' is not valid" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("enabled", "names"), [("true", ["email"]), ("false", [])])
def test_auditor_serve_emails_after_each_run_unless_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enabled: str, names: list[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[notify]\nenabled = {enabled}\n")
    served: list[Sequence[Notifier]] = []
    monkeypatch.setattr(
        auditor.web.server, "serve_web", lambda _s, notifiers, **_: served.append(notifiers)
    )

    serve.serve_command(config)

    assert [[n.__name__ for n in notifiers] for notifiers in served] == [names]  # type: ignore[attr-defined]
