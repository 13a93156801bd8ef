"""The monthly report's email: one per recipient keyed by month and address, its HTML
escaped, and the charts added as related images before the real transport sends it."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from notifiers.base import Notifier
from notifiers.message import build_message
from notifiers.report import InlineImages, content_id, ledger_key, report_digests

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


class Recording(Notifier):
    name = "recording"

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.closed = False

    @classmethod
    def from_settings(cls, settings: Any) -> Recording:
        return cls()

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    def close(self) -> None:
        self.closed = True


def context(**more: Any) -> dict[str, Any]:
    values = {
        "month_name": "November 2026", "scope": "all providers", "since": "2 Nov 2026",
        "until": "30 Nov 2026", "runs": 21, "rate_text": "12.5", "first_rate_text": "14.0",
        "open_text": "1,250", "cases_text": "10,000", "inflow": "300", "outflow": "410",
        "changes": [], "league": [("<b>T1</b>", "20.0", "-1.0", "12", "http://x/exceptions")],
        "measures": [("RSR score recorded", "61.0 %", "about 50 %")],
        "charts": [("rate", "Open exceptions per 100 active cases", "A line chart.")],
        "trends_url": "http://x/trends",
    }  # fmt: skip
    return values | more


def test_one_email_per_recipient_keyed_by_month_and_address() -> None:
    digests = report_digests("2026-11", ["Boss@Example.org", "pat@example.org"], context())

    assert [d.key for d in digests] == ["report:2026-11:boss@example.org",
                                        "report:2026-11:pat@example.org"]  # fmt: skip
    assert ledger_key("2026-11", "A@B.org") == "report:2026-11:a@b.org"
    assert digests[0].subject == "Auditor trends for November 2026: 12.5 open per 100 cases"
    assert "&lt;b&gt;T1&lt;/b&gt;" in digests[0].html and "<b>T1</b>" not in digests[0].html
    assert f'src="cid:{content_id("rate")}"' in digests[0].html
    assert "Open exceptions: 1,250; active cases: 10,000" in digests[0].text


def test_the_charts_go_as_related_images_through_the_real_transport() -> None:
    digest = report_digests("2026-11", ["boss@example.org"], context())[0]
    message = build_message(subject=digest.subject, text=digest.text, html=digest.html,
                            from_address="auditor@example.org", to_address=digest.address,
                            to_name="", message_id="<1@x>")  # fmt: skip
    inner = Recording()

    with InlineImages(inner, {"rate": PNG, "fix": PNG}) as transport:
        transport.send(message)

    sent = inner.sent[0]
    related = [p for p in sent.walk() if p.get_content_type() == "multipart/related"]
    images = [p for p in sent.walk() if p.get_content_type() == "image/png"]
    assert len(related) == 1 and inner.closed
    assert sorted(str(p["Content-ID"]) for p in images) == ["<chart-fix@auditor>",
                                                           "<chart-rate@auditor>"]  # fmt: skip
    assert all(p.get_content() == PNG for p in images)
    assert sent.get_body(("plain",)) is not None
