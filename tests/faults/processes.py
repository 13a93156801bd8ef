"""`auditor` in a process of its own, for the fault tests: run to the end, or frozen at
a stage (then killed with SIGKILL by the test).

A frozen run is the real command line (``auditor.cli.main``) with two things added in
this test code only, never in Auditor: each progress line the run reports (the lines
`auditor run` shows on its spinner) is also printed to stdout as it happens, unthrottled;
and the process stops itself (SIGSTOP) at the point the test names: a progress line, or
the entry to (or the return from) one function. The test sees ``frozen: ...``, waits
until the process is stopped, and kills it: so the kill lands exactly there, every time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]

FROZEN = """
import importlib, os, signal, sys
from contextlib import contextmanager
import auditor.cli, auditor.cli.run as run_command

how, where = sys.argv[1], sys.argv[2]

def freeze(point):
    print(f"frozen: {point}", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)

@contextmanager
def status(message):
    def update(text):
        print(f"progress: {text}", flush=True)
        if how == "progress" and text.startswith(where):
            freeze(text)
    yield update

run_command.status = status
if how in ("before", "after"):
    module_name, name = where.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)
    def frozen(*args, **kwargs):
        if how == "before":
            freeze(where)
        result = original(*args, **kwargs)
        if how == "after":
            freeze(where)
        return result
    setattr(module, name, frozen)
auditor.cli.main(sys.argv[3:])
"""


@dataclass(frozen=True)
class Freeze:
    """Where to stop a run: ``how`` is progress (a progress line starting with
    ``where``), before or after (``where`` is ``module:function``), or none."""

    how: str
    where: str = ""


NO_FREEZE = Freeze("none")


def environment() -> dict[str, str]:
    return os.environ | {"COLUMNS": "200", "PYTHONUNBUFFERED": "1"}


def start(*args: str, freeze: Freeze = NO_FREEZE) -> subprocess.Popen[str]:
    """`auditor ARGS` started (stdout and stderr piped), frozen where ``freeze`` says."""
    command = [sys.executable, "-c", FROZEN, freeze.how, freeze.where, *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=environment(),
    )  # fmt: skip


def auditor(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`auditor ARGS` to the end."""
    command = [sys.executable, "-c", "import auditor.cli; auditor.cli.main()", *args]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=environment(), timeout=timeout
    )


def wait_frozen(process: subprocess.Popen[str], timeout: float = 60) -> list[str]:
    """The lines the process printed up to ``frozen: ...``, once it is stopped."""
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("frozen: "):
            break
        assert time.monotonic() < deadline, lines
    else:
        stderr = process.stderr.read() if process.stderr else ""
        raise AssertionError(f"the run ended without freezing: {lines}\n{stderr}")
    while _state(process.pid) != "T":
        assert time.monotonic() < deadline, "never stopped"
        time.sleep(0.01)
    return lines


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL, and wait for it to be gone."""
    process.kill()
    process.wait(timeout=60)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _state(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0]
