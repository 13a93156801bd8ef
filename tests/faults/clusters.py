"""A private PostgreSQL cluster for one test module, to restart and to fill up: initdb
and pg_ctl from the installed server (as .ci/postgres-start does), on a free port, in a
temporary folder, run as the postgres user (``su postgres``). Never the shared server."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.notifiers.conftest import free_port


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    if not found or os.geteuid() != 0 or shutil.which("su") is None:
        pytest.skip("a private PostgreSQL cluster needs the server's binaries and root (su)")
    return Path(found[-1])


def as_postgres(command: str) -> None:
    done = subprocess.run(["su", "postgres", "-c", command], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@dataclass
class Cluster:
    bindir: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, action: str) -> None:
        options = (f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=40")  # fmt: skip
        as_postgres(f"{self.bindir}/pg_ctl -D {self.data} -o '{options}' -l {self.data}/log "
                    f"-m fast -w {action}")  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        """Fast shutdown (every session ended, open transactions rolled back), start."""
        self._ctl("restart")

    def stop(self) -> None:
        self._ctl("stop")


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="auditor-faults-pg-"))
    folder.chmod(0o755)
    data = folder / "data"
    data.mkdir()
    shutil.chown(data, "postgres", "postgres")
    as_postgres(f"{bindir}/initdb -D {data} -A trust -U postgres >/dev/null")
    cluster = Cluster(bindir, data, free_port())
    cluster.start()
    try:
        yield cluster
    finally:
        subprocess.run(["su", "postgres", "-c", f"{bindir}/pg_ctl -D {data} -m immediate stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)
