"""Source databases for the tests of a database source: a PostgreSQL database (and a
role) of its own per test, and stand-ins for what the test server cannot do itself — a
server that refuses a password (it trusts local users), and a network that cuts a
connection half-way.

PostgreSQL needs AUDITOR_TEST_POSTGRES_URL (a superuser); without it those cases skip.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from auditor.sources import write_database
from schemas.examples import example_tables

POSTGRES_URL = os.environ.get("AUDITOR_TEST_POSTGRES_URL")
needs_postgres = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="AUDITOR_TEST_POSTGRES_URL is not set"),
]
SOURCES = ["sqlite", pytest.param("postgres", marks=needs_postgres)]


@pytest.fixture
def postgres_admin() -> Iterator[sa.Engine]:
    """The test server's superuser (autocommit), to make and drop databases and roles."""
    engine = sa.create_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@contextmanager
def postgres_database(admin: sa.Engine) -> Iterator[str]:
    """The URL of a new, empty database (as the superuser), dropped on the way out."""
    name = f"source_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(POSTGRES_URL or "").set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))


@pytest.fixture(params=SOURCES)
def source_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a source database holding the contract's example extract."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'extract.db'}"
        write_database(example_tables(), url)
        yield url
        return
    engine = sa.create_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
    try:
        with postgres_database(engine) as url:
            write_database(example_tables(), url)
            yield url
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def postgres(url: str) -> bool:
    return url.startswith("postgresql")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _read(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the client went away")
        data += chunk
    return data


def _refuse_the_password(connection: socket.socket, sent: list[bytes]) -> None:
    """One PostgreSQL start-up (protocol 3): no TLS, a password asked in clear, refused."""
    while True:
        length, code = struct.unpack("!ii", _read(connection, 8))
        if code not in (80877103, 80877104):  # SSLRequest, GSSENCRequest: "N", go on
            break
        connection.sendall(b"N")
    _read(connection, length - 8)  # user, database, options
    connection.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
    _read(connection, 1)
    (length,) = struct.unpack("!i", _read(connection, 4))
    sent.append(_read(connection, length - 4).rstrip(b"\0"))
    fields = b'SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "ann"\0\0'
    connection.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)


@contextmanager
def password_refusing_server() -> Iterator[tuple[int, list[bytes]]]:
    """A PostgreSQL server, in a thread, that refuses every password (the test server
    trusts local users, so cannot): its port, and the passwords it was sent."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    sent: list[bytes] = []
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection, suppress(ConnectionError, struct.error):
                _refuse_the_password(connection, sent)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], sent
    finally:
        done.set()
        thread.join(timeout=10)
        listener.close()


@contextmanager
def login_role(admin: sa.Engine) -> Iterator[str]:
    """A new role that may log in and nothing else; dropped on the way out (after the
    databases that granted it anything)."""
    role = f"reader_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
    try:
        yield role
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP ROLE {role}"))


def terminate_when_waiting(admin: sa.Engine, database: str, table: str) -> list[int]:
    """Terminate the backend of ``database`` that waits for a lock on ``table``'s read."""
    waiting = sa.text(
        "SELECT pid FROM pg_stat_activity WHERE datname = :database "
        "AND wait_event_type = 'Lock' AND query LIKE :query"
    )
    deadline = time.monotonic() + 30
    with admin.connect() as connection:
        while time.monotonic() < deadline:
            found = connection.execute(waiting, {"database": database, "query": f"%FROM {table}%"})
            pids = list(found.scalars())
            if pids:
                connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pids[0]})
                return pids
            time.sleep(0.02)
    return []


@contextmanager
def cutting_proxy(port: int, after: bytes) -> Iterator[int]:
    """A TCP proxy in front of 127.0.0.1:``port`` that, once the client has sent ``after``,
    passes on a few bytes of the answer and then cuts both ends, as a network would."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    done = threading.Event()

    def pump(source: socket.socket, target: socket.socket, seen: threading.Event, up: bool) -> None:
        try:
            while data := source.recv(65536):
                if up and after in data:
                    seen.set()
                if not up and seen.is_set():
                    target.sendall(data[:5])
                    break
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):  # shutdown wakes the other pump's recv; close does not
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def serve() -> None:
        while not done.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            server = socket.create_connection(("127.0.0.1", port))
            seen = threading.Event()
            for ends in ((client, server, True), (server, client, False)):
                threading.Thread(target=pump, args=(*ends[:2], seen, ends[2]), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(timeout=10)
        listener.close()
