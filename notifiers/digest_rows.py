"""A digest's rows rendered in polars: each exception's HTML table row and text block.

The digest templates lay out the email; the rows inside it (a national morning sends
about 100,000 of them in some 800 emails) are rendered here, one expression for every
row at once, instead of one template loop step per row, which cost seconds. The markup
and text are exactly what ``digest-body.html`` and ``digest-body.txt`` show around them,
and the HTML escapes text from the data as Jinja's autoescape does (markupsafe: & < > "
and ').

``html_row()`` and ``text_row()`` read the row columns of ``notifiers.digest.Row``
(crn, person, title, reason, severity, due, days_overdue, new, url), all but
days_overdue and new as text.
"""

from __future__ import annotations

import polars as pl

BADGES = {"high": ("#b3261e", "High"), "medium": ("#a15c00", "Medium"), "low": ("#5f6368", "Low")}
OTHER_BADGE = "#5f6368"  # an unknown severity: grey, labelled with the severity itself
CELL = "padding:8px 6px;border-top:1px solid #e3e6ea;vertical-align:top;"
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}


def html_row() -> pl.Expr:
    """One ``<tr>`` of the digest's table for each row, without the line end."""
    severity = pl.col("severity")
    colours = {name: colour for name, (colour, _) in BADGES.items()}
    colour = severity.replace_strict(colours, default=pl.lit(OTHER_BADGE)).fill_null(OTHER_BADGE)
    labels = {name: label for name, (_, label) in BADGES.items()}
    label = _shown(severity.replace_strict(labels, default=severity))
    return pl.concat_str(
        pl.lit(f'<tr><td style="{CELL}word-break:break-word;"><span style="padding:1px 6px;'
               "background-color:"), colour,
        pl.lit(';color:#ffffff;font-size:11px;font-weight:bold;">'), escaped(label),
        pl.lit("</span><br><b>"), escaped(_shown(pl.col("crn"))),
        pl.lit('</b><br><span style="color:#55606e;">'), escaped(_shown(pl.col("person"))),
        pl.lit(f'</span></td><td style="{CELL}"><a href="'), escaped(_shown(pl.col("url"))),
        pl.lit('" style="color:#1a56b0;font-weight:bold;">'), escaped(_shown(pl.col("title"))),
        pl.lit("</a>"),
        _when_new(' <span style="padding:0 4px;border:1px solid #1a56b0;color:#1a56b0;'
                  'font-size:10px;font-weight:bold;">NEW</span>'),
        pl.lit('<br><span style="color:#3c4450;">'), escaped(_shown(pl.col("reason"))),
        pl.lit(f'</span></td><td style="{CELL}">'),
        escaped(pl.col("due")).fill_null(pl.lit('<span style="color:#55606e;">No due date</span>')),
        _overdue('<br><span style="color:#b3261e;font-weight:bold;">', "&nbsp;", "</span>"),
        pl.lit("</td></tr>"),
    )  # fmt: skip


def text_row() -> pl.Expr:
    """Each row's block of the plain-text email, its blank line before it included."""
    return pl.concat_str(
        pl.lit("\n"), _when_new("[NEW] "), _shown(pl.col("severity")).str.to_uppercase(),
        pl.lit(" | "), _shown(pl.col("crn")), pl.lit(" "), _shown(pl.col("person")),
        pl.lit(" | "), _shown(pl.col("title")),
        pl.lit("\n  "), _shown(pl.col("reason")),
        pl.lit("\n  Due: "), pl.col("due").fill_null(pl.lit("no due date")),
        _overdue(" | ", " ", ""),
        pl.lit("\n  "), _shown(pl.col("url")), pl.lit("\n"),
    )  # fmt: skip


def escaped(text: pl.Expr) -> pl.Expr:
    """HTML-escaped as markupsafe escapes text (in one pass: & is never escaped twice)."""
    return text.str.replace_many(list(_ESCAPES), list(_ESCAPES.values()))


def _shown(text: pl.Expr) -> pl.Expr:
    """A value as a template shows it: a missing one as None."""
    return text.fill_null(pl.lit("None"))


def _when_new(text: str) -> pl.Expr:
    return pl.when(pl.col("new")).then(pl.lit(text)).otherwise(pl.lit(""))


def _overdue(before: str, space: str, after: str) -> pl.Expr:
    """'<before>N<space>days overdue<after>' when the row is overdue, else nothing."""
    days = pl.col("days_overdue")
    plural = pl.when(days != 1).then(pl.lit("s")).otherwise(pl.lit(""))
    shown = pl.concat_str(
        pl.lit(before), days.cast(pl.String), pl.lit(f"{space}day"), plural,
        pl.lit(f" overdue{after}"),
    )  # fmt: skip
    return pl.when(days.is_not_null() & (days != 0)).then(shown).otherwise(pl.lit(""))
