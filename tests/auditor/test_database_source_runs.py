"""`auditor check` and `auditor run` on a database source that is wrong or goes wrong:
exit 2 with the message (the database named, its password hidden, the table and column,
what to do), no traceback; a run records its failure, with that message, and nothing
else. A run as a user with nothing but SELECT succeeds: the auditor only reads.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from auditor.cli import check as check_command
from auditor.cli import run as run_command
from auditor.config import StoreSettings
from auditor.sources import write_database
from auditor.store.database import open_store
from schemas.examples import example_tables
from tests.auditor.cli.invoke import Invoke, cli_with
from tests.auditor.processes import ROOT
from tests.auditor.source_databases import (
    POSTGRES_URL,
    execute,
    free_port,
    login_role,
    needs_postgres,
    password_refusing_server,
    postgres_database,
)
from tests.auditor.stores import snapshot

AS_OF = "2026-11-25"
SECRET = "s3cret"
RUN_RECORD = {"runs", "run_stages", "alembic_version"}  # what a failed run may write


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    monkeypatch.setenv("AUDITOR_SOURCE_PASSWORD", SECRET)  # put in URLs without a password
    return cli_with(monkeypatch, capsys, check_command, run_command)


def config(folder: Path, source: str) -> Path:
    path = folder / "config.toml"
    store = f"sqlite:///{folder / 'store.db'}"
    path.write_text(f'[source]\nurl = "{source}"\n\n[store]\nurl = "{store}"\n\n'
                    '[notify]\nenabled = false\n')  # fmt: skip
    return path


def sqlite_source(folder: Path, *statements: str) -> str:
    url = f"sqlite:///{folder / 'extract.db'}"
    write_database(example_tables(), url)
    execute(url, *statements)
    return url


Fault = Callable[[Path], AbstractContextManager[str]]  # a folder -> the source URL


def missing_table(folder: Path) -> AbstractContextManager[str]:
    return nullcontext(sqlite_source(folder, "DROP TABLE documents"))


def text_in_an_int_column(folder: Path) -> AbstractContextManager[str]:
    return nullcontext(
        sqlite_source(folder, "UPDATE events SET event_number = 'two' WHERE event_id = 2")
    )


def nothing_listening(_folder: Path) -> AbstractContextManager[str]:
    return nullcontext(f"postgresql+psycopg://ann@127.0.0.1:{free_port()}/extract")


@contextmanager
def wrong_password(_folder: Path) -> Iterator[str]:
    with password_refusing_server() as (port, _sent):
        yield f"postgresql+psycopg://ann@127.0.0.1:{port}/extract"


@contextmanager
def no_select_on_contacts(_folder: Path) -> Iterator[str]:
    admin = sa.create_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
    try:
        with login_role(admin) as role, postgres_database(admin) as source:
            write_database(example_tables(), source)
            execute(source, f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
                    f"REVOKE SELECT ON contacts FROM {role}")  # fmt: skip
            yield make_url(source).set(username=role).render_as_string(False)
    finally:
        admin.dispose()


FAULTS: dict[str, tuple[Fault, str]] = {
    "missing table": (missing_table, "missing table(s): documents. Give the contract's"),
    "text in an int column": (
        text_in_an_int_column,
        "(table events), column event_number, the row with event_id=2: 'two' is not a whole",
    ),
    "nothing listening": (nothing_listening, "check the host and port in [source] url"),
    "wrong password": (wrong_password, 'password authentication failed for user "ann"'),
    "no SELECT on a table": (
        no_select_on_contacts,
        "(table contacts): cannot be read (permission denied for table contacts)",
    ),
}
CASES = [
    pytest.param(name, marks=needs_postgres if name == "no SELECT on a table" else [])
    for name in FAULTS
]


@pytest.mark.parametrize("fault", CASES)
def test_check_exits_2_with_the_message(cli: Invoke, tmp_path: Path, fault: str) -> None:
    make, said = FAULTS[fault]
    with make(tmp_path) as source:
        code, output = cli("check", "--config", str(config(tmp_path, source)), "--as-of", AS_OF)

    assert code == 2, output
    assert "error:" in output and said in output and "The run stopped before any check" in output
    assert "Traceback" not in output and SECRET not in output


@pytest.mark.parametrize("fault", CASES)
def test_a_run_exits_2_and_records_its_failure_and_nothing_else(
    cli: Invoke, tmp_path: Path, fault: str
) -> None:
    make, said = FAULTS[fault]
    with make(tmp_path) as source:
        code, output = cli("run", "--config", str(config(tmp_path, source)), "--as-of", AS_OF)

    assert code == 2, output
    assert said in output and "Traceback" not in output and SECRET not in output
    store = open_store(StoreSettings(url=f"sqlite:///{tmp_path / 'store.db'}"))
    try:
        stored = snapshot(store)
    finally:
        store.dispose()
    assert {t: rows for t, rows in stored.items() if t not in RUN_RECORD and rows} == {}
    (run,) = stored["runs"]
    assert run[5] == "failed" and said in run[6] and SECRET not in str(run)
    assert run[4] == make_url(source).render_as_string(hide_password=True)


def test_a_url_sqlalchemy_cannot_parse_exits_2_naming_the_setting(
    cli: Invoke, tmp_path: Path
) -> None:
    source = f"postgresql://ann:{SECRET}@db:port/extract"
    for command in ("check", "run"):
        code, output = cli(command, "--config", str(config(tmp_path, source)), "--as-of", AS_OF)

        assert code == 2, output
        assert "setting 'source.url'" in output and "not a SQLAlchemy database URL" in output
        assert "Traceback" not in output and SECRET not in output


def test_in_a_real_process_nothing_listening_is_one_line_on_stderr(tmp_path: Path) -> None:
    source = f"postgresql+psycopg://ann:{SECRET}@127.0.0.1:{free_port()}/extract"
    main = "import auditor.cli; auditor.cli.main()"
    done = subprocess.run(
        [sys.executable, "-c", main, "check", "--config", str(config(tmp_path, source)),
         "--as-of", AS_OF],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: database postgresql+psycopg://ann:***@127.0.0.1:")
    assert "Traceback" not in done.stderr and SECRET not in done.stderr + done.stdout


@pytest.mark.parametrize("url", [pytest.param("postgres", marks=needs_postgres)])
def test_a_run_as_a_user_with_only_select_succeeds(
    cli: Invoke, tmp_path: Path, postgres_admin: sa.Engine, url: str
) -> None:
    with login_role(postgres_admin) as role, postgres_database(postgres_admin) as source:
        write_database(example_tables(), source)
        execute(source, f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
                f"ALTER ROLE {role} SET default_transaction_read_only = on")  # fmt: skip
        reader = make_url(source).set(username=role).render_as_string(False)

        code, output = cli("run", "--config", str(config(tmp_path, reader)), "--as-of", AS_OF)

    assert code == 0, output
    assert "Run 1 as of 2026-11-25 stored in" in output
