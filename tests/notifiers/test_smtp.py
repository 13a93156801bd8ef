"""The SMTP transport against a real SMTP server (aiosmtpd) in the test process."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from auditor.config import NotifySettings, SmtpSettings
from auditor.errors import ConfigError
from notifiers.base import (
    PermanentDeliveryError,
    TransientDeliveryError,
    TransportUnavailable,
    UnconfirmedDeliveryError,
)
from notifiers.message import build_message, new_message_id
from notifiers.smtp import SmtpNotifier, _data_lines
from tests.notifiers.conftest import (
    DROP,
    Certificate,
    Mailbox,
    SmtpServer,
    authenticator,
    free_port,
)


def email_to(address: str = "sue@probation.example", text: str = "Hello\n") -> EmailMessage:
    return build_message(
        subject="Case records to fix in your teams: 1 open",
        text=text,
        html="<p>Hello</p>\n",
        from_address="auditor@probation.example",
        to_address=address,
        to_name="Sue Senior",
        message_id=new_message_id("auditor@probation.example", 1),
    )


def test_sends_the_message_over_one_connection(smtp_server: SmtpServer) -> None:
    sent = [
        email_to(f"spo{n}@probation.example", text=f"Message {n}\n.leading dot\n") for n in range(3)
    ]
    with SmtpNotifier(smtp_server.settings()) as notifier:
        for message in sent:
            notifier.send(message)
    mailbox = smtp_server.mailbox
    assert mailbox.connections == 1
    assert mailbox.envelopes == [
        ("auditor@probation.example", [f"spo{n}@probation.example"]) for n in range(3)
    ]
    for original, received in zip(sent, mailbox.messages, strict=True):
        assert received["Message-ID"].strip() == original["Message-ID"]  # may be folded
        assert received.get_content_type() == "multipart/alternative"
        plain, html = received.iter_parts()
        assert plain.get_content() == original.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert html.get_content() == "<p>Hello</p>\n"


@pytest.mark.parametrize(
    ("step", "reply", "error"),
    [
        ("rcpt", "451 4.3.0 Try again later", TransientDeliveryError),
        ("rcpt", "550 5.1.1 No such user", PermanentDeliveryError),
        ("data", "452 4.3.1 Insufficient storage", TransientDeliveryError),
        ("data", "554 5.6.0 Message rejected", PermanentDeliveryError),
        ("rcpt", "421 4.3.2 Shutting down", TransportUnavailable),
        ("rcpt", DROP, TransportUnavailable),
        ("data", DROP, UnconfirmedDeliveryError),
    ],
)
def test_failures_are_classified_and_the_next_send_works(
    smtp_server: SmtpServer, step: str, reply: str, error: type[Exception]
) -> None:
    smtp_server.mailbox.script[step] = [reply]
    with SmtpNotifier(smtp_server.settings()) as notifier:
        with pytest.raises(error) as raised:
            notifier.send(email_to())
        if error is TransientDeliveryError:
            assert not isinstance(raised.value, TransportUnavailable)
        if reply != DROP:
            assert reply.split()[0] in str(raised.value)
        notifier.send(email_to())
    assert len(smtp_server.mailbox.messages) == 1


def test_a_refused_recipient_is_permanent(smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.refuse["gone@probation.example"] = "550 5.1.1 Mailbox unavailable"
    notifier = SmtpNotifier(smtp_server.settings())
    with notifier, pytest.raises(PermanentDeliveryError, match="550 5.1.1 Mailbox unavailable"):
        notifier.send(email_to("gone@probation.example"))


def test_server_down_is_transport_unavailable() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout_seconds=2)
    with (
        SmtpNotifier(settings) as notifier,
        pytest.raises(TransportUnavailable, match="cannot open"),
    ):
        notifier.send(email_to())


def test_starttls_with_login(certificate: Certificate) -> None:
    server = SmtpServer(
        Mailbox(),
        free_port(),
        kwargs={
            "tls_context": certificate.server_context(),
            "require_starttls": True,
            "authenticator": authenticator("auditor", "s3cret"),
            "auth_require_tls": True,
        },
    )
    server.start()
    try:
        settings = server.settings(security="starttls", username="auditor")
        with SmtpNotifier(settings, "s3cret", certificate.client_context()) as notifier:
            notifier.send(email_to())
        assert len(server.mailbox.messages) == 1
        wrong = SmtpNotifier(settings, "wrong", certificate.client_context())
        with wrong, pytest.raises(TransportUnavailable, match="535"):
            wrong.send(email_to())
    finally:
        server.stop()


def test_implicit_tls(certificate: Certificate) -> None:
    server = SmtpServer(
        Mailbox(), free_port(), kwargs={"ssl_context": certificate.server_context()}
    )
    server.start()
    try:
        settings = server.settings(security="tls")
        with SmtpNotifier(settings, None, certificate.client_context()) as notifier:
            notifier.send(email_to())
        assert len(server.mailbox.messages) == 1
        untrusted = SmtpNotifier(settings)  # the system's CAs do not know the test certificate
        with untrusted, pytest.raises(TransportUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            untrusted.send(email_to())
    finally:
        server.stop()


def test_the_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = NotifySettings(
        transport="smtp", smtp=SmtpSettings(username="auditor", password_env="TEST_SMTP_PW")
    )
    monkeypatch.delenv("TEST_SMTP_PW", raising=False)
    with pytest.raises(ConfigError, match="TEST_SMTP_PW"):
        SmtpNotifier.from_settings(settings)
    monkeypatch.setenv("TEST_SMTP_PW", "s3cret")
    assert SmtpNotifier.from_settings(settings).password == "s3cret"


@pytest.mark.parametrize(
    ("raw", "data"),
    [
        (b"a\r\nb\r\n", b"a\r\nb\r\n.\r\n"),
        (b"a\nb\rc\r\r\nd", b"a\r\nb\r\nc\r\n\r\nd\r\n.\r\n"),
        (b".a\r\n..b\n.\r.c", b"..a\r\n...b\r\n..\r\n..c\r\n.\r\n"),
        (b"", b"\r\n.\r\n"),
    ],
)
def test_data_has_crlf_line_ends_and_leading_dots_doubled(raw: bytes, data: bytes) -> None:
    assert _data_lines(raw) == data
