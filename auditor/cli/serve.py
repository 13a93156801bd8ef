"""`auditor serve`: the worklist web app, and the audit on the schedule, until stopped."""

from __future__ import annotations

from typing import Annotated

import typer

from auditor.cli.options import ConfigOption, settings_for


def serve_command(
    config: ConfigOption = None,
    host: Annotated[
        str | None, typer.Option(help="Address to bind the worklist to (default: [web] host).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=0, max=65535, help="Port of the worklist (default: [web] port; 0: any)."),
    ] = None,
    no_schedule: Annotated[
        bool, typer.Option("--no-schedule", help="Serve the worklist only; run no audits.")
    ] = False,
) -> None:
    """Serve the worklist at [web] base_url and run the audit on schedule.cron (default
    weekdays 06:00 Europe/London).

    Logs to stderr ([logging] format: text or json). Missed runs are coalesced into one
    and runs never overlap. After each successful run every SPO gets their email (unless
    notify.enabled is false). SIGTERM or Ctrl-C stops cleanly: open requests and a
    running audit finish first.
    """
    from auditor.notification import notifiers_for
    from auditor.scheduler import cron_trigger

    settings = settings_for(config)
    cron_trigger(settings.schedule)  # a bad cron or time zone stops here, exit 2
    notifiers = notifiers_for(settings)  # so does a bad [notify] transport setting
    from auditor.logs import configure_logging
    from auditor.web.server import serve_web

    configure_logging(settings.logging)

    serve_web(settings, notifiers, host=host, port=port, schedule=not no_schedule)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
