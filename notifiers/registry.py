"""The registry of transports: the name used in config.toml's [notify] transport ->
notifier class. Adding a transport is one module and one line here."""

from __future__ import annotations

from auditor.config import NotifySettings
from notifiers.base import Notifier
from notifiers.outbox import OutboxNotifier
from notifiers.smtp import SmtpNotifier

NOTIFIERS: dict[str, type[Notifier]] = {
    OutboxNotifier.name: OutboxNotifier,
    SmtpNotifier.name: SmtpNotifier,
}


def build_notifier(settings: NotifySettings) -> Notifier:
    """The configured transport, ready to send."""
    return NOTIFIERS[settings.transport].from_settings(settings)
