"""The monthly trends report to the senior managers (``[report] recipients``): the
trends page's charts as inline PNG images, its headline numbers and league table, for
one calendar month, over every provider.

It goes through the configured transport and the delivery ledger like the morning
emails (notifiers/delivery.py): its ledger rows belong to the month's last run, keyed
``report:YYYY-MM:<address>``, and an address already sent a month's report (under any
run) is not sent it again, so each recipient gets it once a month (at least once: one
whose sending was cut off goes again, with its Message-ID, as notifiers/delivery.py says).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from notifiers.base import Notifier
from notifiers.delivery import Delivery, DeliveryResult
from notifiers.digest import Digest, Summary
from notifiers.message import render_email

CHARTS = ("rate", "by-check", "by-team", "flows", "ageing", "fix", "measures")


@dataclass(frozen=True)
class Report:
    month: str  # YYYY-MM
    run_id: int  # the month's last successful run
    as_of: dt.date
    digests: tuple[Digest, ...]
    images: dict[str, bytes]  # chart name -> PNG


class InlineImages(Notifier):
    """A transport that adds the report's charts to each email's HTML part as related
    images (``cid:chart-<name>@auditor``) before handing it on."""

    name = "inline-images"

    def __init__(self, inner: Notifier, images: dict[str, bytes]) -> None:
        self.inner, self.images = inner, images

    @classmethod
    def from_settings(cls, settings: object) -> InlineImages:  # type: ignore[override]
        raise TypeError("InlineImages wraps another transport")

    def send(self, message: EmailMessage) -> None:
        html = message.get_body(("html",))
        assert html is not None
        for name, png in self.images.items():
            html.add_related(png, "image", "png", cid=f"<{content_id(name)}>",
                             filename=f"{name}.png", disposition="inline")  # fmt: skip
        self.inner.send(message)

    def close(self) -> None:
        self.inner.close()


def content_id(name: str) -> str:
    return f"chart-{name}@auditor"


def ledger_key(month: str, address: str) -> str:
    return f"report:{month}:{address.lower()}"


def report_digests(
    month: str, recipients: Sequence[str], context: dict[str, object]
) -> tuple[Digest, ...]:
    """One email per recipient, rendered from notifiers/templates/report-*."""
    rendered = render_email("report", context | {"cid": content_id})
    empty = Summary(0, 0, 0, 0, 0)
    return tuple(
        Digest(ledger_key(month, address), "report", address, address,  # type: ignore[arg-type]
               rendered.subject, rendered.text, rendered.html, (), empty)
        for address in recipients
    )  # fmt: skip


def deliver_report(
    report: Report, delivery: Delivery, already_sent: set[str]
) -> list[DeliveryResult]:
    """Send each recipient the report unless the ledger holds it as sent for the month."""
    pending = [d for d in report.digests if d.key not in already_sent]
    skipped = [
        DeliveryResult(d.key, d.address, "already_sent", f"report for {report.month} sent")
        for d in report.digests
        if d.key in already_sent
    ]
    with delivery.notifier:
        return skipped + delivery.deliver(pending)
