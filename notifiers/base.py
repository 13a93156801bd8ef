"""The one base every transport subclasses, and the ways a send can fail.

A notifier only moves one finished email (``send(message)``). Which emails to send, the
"already sent" ledger and retries with backoff live in ``notifiers.delivery``, never in a
notifier (STYLE.md rule 5). A notifier says how a send failed by the exception it raises:

- ``TransientDeliveryError``: not sent this time, worth trying again (a 4xx reply);
  ``TransportUnavailable``, a kind of it, means nothing can go through the transport now
  (server down, connection lost, login or sender refused), so delivery stops for this
  round and resumes on the next attempt;
- ``PermanentDeliveryError``: refused for good (a 5xx reply to its recipient or content);
  sending it again will not help, so it is recorded and shown;
- ``UnconfirmedDeliveryError``, a kind of ``TransportUnavailable``: the whole message
  was handed over but the connection failed before the server answered; it may or may
  not have arrived, and, as SMTP says of a message without its 250 reply, it is taken
  as not delivered and sent again, with the same Message-ID (at least once:
  ``notifiers.delivery``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from email.message import EmailMessage
from types import TracebackType
from typing import ClassVar, Self

from auditor.config import NotifySettings


class DeliveryError(Exception):
    """A message could not be delivered; the subclass says whether to try again."""


class TransientDeliveryError(DeliveryError):
    """Not delivered this time; the same message may be sent again later."""


class TransportUnavailable(TransientDeliveryError):
    """Nothing can be sent through this transport now: stop and resume later."""


class PermanentDeliveryError(DeliveryError):
    """Refused for good: sending this message again will not help."""


class UnconfirmedDeliveryError(TransportUnavailable):
    """Handed over in full, but not acknowledged: it may or may not have arrived; sent
    again (with the same Message-ID) when the transport is back."""


class Notifier(ABC):
    """Sends finished emails through one transport. Use as a context manager."""

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: NotifySettings) -> Self:
        """The notifier as config.toml's [notify] section describes it."""

    @abstractmethod
    def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise a DeliveryError subclass."""

    def close(self) -> None:  # noqa: B027 - transports without a connection keep it empty
        """Release any connection; the next send opens a new one."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
