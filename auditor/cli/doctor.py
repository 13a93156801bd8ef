"""`auditor doctor`: tries the config, source, store, email and web settings the way the
service uses them, and prints what is wrong and how to fix it (auditor/doctor.py).
Exits 0 when everything is ready, 1 when something is not."""

from __future__ import annotations

import typer
from rich.markup import escape

from auditor.cli.options import ConfigOption, out


def doctor(config: ConfigOption = None) -> None:
    """Check config, source, store, migrations, email and web; say what to fix."""
    from auditor.doctor import examine

    problems = 0
    for finding in examine(config):
        mark = "[green]ok[/]  " if finding.ok else "[bold red]FAIL[/]"
        out.print(f"{mark} {finding.part:<7} {escape(finding.said)}", soft_wrap=True)
        if not finding.ok:
            problems += 1
            if finding.fix:
                out.print(f"             fix: {escape(finding.fix)}", soft_wrap=True)
    if problems:
        out.print(f"{problems} problem(s) found.")
        raise typer.Exit(1)
    out.print("Ready.")


def register(parent: typer.Typer) -> None:
    parent.command("doctor")(doctor)
