"""`auditor store`: back up and restore the configured store (SQLite; PostgreSQL has
pg_dump and pg_restore, and these commands say so).

    auditor store backup backups/auditor-2026-12-03.db
    auditor store restore backups/auditor-2026-12-03.db --yes
    auditor store prune [--dry-run]

A backup is taken online (the worklist and a run may carry on), checked, and appears
whole or not at all. A restore replaces everything in the store with the backup's
contents (refused during a run), then brings it up to this version's migrations.
Prune deletes what the ``[store]`` retention settings no longer keep (the scheduler
does it after each run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditor.cli.options import ConfigOption, out, settings_for

app = typer.Typer(help="Back up or restore the exception store.", no_args_is_help=True)
FileArgument = Annotated[Path, typer.Argument(help="The backup file.")]


@app.command("backup")
def backup_command(
    destination: FileArgument,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    config: ConfigOption = None,
) -> None:
    """Copy the store to a file, online, checked, whole or not at all."""
    from auditor.store.backup import backup
    from auditor.store.database import open_store

    store = open_store(settings_for(config).store)
    size = backup(store, destination, overwrite=force)
    out.print(f"backed up {store.where} to {destination} ({size / 1e6:.1f} MB)", highlight=False)


@app.command("restore")
def restore_command(
    source: FileArgument,
    yes: Annotated[
        bool, typer.Option("--yes", help="Yes: replace everything in the store with the backup.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Replace the store's contents with a backup (refused during a run)."""
    from auditor.errors import AuditorError
    from auditor.store.backup import restore
    from auditor.store.database import open_store

    if not yes:
        raise AuditorError("a restore replaces everything in the store: add --yes to go ahead")
    store = open_store(settings_for(config).store)
    revision = restore(store, source)
    out.print(f"restored {store.where} from {source} (migration {revision}, now up to date)",
              highlight=False)  # fmt: skip


@app.command("prune")
def prune_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would go; delete nothing.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Delete the rejects and history the [store] retention settings no longer keep."""
    from auditor.store.database import open_store
    from auditor.store.retention import prune

    settings = settings_for(config).store
    store = open_store(settings)
    store.upgrade()
    pruned = prune(store, settings, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    kept = {"rejects": settings.reject_retention_days, "history": settings.history_retention_days}
    shown = {name: f"{days} days" if days else "everything" for name, days in kept.items()}
    out.print(f"{verb} {pruned.rejects} rejected rows (keeping {shown['rejects']}) and "
              f"{pruned.history} history rows (keeping {shown['history']})",
              highlight=False)  # fmt: skip


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="store")
