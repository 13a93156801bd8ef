"""Two `auditor serve` processes on one PostgreSQL store, the way a service runs for
availability: both serve the worklist, exactly one runs the scheduled audit, and each
email goes once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from auditor.config import load_settings
from tests.auditor.cli.invoke import auditor_command
from tests.auditor.emails import SPO_ADDRESSES, UNOWNED, addressees, email_config, outbox
from tests.auditor.processes import ROOT

POSTGRES = os.environ.get("AUDITOR_TEST_POSTGRES_URL")
LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")
OUTCOMES = re.compile(r"run \d+ as of \S+: done|already done|not done: ")


@pytest.fixture
def shared_store() -> str:
    if not POSTGRES:
        pytest.skip("AUDITOR_TEST_POSTGRES_URL is not set (.ci/postgres-start)")
    engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS auditor_two_instances WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE auditor_two_instances"))
    engine.dispose()
    return POSTGRES.rsplit("/", 1)[0] + "/auditor_two_instances"


class Instance:
    """`auditor serve` in a process of its own, its log read as it comes."""

    def __init__(self, config: Path) -> None:
        command = auditor_command("serve", "--config", str(config), "--port", "0")
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        with self.process.stderr:  # closed once the process has ended
            for line in self.process.stderr:
                self.lines.append(line)

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=60)
        self.reader.join(timeout=10)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def url(self) -> str:
        found = _waiting(lambda: LISTENING.search(self.log), 60, "never listened", self)
        return found.group(1)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            self.process.kill()


def _waiting(found, seconds: float, what: str, *instances: Instance):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while (result := found()) is None or result is False:
        if time.monotonic() > deadline:
            logs = "\n---\n".join(i.log for i in instances)
            raise AssertionError(f"{what} within {seconds} s:\n{logs}")
        time.sleep(0.2)
    return result


def test_two_instances_serve_and_exactly_one_runs_each_scheduled_audit(
    tmp_path: Path, shared_store: str
) -> None:
    config = email_config(tmp_path, shared_store)
    with config.open("a") as file:  # every minute, so that the test sees one fire
        file.write('\n[schedule]\ncron = "* * * * *"\n')
    env_secret = {"AUDITOR_SESSION_SECRET": "two-instances-" + "s" * 32}
    os.environ.update(env_secret)
    instances = [Instance(config), Instance(config)]
    try:
        pages = []
        for instance in instances:
            with urllib.request.urlopen(f"{instance.url()}/login", timeout=10) as response:
                pages.append(response.read().decode())
        # both fire at a minute's start; each logs what it did
        _waiting(lambda: all(OUTCOMES.search(i.log) for i in instances), 150,
                 "both instances did not act on the schedule", *instances)  # fmt: skip
        codes = [instance.stop() for instance in instances]
    finally:
        for instance in instances:
            instance.close()
        for name in env_secret:
            os.environ.pop(name, None)

    assert all("Sign in to Auditor" in page for page in pages)
    assert codes == [0, 0]
    done = [i for i in instances if re.search(r"run \d+ as of \S+: done", i.log)]
    assert len(done) == 1, [i.log for i in instances]
    other = instances[1 - instances.index(done[0])]
    assert re.search(r"already done|not done: .*(another run|running)", other.log), other.log
    engine = create_engine(shared_store)
    with engine.connect() as connection:
        runs = connection.execute(text("SELECT count(*) FROM runs")).scalar()
    engine.dispose()
    assert runs == 1
    sent = addressees(outbox(load_settings(config)))
    assert set(sent) == SPO_ADDRESSES | {UNOWNED} and set(sent.values()) == {1}
