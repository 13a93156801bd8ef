"""Building the MIME message: multipart structure, headers, transfer encodings."""

from __future__ import annotations

import email.utils
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from unittest import mock

import pytest
from jinja2 import UndefinedError

from notifiers.message import _transfer_encoding, build_message, new_message_id, render_email


def message(text: str = "Hello\n", html: str = "<p>Hello</p>\n", **values: Any) -> EmailMessage:
    fields: dict[str, Any] = {
        "subject": "Case records to fix in your teams: 2 open",
        "from_address": "auditor@probation.example",
        "to_address": "sue.senior@probation.example",
        "to_name": "Sue Senior",
        "message_id": new_message_id("auditor@probation.example", 12),
    }
    fields.update(values)
    return build_message(text=text, html=html, **fields)


def reparsed(built: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(built.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_the_email_is_multipart_alternative_text_then_html() -> None:
    parsed = reparsed(message())
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    assert parts[0].get_content() == "Hello\n"
    assert parts[1].get_content() == "<p>Hello</p>\n"


def test_headers() -> None:
    parsed = reparsed(
        message(message_id="<fixed.1@probation.example>", headers={"X-Auditor-Run": "12"})
    )
    assert parsed["Subject"] == "Case records to fix in your teams: 2 open"
    assert parsed["From"] == "auditor@probation.example"
    assert parsed["To"] == "Sue Senior <sue.senior@probation.example>"
    assert parsed["Message-ID"] == "<fixed.1@probation.example>"
    assert email.utils.parsedate_to_datetime(parsed["Date"]).tzinfo is not None
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Auditor-Run"] == "12"


def test_message_ids_are_unique_and_in_the_senders_domain() -> None:
    ids = {new_message_id("auditor@probation.example", 3) for _ in range(100)}
    assert len(ids) == 100
    assert all(i.startswith("<") and i.endswith("@probation.example>") for i in ids)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("plain ascii\n", "7bit"),
        ("x" * 998 + "\n", "7bit"),
        ("x" * 999 + "\n", "base64"),
        ("Ó Súilleabháin\n", "base64"),
    ],
)
def test_text_is_7bit_when_it_can_be_else_base64(text: str, encoding: str) -> None:
    parsed = reparsed(message(text=text))
    plain, _ = parsed.iter_parts()
    assert plain["Content-Transfer-Encoding"] == encoding
    assert plain.get_content() == text


def test_html_goes_as_ascii_with_character_references() -> None:
    parsed = reparsed(message(html="<p>Ó Súilleabháin – 5 days</p>\n"))
    _, html = parsed.iter_parts()
    assert html["Content-Transfer-Encoding"] == "7bit"
    assert html.get_content() == "<p>&#211; S&#250;illeabh&#225;in &#8211; 5 days</p>\n"


def test_a_name_cannot_add_headers() -> None:
    parsed = reparsed(message(to_name="Sue\r\nBcc: everyone@example.org"))
    assert parsed["Bcc"] is None
    assert parsed["To"].addresses[0].addr_spec == "sue.senior@probation.example"


def test_an_unusable_address_is_refused() -> None:
    with pytest.raises(ValueError):
        message(to_address="not an address")


def test_render_email_refuses_a_missing_value() -> None:
    with pytest.raises(UndefinedError, match="heading"):
        render_email("digest", {})


def standard(text: str, html: str) -> EmailMessage:
    """The message as the standard library alone builds it (set_content, add_alternative)."""
    built = EmailMessage()
    built["Subject"] = "Case records to fix in your teams: 2 open"
    built.set_content(text, cte=_transfer_encoding(text))
    ascii_html = html.encode("ascii", "xmlcharrefreplace").decode("ascii")
    built.add_alternative(ascii_html, subtype="html", cte=_transfer_encoding(ascii_html))
    return built


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Hello\n", "<p>Hello</p>\n"),
        ("", ""),
        ("two\r\nline ends\rand\n\n", "<p>" + "x" * 2000 + "</p>\n"),
        ("Ó Súilleabháin\n" * 50, "<p>Ó – 5 days</p>\n" * 3000),
        ("x" * 999, "<p>" + "y" * 998 + "</p>"),
    ],
)
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_the_bytes_are_the_standard_librarys(text: str, html: str, line_end: str) -> None:
    ours = message(text=text, html=html)
    del ours["From"], ours["To"], ours["Date"], ours["Message-ID"], ours["Auto-Submitted"]
    ours.set_boundary("===============0123456789==")
    theirs = standard(text, html)
    theirs.set_boundary("===============0123456789==")
    flattened = policy.default.clone(linesep=line_end)

    assert ours.as_bytes(policy=flattened) == theirs.as_bytes(policy=flattened)


def test_a_boundary_found_in_the_text_is_not_used() -> None:
    built = message(text="--===============0000000000000000001==\n")
    with mock.patch("random.randrange", side_effect=[1, 2]):
        flattened = built.as_bytes()

    assert b'boundary="===============0000000000000000001==.0"' in flattened
