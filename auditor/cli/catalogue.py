"""`auditor checks`: the catalogue of checks, with the parameters in force."""

from __future__ import annotations

import typer
from rich.table import Table

from auditor.cli.options import ConfigOption, out, settings_for


def catalogue(config: ConfigOption = None) -> None:
    """List every check: name, title, grain, severity, parameters and the report
    paragraphs behind it."""
    from checks.registry import REGISTRY, parameters

    settings = settings_for(config)
    table = Table(title="Checks (CHECKS.md)", title_justify="left", show_lines=True)
    for column in ("check", "title", "grain", "severity", "parameters", "report"):
        table.add_column(column, overflow="fold")
    for name, cls in REGISTRY.items():
        values = settings.check_settings(name)
        enabled = values.get("enabled", True)
        params = {**parameters(cls), **{k: v for k, v in values.items() if k != "enabled"}}
        shown = "\n".join(f"{k} = {_show(v)}" for k, v in params.items())
        severity = (
            cls.severity_rule
            if params.get("severity", "rule") == "rule"
            else str(params["severity"])
        )
        title = cls.title if enabled else f"{cls.title} [dim](disabled)[/]"
        table.add_row(name, title, cls.grain, severity, shown, ", ".join(cls.paragraphs))
    out.print(table)


def _show(value: object) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


def register(app: typer.Typer) -> None:
    app.command("checks")(catalogue)
