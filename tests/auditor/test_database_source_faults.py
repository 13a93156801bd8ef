"""A database source ([source] url) that is wrong or goes wrong, on SQLite and PostgreSQL:
a missing table or column, a column of the wrong type, nothing listening, a wrong
password, an unknown database, a user without SELECT on a table, a connection dropped
half-way through the read. Each is an ExtractError naming the database (its password
hidden), the table and column where there is one, and what to do; `auditor check` and
`auditor run` exit 2 with it, no traceback, and the run records its failure and nothing
else. A user with nothing but SELECT runs: the auditor only reads.

PostgreSQL cases need AUDITOR_TEST_POSTGRES_URL (a superuser): each test makes its own
database (and roles), and drops them after.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from auditor.errors import ExtractError
from auditor.sources import load_database, write_database
from schemas.examples import example_tables
from tests.auditor.source_databases import (
    POSTGRES_URL,
    cutting_proxy,
    execute,
    free_port,
    login_role,
    needs_postgres,
    password_refusing_server,
    postgres,
    postgres_database,
    shown,
    terminate_when_waiting,
)

STOPPED = "The run stopped before any check"
AS_OF = "2026-11-25"


def refusal(url: str) -> str:
    with pytest.raises(ExtractError) as stop:
        load_database(url)
    message = str(stop.value)
    assert STOPPED in message and "Traceback" not in message
    return message


# --- the tables and columns --------------------------------------------------------------


def test_a_missing_table_is_named_with_the_database(source_url: str) -> None:
    execute(source_url, "DROP TABLE documents")

    said = f"database {shown(source_url)}: missing table(s): documents. Give the contract's tables"
    assert said in refusal(source_url)


def test_a_table_named_in_other_letter_case_is_pointed_at(source_url: str) -> None:
    execute(
        source_url,
        "ALTER TABLE documents RENAME TO moved",
        'ALTER TABLE moved RENAME TO "Documents"',
    )

    assert "missing table(s): documents (found 'Documents')" in refusal(source_url)


def test_a_missing_column_names_database_table_and_column(source_url: str) -> None:
    execute(source_url, "ALTER TABLE events DROP COLUMN court_name")

    said = f"database {shown(source_url)} (table events): missing required column(s): court_name."
    assert said in refusal(source_url)


def test_a_contract_column_in_other_letter_case_is_refused_as_in_files(source_url: str) -> None:
    execute(source_url, 'ALTER TABLE events RENAME COLUMN soft_deleted TO "SOFT_DELETED"')

    said = "(table events): the table's column 'SOFT_DELETED' differs from the contract's"
    assert said in refusal(source_url)  # it was read as absent: deleted events counted


def _retype(url: str, column: str, sql_type: str, value: str) -> None:
    """events.<column> of ``sql_type`` (SQLite: as declared, any value), with event 2's
    value ``value``."""
    if postgres(url):
        execute(url, f"ALTER TABLE events ALTER COLUMN {column} TYPE {sql_type}"
                     f" USING {column}::text::{sql_type}")  # fmt: skip
    execute(url, f"UPDATE events SET {column} = '{value}' WHERE event_id = 2")


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("sentence_date", "soon", "'soon' is not a date in the form YYYY-MM-DD"),
        ("sentence_date", "31/01/2026", "'31/01/2026' is not a date in the form YYYY-MM-DD"),
        ("event_number", "two", "'two' is not a whole number"),
        ("event_number", "1.5", "'1.5' is not a whole number"),
        ("active", "yes", "'yes' is not true or false"),
    ],
)
def test_text_that_is_not_its_columns_type_names_table_column_and_key(
    source_url: str, column: str, value: str, problem: str
) -> None:
    _retype(source_url, column, "text", value)

    said = (
        f"database {shown(source_url)} (table events), column {column}, the row with event_id=2: "
    )
    assert said + problem in refusal(source_url)


@pytest.mark.parametrize(
    ("column", "sql_type"),
    [("active", "jsonb"), ("crn", "text[]"), ("crn", "bytea")],
)
@pytest.mark.parametrize("url", [pytest.param("postgres", marks=needs_postgres)])
def test_a_column_whose_sql_type_only_looks_like_a_value_is_refused(
    postgres_admin: sa.Engine, url: str, column: str, sql_type: str
) -> None:
    casts = {"jsonb": "to_jsonb({c})", "text[]": "ARRAY[{c}]", "bytea": "{c}::bytea"}
    with postgres_database(postgres_admin) as source:
        write_database(example_tables(), source)
        using = casts[sql_type].format(c=column)
        execute(source, f"ALTER TABLE events ALTER COLUMN {column} TYPE {sql_type} USING {using}")

        message = refusal(source)  # JSON's true was read as true, an array's {X000001} as a crn

    assert f"(table events), column {column}: has the SQL type" in message
    assert "give it a plain type" in message


# --- connecting ---------------------------------------------------------------------------


@pytest.mark.parametrize("driver", ["postgresql+psycopg"])
def test_nothing_listening_says_check_host_port_and_server(driver: str) -> None:
    url = f"{driver}://ann:s3cret@127.0.0.1:{free_port()}/extract"

    message = refusal(url)

    assert f"database {driver}://ann:***@127.0.0.1:" in message and "s3cret" not in message
    assert "Connection refused" in message
    assert "check the host and port in [source] url, that the database server is running" in message


@pytest.mark.parametrize("url", [pytest.param("postgres", marks=needs_postgres)])
def test_an_unknown_database_or_user_is_named(postgres_admin: sa.Engine, url: str) -> None:
    base = make_url(POSTGRES_URL or "")
    unknown_database = base.set(database=f"nothing_{uuid.uuid4().hex[:8]}")
    unknown_user = base.set(username=f"nobody_{uuid.uuid4().hex[:8]}", password="s3cret")

    database = refusal(unknown_database.render_as_string(False))
    user = refusal(unknown_user.render_as_string(False))

    assert f'database "{unknown_database.database}" does not exist' in database
    assert "check the database name at the end of [source] url" in database
    assert f'role "{unknown_user.username}" does not exist' in user and "s3cret" not in user
    assert "check the user name in [source] url" in user


def test_a_file_that_is_not_a_sqlite_database(tmp_path: Path) -> None:
    (tmp_path / "extract.db").write_text("providers,teams\n")

    message = refusal(f"sqlite:///{tmp_path / 'extract.db'}")

    assert "file is not a database" in message and "must name a SQLite database file" in message


def test_a_url_of_a_kind_without_a_driver_is_a_message() -> None:
    for url in ("mysql://ann:s3cret@db/extract", "nosuchdb://db/extract"):
        message = refusal(url)  # ModuleNotFoundError, NoSuchModuleError: tracebacks before

        assert "cannot open a connection of kind" in message and "s3cret" not in message


def test_a_wrong_password_says_check_user_and_password_and_hides_it() -> None:
    with password_refusing_server() as (port, sent):
        message = refusal(f"postgresql+psycopg://ann:s3cret@127.0.0.1:{port}/extract")

    assert sent and sent[0] == b"s3cret"  # it was tried
    assert (
        f"database postgresql+psycopg://ann:***@127.0.0.1:{port}/extract: cannot be read" in message
    )
    assert 'password authentication failed for user "ann"' in message and "s3cret" not in message
    assert "the password in the environment variable named by [source] password_env" in message


# --- who may read what ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [pytest.param("postgres", marks=needs_postgres)])
def test_a_select_only_user_reads_and_one_without_select_on_a_table_is_told_which(
    postgres_admin: sa.Engine, url: str
) -> None:
    with login_role(postgres_admin) as role, postgres_database(postgres_admin) as source:
        write_database(example_tables(), source)
        execute(source, f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
                f"ALTER ROLE {role} SET default_transaction_read_only = on")  # fmt: skip
        reader = make_url(source).set(username=role).render_as_string(False)

        extract = load_database(reader)  # SELECT is all the auditor needs
        tables = {name: frame.collect() for name, frame in extract.tables.items()}
        execute(source, f"REVOKE SELECT ON contacts FROM {role}")
        message = refusal(reader)

    assert {name: frame.height for name, frame in tables.items()} == {
        name: frame.height for name, frame in example_tables().items()
    }
    assert f"database {shown(reader)} (table contacts): cannot be read (" in message
    assert "permission denied for table contacts" in message
    assert "grant the URL's user SELECT on table contacts (Auditor only reads)" in message


# --- a connection lost half-way ------------------------------------------------------------


@pytest.mark.parametrize("url", [pytest.param("postgres", marks=needs_postgres)])
def test_a_connection_terminated_half_way_through_the_read_names_the_table(
    postgres_admin: sa.Engine, url: str
) -> None:
    with postgres_database(postgres_admin) as source:
        write_database(example_tables(), source)
        engine = sa.create_engine(source)
        terminated: list[int] = []
        try:
            with engine.connect() as locker, locker.begin():
                # the read stops at contacts (the 13th table) until it is terminated
                locker.execute(sa.text("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE"))
                killer = threading.Thread(
                    target=lambda: terminated.extend(
                        terminate_when_waiting(
                            postgres_admin, make_url(source).database or "", "contacts"
                        )
                    )
                )
                killer.start()
                message = refusal(source)
                killer.join()
        finally:
            engine.dispose()

    assert terminated
    assert f"database {shown(source)} (table contacts): cannot be read (" in message
    assert "terminating connection due to administrator command" in message
    assert "the connection was lost while reading table contacts; once the server" in message


@pytest.mark.parametrize("url", [pytest.param("postgres", marks=needs_postgres)])
def test_a_connection_cut_by_the_network_half_way_names_the_table(
    postgres_admin: sa.Engine, url: str
) -> None:
    with postgres_database(postgres_admin) as source:
        write_database(example_tables(), source)
        real = make_url(source)
        with cutting_proxy(real.port or 5432, after=b"FROM contacts") as port:
            message = refusal(real.set(port=port).render_as_string(False))

    assert "(table contacts): cannot be read (" in message
    assert "the connection was lost while reading table contacts; once the server" in message


@pytest.mark.parametrize("url", [pytest.param("postgres", marks=needs_postgres)])
def test_a_user_who_may_not_connect_is_told_what_to_grant(
    postgres_admin: sa.Engine, url: str
) -> None:
    with login_role(postgres_admin) as role, postgres_database(postgres_admin) as source:
        database = make_url(source).database
        execute(source, f"REVOKE CONNECT ON DATABASE {database} FROM PUBLIC")
        message = refusal(make_url(source).set(username=role).render_as_string(False))

    assert f'permission denied for database "{database}"' in message, message
    assert "grant the URL's user CONNECT on the database, USAGE on its schema" in message


def test_a_password_in_the_query_is_hidden_too() -> None:
    port = free_port()
    message = refusal(f"postgresql+psycopg://ann@127.0.0.1:{port}/x?password=s3cret&sslmode=prefer")

    assert f"database postgresql+psycopg://ann@127.0.0.1:{port}/x?sslmode=prefer: " in message
    assert "s3cret" not in message
