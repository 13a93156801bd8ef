"""`auditor serve` serves the worklist under a real uvicorn on loopback, beside (or
without) the scheduler, and stops cleanly on a signal."""

from __future__ import annotations

import re
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.auditor.cli.invoke import auditor_command
from tests.auditor.processes import ROOT

LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@pytest.mark.parametrize(("options", "scheduled"), [((), True), (("--no-schedule",), False)])
def test_serve_answers_on_loopback_and_stops_on_sigterm(
    tmp_path: Path, options: tuple[str, ...], scheduled: bool
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "store.db"}"\n')
    command = auditor_command("serve", "--config", str(config), "--port", "0", *options)
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=ROOT) as process:
        try:
            assert process.stderr is not None
            seen, url = _until_listening(process.stderr)
            with urllib.request.urlopen(f"{url}/login", timeout=10) as response:
                page = response.read().decode()
                headers = response.headers
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
            rest = process.stderr.read()
        finally:
            process.kill()

    assert "Sign in to Auditor" in page
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert ("serving: cron" in seen) is scheduled
    assert code == 0
    assert "SIGTERM received" in rest and "stopped" in rest


def _until_listening(stream: object) -> tuple[str, str]:
    lines = []
    for line in stream:  # type: ignore[attr-defined]
        lines.append(line)
        found = LISTENING.search(line)
        if found:
            return "".join(lines), found.group(1)
    raise AssertionError("the server never said where it listens:\n" + "".join(lines))
