"""The `auditor` command line. Each command lives in its own module and is thin: it
parses options, calls the pipeline and prints. User mistakes exit 2 with a message and
no traceback (AuditorError)."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from auditor.cli.options import err
from auditor.errors import AuditorError

app = typer.Typer(
    name="auditor",
    help="Auditor: finds nDelius-like case records that need fixing, every working day.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


_registered: list[bool] = []


def _register() -> None:
    """Add every command to the app, once. Each command module exposes register(app)."""
    if _registered:
        return
    _registered.append(True)
    from auditor.cli import (
        catalogue,
        check,
        demo,
        doctor,
        generate,
        notify,
        report,
        run,
        serve,
        store,
        users,
        validate,
    )

    for module in (
        demo,
        generate,
        validate,
        check,
        catalogue,
        run,
        serve,
        notify,
        report,
        users,
        store,
        doctor,
    ):
        module.register(app)


def main(argv: list[str] | None = None) -> None:
    _register()
    try:
        app(args=argv, prog_name="auditor", standalone_mode=True)
    except AuditorError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
