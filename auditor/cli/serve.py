"""`auditor serve`: run the audit on the schedule in config.toml until stopped."""

from __future__ import annotations

import logging

import typer

from auditor.cli.options import ConfigOption, settings_for
from auditor.notification import notifiers_for
from auditor.scheduler import cron_trigger, serve

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def serve_command(config: ConfigOption = None) -> None:
    """Run the audit on schedule.cron in the config (default weekdays 06:00 Europe/London).

    Logs each run to stderr. Missed runs are coalesced into one and runs never overlap.
    After each successful run every SPO gets their email (unless notify.enabled is
    false in the config). SIGTERM or Ctrl-C stops cleanly, letting a running audit finish first.
    """
    settings = settings_for(config)
    cron_trigger(settings.schedule)  # a bad cron or time zone stops here, exit 2
    notifiers = notifiers_for(settings)  # so does a bad [notify] transport setting
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    serve(settings, notifiers=notifiers)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
