"""The outbox transport: each email becomes an ``.eml`` file in a folder (the demo's
default). The file is named after the recipient's address and a digest of the
Message-ID (``anne.stone@example.org.3f9a1c2b.eml``): easy to find in the folder, and
sending the same email again replaces its file instead of adding a second one."""

from __future__ import annotations

import hashlib
import os
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Self

from auditor.config import NotifySettings
from notifiers.base import Notifier, PermanentDeliveryError, TransportUnavailable

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


class OutboxNotifier(Notifier):
    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def from_settings(cls, settings: NotifySettings) -> Self:
        return cls(settings.outbox_dir)

    def send(self, message: EmailMessage) -> None:
        message_id = message["Message-ID"]
        if not message_id:
            raise PermanentDeliveryError("the message has no Message-ID to name its file")
        path = self.folder / _file_name(message, str(message_id))
        partial = path.with_name(f".{path.name}.partial")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(message.as_bytes())
            os.replace(partial, path)
        except OSError as exc:
            raise TransportUnavailable(f"cannot write {path}: {exc.strerror or exc}") from exc


def _file_name(message: EmailMessage, message_id: str) -> str:
    to = message["To"]
    addresses = getattr(to, "addresses", ())
    recipient = addresses[0].addr_spec if addresses else "no-recipient"
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:8]
    return f"{_UNSAFE.sub('_', recipient)}.{digest}.eml"
