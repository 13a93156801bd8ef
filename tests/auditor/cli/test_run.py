"""`auditor run`: a summary and exit 0; a message and exit 2 when refused or failing;
a second run while one is going is refused, across processes."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest

from auditor.cli import run as run_command
from auditor.config import StoreSettings, load_settings
from auditor.pipeline import RunResult
from auditor.sources import write_extract
from auditor.store.database import open_store
from schemas.examples import example_tables
from tests.auditor.cli.invoke import Invoke, auditor_command, cli_with
from tests.auditor.emails import CAMDEN_SPO, UNOWNED, addressees, email_config, outbox
from tests.auditor.processes import ROOT, child
from tests.auditor.stores import snapshot

AS_OF = "2026-11-25"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    """Run `auditor ARGS` through the real entry point; returns (exit code, output)."""
    return cli_with(monkeypatch, capsys, run_command)


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Path:
    write_extract(example_tables(), tmp_path / "extract")
    path = tmp_path / "config.toml"
    path.write_text(f'[source]\nextract_dir = "extract"\n\n[store]\nurl = "{store_url}"\n')
    return path


def test_a_run_prints_its_summary_and_exits_0(cli, config: Path, store_url: str) -> None:
    code, output = cli("run", "--config", str(config), "--as-of", AS_OF)

    assert code == 0, output
    assert "Rows read" in output and "offenders" in output
    assert "rsr_missing" in output and "still open" in output and "record missing" in output
    assert "Run 1 as of 2026-11-25 stored in" in output
    assert "reach nobody: add N07 = [addresses] under [notify.unowned]." in output


def test_a_run_emails_each_spo_and_its_summary_names_those_without_an_address(
    cli, tmp_path: Path, store_url: str
) -> None:
    config = email_config(tmp_path, store_url, hackney_spo=None)

    code, output = cli("run", "--config", str(config), "--as-of", AS_OF)

    assert code == 0, output
    assert "Emails: 2 sent" in output
    assert "SPO N07S002 Pat Day has no usable email address: 3 open exception(s)" in output
    assert addressees(outbox(load_settings(config))) == {CAMDEN_SPO: 1, UNOWNED: 1}


def test_a_run_sends_no_email_when_emails_are_turned_off(
    cli, tmp_path: Path, store_url: str
) -> None:
    config = email_config(tmp_path, store_url, "enabled = false")

    code, output = cli("run", "--config", str(config), "--as-of", AS_OF)

    assert code == 0 and "Run 1 as of 2026-11-25" in output
    assert "Emails" not in output and not (tmp_path / "outbox").exists()


def test_a_failed_run_exits_2_with_its_message_and_is_recorded(
    cli, config: Path, store_url: str, tmp_path: Path
) -> None:
    (tmp_path / "extract" / "offenders.parquet").unlink()

    code, output = cli("run", "--config", str(config), "--as-of", AS_OF)

    assert code == 2 and "Traceback" not in output
    assert "offenders" in output
    store = open_store(StoreSettings(url=store_url))
    runs = snapshot(store)["runs"]
    store.dispose()
    assert [(r[5], bool(r[6])) for r in runs] == [("failed", True)]


def test_a_bad_as_of_date_exits_2(cli, config: Path) -> None:
    code, output = cli("run", "--config", str(config), "--as-of", "25/11/2026")

    assert code == 2 and "YYYY-MM-DD" in output


PAUSED_RUN = """
import datetime as dt, pathlib, sys
import auditor.pipeline
from auditor.config import load_settings
from auditor.store import repository

stage = sys.argv[2]
target = auditor.pipeline if stage == "check" else repository
name = "audit" if stage == "check" else "write_run_details"
original = getattr(target, name)

def paused(*args, **kwargs):
    print("paused", flush=True)
    sys.stdin.readline()
    return original(*args, **kwargs)

setattr(target, name, paused)
settings = load_settings(pathlib.Path(sys.argv[1]))
auditor.pipeline.run_audit(settings, dt.date(2026, 11, 25))
print("finished", flush=True)
"""


@contextmanager
def paused_run(config: Path, stage: str) -> Iterator[subprocess.Popen[str]]:
    """A real run in another process, paused inside a stage until its stdin gets a line."""
    with child(PAUSED_RUN, str(config), stage, ready="paused") as process:
        yield process


def auditor_run(config: Path, as_of: str = AS_OF) -> subprocess.CompletedProcess[str]:
    command = auditor_command("run", "--config", str(config), "--as-of", as_of)
    environment = os.environ | {"COLUMNS": "200"}
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=environment)


@pytest.mark.parametrize("stage", ["check", "store"])
def test_a_second_run_while_one_is_going_is_refused(config: Path, stage: str) -> None:
    with paused_run(config, stage) as first:
        second = auditor_run(config)

        assert second.returncode == 2
        assert "another run is going" in second.stderr and "Traceback" not in second.stderr
        assert first.stdin is not None and first.stdout is not None
        first.stdin.write("go on\n")
        first.stdin.flush()
        assert first.stdout.readline().strip() == "finished"
        assert first.wait(timeout=60) == 0


def test_killing_a_run_while_it_stores_leaves_the_store_as_it_was(
    config: Path, store_url: str
) -> None:
    assert auditor_run(config, "2026-11-24").returncode == 0
    store = open_store(StoreSettings(url=store_url))
    before = snapshot(store)

    with paused_run(config, "store") as run:  # its exceptions are written, not committed
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=60)

    assert snapshot(store) == before
    store.dispose()
    assert auditor_run(config).returncode == 0  # no stale lock


@pytest.mark.parametrize(("count", "shown"), [(3, 3), (13, 13), (40, 13)])
def test_a_long_list_of_email_lines_is_cut_short(count: int, shown: int) -> None:
    lines = tuple(f"SPO {n} has no usable email address" for n in range(count))
    result = RunResult(7, dt.date(2026, 11, 25), "store", "source", pl.DataFrame(),
                       pl.DataFrame(), notified=lines)  # fmt: skip
    printed = run_command._shortened(result)
    assert len(printed) == shown
    if count > shown:
        assert printed[-1] == (
            f"... and {count - 12} more: `auditor notify --run 7 --dry-run` lists them all"
        )
