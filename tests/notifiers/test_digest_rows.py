"""The rows rendered in polars are exactly what the digest templates rendered per row
before (the Jinja row templates below, kept here as the reference)."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from notifiers.digest_rows import escaped, html_row, text_row
from notifiers.message import environment

HTML_ROW = """\
{% set badge = {"high": ("#b3261e", "High"), "medium": ("#a15c00", "Medium"), "low": ("#5f6368", "Low")} %}
{% set cell = "padding:8px 6px;border-top:1px solid #e3e6ea;vertical-align:top;" %}
{% set colour, label = badge.get(row.severity, ("#5f6368", row.severity)) %}
<tr><td style="{{ cell }}word-break:break-word;"><span style="padding:1px 6px;background-color:{{ colour }};color:#ffffff;font-size:11px;font-weight:bold;">{{ label }}</span><br><b>{{ row.crn }}</b><br><span style="color:#55606e;">{{ row.person }}</span></td><td style="{{ cell }}"><a href="{{ row.url }}" style="color:#1a56b0;font-weight:bold;">{{ row.title }}</a>{% if row.new %} <span style="padding:0 4px;border:1px solid #1a56b0;color:#1a56b0;font-size:10px;font-weight:bold;">NEW</span>{% endif %}<br><span style="color:#3c4450;">{{ row.reason }}</span></td><td style="{{ cell }}">{% if row.due %}{{ row.due }}{% else %}<span style="color:#55606e;">No due date</span>{% endif %}{% if row.days_overdue %}<br><span style="color:#b3261e;font-weight:bold;">{{ row.days_overdue }}&nbsp;day{{ "s" if row.days_overdue != 1 }} overdue</span>{% endif %}</td></tr>"""  # noqa: E501
TEXT_ROW = """\

{% if row.new %}[NEW] {% endif %}{{ row.severity|upper }} | {{ row.crn }} {{ row.person }} | {{ row.title }}
  {{ row.reason }}
  Due: {{ row.due or "no due date" }}{% if row.days_overdue %} | {{ row.days_overdue }} day{{ "s" if row.days_overdue != 1 }} overdue{% endif +%}
  {{ row.url }}
"""  # noqa: E501

PLAIN: dict[str, Any] = {
    "crn": "X320741", "person": "A.S.", "title": "MAPPA flag missing", "reason": "No flag",
    "severity": "high", "due": "24 Nov 2026", "days_overdue": 3, "new": True,
    "url": "https://auditor.example/exceptions/7",
}  # fmt: skip
ROWS = [
    PLAIN,
    PLAIN | {"new": False, "days_overdue": 1, "severity": "medium"},
    PLAIN | {"due": None, "days_overdue": None, "severity": "low", "new": None},
    PLAIN | {"severity": "urgent & <odd>", "person": None},
    PLAIN | {"reason": "<script>alert('x')</script> & \"quoted\" &amp;", "person": "O'C. & P."},
    PLAIN | {"title": "Tom & Jerry's <b>", "url": "https://a.example/e?x=1&y='2'"},
    PLAIN | {"reason": "", "crn": "Ó Súilleabháin", "days_overdue": 1415},
]


def rendered(template: str, row: dict[str, Any], html: bool) -> str:
    """The row as the digest template rendered it (its settings; autoescaped HTML)."""
    return environment().overlay(autoescape=html).from_string(template).render(row=row)


@pytest.mark.parametrize("row", ROWS)
def test_a_rows_html_is_what_the_template_rendered(row: dict[str, Any]) -> None:
    frame = pl.DataFrame([row], schema=_SCHEMA)

    assert frame.select(html_row()).item() == rendered(HTML_ROW, row, html=True)


@pytest.mark.parametrize("row", ROWS)
def test_a_rows_text_is_what_the_template_rendered(row: dict[str, Any]) -> None:
    frame = pl.DataFrame([row], schema=_SCHEMA)

    assert frame.select(text_row()).item() == rendered(TEXT_ROW, row, html=False)


def test_escaping_is_markupsafes() -> None:
    text = "a&b<c>d\"e'f &amp;"
    frame = pl.DataFrame({"t": [text]})

    assert frame.select(escaped(pl.col("t"))).item() == "a&amp;b&lt;c&gt;d&#34;e&#39;f &amp;amp;"


_SCHEMA = {
    "crn": pl.String, "person": pl.String, "title": pl.String, "reason": pl.String,
    "severity": pl.String, "due": pl.String, "days_overdue": pl.Int64, "new": pl.Boolean,
    "url": pl.String,
}  # fmt: skip
