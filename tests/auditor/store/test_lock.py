"""One run at a time per store, across processes; a crashed run never blocks the next."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from auditor.errors import RunRefused
from auditor.store.database import Store
from tests.auditor.processes import child

HOLD_THE_LOCK = """
import sys
from auditor.config import StoreSettings
from auditor.store.database import open_store

store = open_store(StoreSettings(url=sys.argv[1]))
with store.run_lock():
    print("locked", flush=True)
    sys.stdin.readline()
"""


@contextmanager
def holder(url: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the run lock until its stdin gets a line (or it dies)."""
    with child(HOLD_THE_LOCK, url, ready="locked") as process:
        yield process


def test_a_second_lock_in_the_same_process_is_refused(store: Store) -> None:
    with (
        store.run_lock(),
        pytest.raises(RunRefused, match="another run is going"),
        store.run_lock(),
    ):
        pass


def test_the_lock_is_free_again_once_released(store: Store) -> None:
    with store.run_lock():
        pass
    with store.run_lock():
        pass


def test_a_lock_held_by_another_process_refuses_the_run(store: Store, store_url: str) -> None:
    with holder(store_url) as process:
        with pytest.raises(RunRefused, match="another run is going") as refused, store.run_lock():
            pass
        assert "password" not in str(refused.value)
        assert process.stdin is not None
        process.stdin.write("done\n")
        process.stdin.flush()
        assert process.wait(timeout=30) == 0

    with store.run_lock():
        pass


def test_a_killed_holder_leaves_no_stale_lock(store: Store, store_url: str) -> None:
    with holder(store_url) as process:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    with store.run_lock():
        pass


def test_the_sqlite_refusal_names_the_holding_process(tmp_path: Path) -> None:
    from auditor.config import StoreSettings
    from auditor.store.database import open_store

    url = f"sqlite:///{tmp_path / 'a.db'}"
    opened = open_store(StoreSettings(url=url))
    with holder(url) as process:
        refused = pytest.raises(RunRefused, match=f"process {process.pid}")
        with refused, opened.run_lock():
            pass
    opened.dispose()


def test_an_unreachable_server_is_a_message_not_a_traceback() -> None:
    from auditor.config import StoreSettings
    from auditor.store.database import open_store
    from auditor.store.lock import StoreUnavailable

    opened = open_store(StoreSettings(url="postgresql+psycopg://nobody@127.0.0.1:1/auditor"))
    with pytest.raises(StoreUnavailable, match="cannot connect to the store"), opened.run_lock():
        pass
