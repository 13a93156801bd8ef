"""Rendering an email from its templates, and building the MIME message to send.

``render_email(name, context)`` renders ``templates/{name}-subject.txt``,
``{name}-body.txt`` and ``{name}-body.html`` (only the HTML is autoescaped), as
healthchecks' ``hc/lib/emails.py`` does. ``build_message`` wraps the result in a
multipart/alternative ``EmailMessage`` with the headers mail clients expect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
MAX_LINE = 998  # RFC 5322's limit for a line of a 7bit body
_WHITESPACE = re.compile(r"\s+")


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
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = from_address
    message["To"] = Address(display_name=_one_line(to_name), addr_spec=to_address)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text, cte=_transfer_encoding(text))
    ascii_html = html.encode("ascii", "xmlcharrefreplace").decode("ascii")
    message.add_alternative(ascii_html, subtype="html", cte=_transfer_encoding(ascii_html))
    return message


def _transfer_encoding(body: str) -> str:
    """7bit when the body is ASCII with lines SMTP can carry, else base64 (fast to encode
    and decode; quoted-printable is pure Python and far slower for large digests)."""
    if body.isascii() and max(map(len, body.splitlines()), default=0) <= MAX_LINE:
        return "7bit"
    return "base64"


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()
