"""A Python script run in another process, for tests of what crosses processes (the run
lock, a run killed mid-way)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).parents[2]


@contextmanager
def child(script: str, *args: str, ready: str) -> Iterator[subprocess.Popen[str]]:
    """``python -c script args`` from the repository root, yielded once it prints the
    line ``ready``; it waits on its stdin, and is killed on the way out."""
    with subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == ready
            yield process
        finally:
            process.kill()
            process.wait(timeout=60)
