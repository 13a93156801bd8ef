"""The store's schema, created and upgraded by Alembic, programmatically.

``upgrade(engine)`` brings a store to the latest revision (``auditor run`` and
``auditor serve`` call it at start, under the run lock, so an operator never runs
Alembic by hand). The migration scripts live beside this file (``env.py``,
``versions/``) and ship in the package; no alembic.ini is needed. To write a new
migration after changing auditor/store/models.py::

    python -c "from auditor.store.migrations import new_revision; new_revision('message')"

and review the generated file: tests/store/test_migrations.py fails while the models
and the migrations disagree.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from auditor.errors import AuditorError
from auditor.store.models import Base

HERE = Path(__file__).parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the migrations in this package, bound to a connection."""
    config = Config(attributes={"connection": connection})
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    return config


class StoreTooNew(AuditorError):
    """The store was written by a newer Auditor than this one: it is never downgraded."""


# PostgreSQL: held by the transaction that migrates, so that two processes starting at
# once (two instances of `auditor serve`) migrate one after the other; the second finds
# the store up to date. SQLite's write transaction (BEGIN IMMEDIATE) does the same.
MIGRATION_LOCK = zlib.crc32(b"auditor store migrations")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the store's tables, in one transaction."""
    with engine.begin() as connection:
        upgrade_in(connection, revision)


def upgrade_in(connection: Connection, revision: str = "head") -> None:
    """``upgrade`` in the caller's (write) transaction, one process at a time."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None and current not in known_revisions():
        where = connection.engine.url.render_as_string(hide_password=True)
        raise StoreTooNew(
            f"the store {where} is at migration {current}, which this version of Auditor "
            f"does not know (its latest is {head_revision()}): a newer Auditor wrote it. "
            "Upgrade Auditor, or restore a backup this version wrote."
        )
    command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    """Every revision of this version's migrations (a store at any of them can be
    brought to the head)."""
    return {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def schema_differences(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match the models (empty when
    the migrations and the models agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def new_revision(message: str, url: str = "sqlite:///:memory:") -> None:
    """Autogenerate a migration script from the models (a developer's tool)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
