"""Small and read-only filesystems for the store, by mount(8): a tmpfs of a given size
(the disk filling up) and a read-only bind mount. Both need the right to mount (root
with CAP_SYS_ADMIN, as in CI's container and on a CI machine); without it the tests
that need them are skipped, saying so."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip()}): needs root with CAP_SYS_ADMIN")


def _unmount(point: Path) -> None:
    subprocess.run(["umount", "-l", str(point)], check=True, capture_output=True)


@contextmanager
def small_disk(point: Path, size_bytes: int) -> Iterator[Path]:
    """A tmpfs of ``size_bytes`` mounted at ``point`` (created)."""
    point.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(point))
    try:
        yield point
    finally:
        _unmount(point)


def grow(point: Path, size_bytes: int) -> None:
    """More room on a small disk: space freed."""
    subprocess.run(["mount", "-o", f"remount,size={size_bytes}", str(point)], check=True)


@contextmanager
def read_only(folder: Path, point: Path) -> Iterator[Path]:
    """``folder`` seen read-only at ``point`` (a bind mount): root cannot write it."""
    point.mkdir(parents=True, exist_ok=True)
    _mount("--bind", "-o", "ro", str(folder), str(point))
    try:
        yield point
    finally:
        _unmount(point)
