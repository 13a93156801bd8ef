"""Rendering an email from its templates, and building the MIME message to send.

``render_email(name, context)`` renders ``templates/{name}-subject.txt``,
``{name}-body.txt`` and ``{name}-body.html`` (only the HTML is autoescaped), as
healthchecks' ``hc/lib/emails.py`` does. ``build_message`` wraps the result in a
multipart/alternative ``EmailMessage`` with the headers mail clients expect.

The message it builds is an ``Email``: an ``EmailMessage`` whose ``as_bytes`` gives the
same bytes as the standard library's, faster for large digests (a national morning
sends some 110 MB): a body goes out in one piece rather than a write per line, and the
check that a multipart boundary is not in the text is a substring search instead of a
regular expression over it.
"""

from __future__ import annotations

import binascii
import random
import re
import sys
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.policy import Policy, default
from email.utils import formatdate, make_msgid
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
MAX_LINE = 998  # RFC 5322's limit for a line of a 7bit body
_WHITESPACE = re.compile(r"\s+")
_LINE_END = re.compile(r"\r\n|\r|\n")  # email.generator's NLCRE


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_email(name: str, context: dict[str, Any]) -> RenderedEmail:
    """The subject (one line), plain text and HTML of the email called ``name``."""
    env = environment()
    subject = env.get_template(f"{name}-subject.txt").render(context)
    return RenderedEmail(
        subject=_WHITESPACE.sub(" ", subject).strip(),
        text=env.get_template(f"{name}-body.txt").render(context),
        html=env.get_template(f"{name}-body.html").render(context),
    )


def new_message_id(from_address: str, run_id: int) -> str:
    """A fresh Message-ID in the sender's domain; the ledger keeps it for resends."""
    domain = from_address.rpartition("@")[2] or "localhost"
    return make_msgid(idstring=f"r{run_id}", domain=domain)


def build_message(
    *,
    subject: str,
    text: str,
    html: str,
    from_address: str,
    to_address: str,
    to_name: str,
    message_id: str,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A multipart/alternative email: the plain text first, then the HTML.

    Raises ValueError when an address cannot be used in a header.
    """
    message = Email()
    message["Subject"] = subject
    message["From"] = _parsed("From", from_address)
    message["To"] = Address(display_name=_one_line(to_name), addr_spec=to_address)
    message["Date"] = _parsed("Date", formatdate(localtime=True))
    message["Message-ID"] = message_id
    # RFC 3834: no out-of-office replies
    message["Auto-Submitted"] = _parsed("Auto-Submitted", "auto-generated")
    for name, value in (headers or {}).items():
        message[name] = _parsed(name, value)
    for name, header in _HEADERS[:2]:  # MIME-Version, Content-Type: multipart/alternative
        message[name] = header
    message.attach(_text_part(text, "plain"))
    ascii_html = html.encode("ascii", "xmlcharrefreplace").decode("ascii")
    message.attach(_text_part(ascii_html, "html"))
    return message


@lru_cache(maxsize=256)
def _parsed(name: str, value: str) -> Any:
    """A header as EmailMessage stores it (parsed: a ValueError for a bad one), parsed
    once for the many emails of a run that share it (their sender, date, run)."""
    return default.header_store_parse(name, value)[1]


def _text_part(body: str, subtype: str) -> Email:
    """A text part as ``set_content(body, subtype=subtype, cte=...)`` and
    ``add_alternative`` make it (the same headers and payload), without their cost per
    message: the headers are parsed once, not for each email."""
    cte = _transfer_encoding(body)
    part = Email()
    for name, header in _part_headers(subtype, cte):
        part[name] = header  # already parsed: stored as it is
    lines = body.encode("utf-8").splitlines()
    payload = b"\n".join(lines) + b"\n"
    part.set_payload(payload.decode("ascii") if cte == "7bit" else _base64(payload))
    return part


@cache
def _part_headers(subtype: str, cte: str) -> list[tuple[str, Any]]:
    """The headers the standard library gives such a part: the text (the first part)
    has the content headers moved from the message; the HTML, set on a part of its own,
    has MIME-Version too."""
    part = EmailMessage() if subtype == "html" else MIMEPart()
    part.set_content("", subtype=subtype, cte=cte)
    return part.items()


def _base64(data: bytes) -> str:
    """Base64 in lines of 76 characters, each with its line end, as email's
    contentmanager writes it for the default policy (78 // 4 * 3 = 57 bytes a line)."""
    encoded = binascii.b2a_base64(data, newline=False)
    width = default.max_line_length // 4 * 4  # type: ignore[operator]
    lines = [encoded[start : start + width] for start in range(0, len(encoded), width)]
    return (b"\n".join(lines) + b"\n").decode("ascii") if lines else ""


def _multipart_headers() -> list[tuple[str, Any]]:
    message = EmailMessage()
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = "multipart/alternative"
    return message.items()


_HEADERS = _multipart_headers()


def _transfer_encoding(body: str) -> str:
    """7bit when the body is ASCII with lines SMTP can carry, else base64 (fast to encode
    and decode; quoted-printable is pure Python and far slower for large digests)."""
    if body.isascii() and max(map(len, body.splitlines()), default=0) <= MAX_LINE:
        return "7bit"
    return "base64"


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


class Email(EmailMessage):
    """An EmailMessage that is quicker to turn into bytes (the same bytes)."""

    def as_bytes(self, unixfrom: bool = False, policy: Policy | None = None) -> bytes:
        buffer = BytesIO()
        generator = _BytesGenerator(buffer, mangle_from_=False, policy=policy or self.policy)
        generator.flatten(self, unixfrom=unixfrom)
        return buffer.getvalue()


class _BytesGenerator(BytesGenerator):
    """email.generator.BytesGenerator with two of its steps done in one pass each."""

    def _write_lines(self, lines: str) -> None:
        """Each line end as the policy's, written at once (the standard library writes
        each line and each line end by itself)."""
        if lines:
            same = self._NL == "\n" and "\r" not in lines  # type: ignore[attr-defined]
            self.write(lines if same else _LINE_END.sub(self._NL, lines))  # type: ignore[attr-defined]

    @classmethod
    def _make_boundary(cls, text: str | bytes | None = None) -> str:
        """A random boundary as the standard library makes it; one that appears in the
        text anywhere (not only as a whole line: a stricter test) gets a suffix."""
        token = random.randrange(sys.maxsize)
        boundary = "=" * 15 + f"{token:0{len(repr(sys.maxsize - 1))}d}" + "=="
        if text is None:
            return boundary
        chosen, counter = boundary, 0
        while _contains(text, f"--{chosen}"):
            chosen, counter = f"{boundary}.{counter}", counter + 1
        return chosen


def _contains(text: str | bytes, part: str) -> bool:
    return (part.encode("ascii") in text) if isinstance(text, bytes) else (part in text)
