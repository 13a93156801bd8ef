"""The SMTP transport: one connection kept open across sends (plain, STARTTLS or implicit
TLS, with a login when a user name is set; the password comes from the environment).

Each send is one SMTP transaction, and its failure is classified by where it happened:
a reply of 421 or a broken connection before the end of the data means the server is
unavailable; another 4xx reply is transient; a 5xx reply to the recipient or the data
is permanent; a connection lost after the final dot but before the reply leaves the
message unconfirmed (the server may have taken it; it is sent again, at least once)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses
from typing import NoReturn, Self

from auditor.config import NotifySettings, SmtpSettings, secret
from auditor.errors import ConfigError
from notifiers.base import (
    Notifier,
    PermanentDeliveryError,
    TransientDeliveryError,
    TransportUnavailable,
    UnconfirmedDeliveryError,
)


class SmtpNotifier(Notifier):
    name = "smtp"

    def __init__(
        self,
        settings: SmtpSettings,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.password = password
        self.tls_context = tls_context or ssl.create_default_context()
        self._connection: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls, settings: NotifySettings) -> Self:
        smtp = settings.smtp
        password = secret(smtp.password_env)
        if smtp.username and password is None:
            raise ConfigError(
                f"[notify.smtp] username is set but the environment variable "
                f"{smtp.password_env} holding its password is not."
            )
        return cls(smtp, password)

    def send(self, message: EmailMessage) -> None:
        sender = _addresses(message, "From")[0]
        recipients = _addresses(message, "To")
        data = _data_lines(message.as_bytes(policy=SMTP_POLICY))
        connection = self._connect()
        try:
            self._transact(connection, sender, recipients, data)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TransportUnavailable(f"SMTP connection to {self._where()} lost: {exc}") from exc

    def probe(self) -> str:
        """Connect, greet, secure and sign in as a delivery would, then hang up: what
        `auditor doctor` checks. Returns what the server said it is."""
        connection = self._connect()
        greeting = (connection.ehlo_resp or b"").decode("utf-8", "replace").splitlines()
        self.close()
        return greeting[0] if greeting else self._where()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()

    def _transact(
        self, connection: smtplib.SMTP, sender: str, recipients: list[str], data: bytes
    ) -> None:
        code, reply = connection.mail(sender)
        if code != 250:
            self._refused(connection, "MAIL FROM", code, reply, sender_refused=True)
        for recipient in recipients:
            code, reply = connection.rcpt(recipient)
            if code not in (250, 251):
                self._refused(connection, f"RCPT TO {recipient}", code, reply)
        code, reply = connection.docmd("DATA")
        if code != 354:
            self._refused(connection, "DATA", code, reply)
        connection.send(data)
        try:
            code, reply = connection.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise UnconfirmedDeliveryError(
                f"SMTP connection to {self._where()} lost after the message was sent, "
                f"before the server confirmed it: {exc}"
            ) from exc
        if code != 250:
            self._refused(connection, "end of data", code, reply)

    def _refused(
        self,
        connection: smtplib.SMTP,
        step: str,
        code: int,
        reply: bytes,
        sender_refused: bool = False,
    ) -> NoReturn:
        text = f"{step}: {code} {reply.decode('utf-8', 'replace')}"
        if code == 421 or code < 400:
            self._drop()
            raise TransportUnavailable(f"SMTP server {self._where()} unavailable: {text}")
        self._reset(connection)
        if sender_refused:
            raise TransportUnavailable(f"SMTP server {self._where()} refused the sender: {text}")
        if code < 500:
            raise TransientDeliveryError(text)
        raise PermanentDeliveryError(text)

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        settings = self.settings
        timeout = settings.timeout_seconds
        try:
            if settings.security == "tls":
                connection: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=timeout, context=self.tls_context
                )
            else:
                connection = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
            self._connection = connection
            connection.ehlo()
            if settings.security == "starttls":
                connection.starttls(context=self.tls_context)
                connection.ehlo()
            if settings.username:
                connection.login(settings.username, self.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise TransportUnavailable(f"cannot open SMTP to {self._where()}: {exc}") from exc
        return connection

    def _reset(self, connection: smtplib.SMTP) -> None:
        try:
            code, _ = connection.rset()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"


def _addresses(message: EmailMessage, header: str) -> list[str]:
    found = [address for _, address in getaddresses(message.get_all(header, [])) if address]
    if not found:
        raise PermanentDeliveryError(f"the message has no {header} address")
    return found


def _data_lines(raw: bytes) -> bytes:
    """The message as SMTP DATA: CRLF line ends, leading dots doubled, the final dot.

    Byte replaces, not regular expressions: this reads every byte of every email (a
    national run sends hundreds of megabytes), and a message rendered with the SMTP
    policy already ends every line with CRLF, which three counts confirm."""
    if not raw.count(b"\r") == raw.count(b"\n") == raw.count(b"\r\n"):  # a bare CR or LF
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
    data = raw.replace(b"\n.", b"\n..")
    if data.startswith(b"."):
        data = b"." + data
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"
