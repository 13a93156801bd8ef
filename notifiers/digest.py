"""The morning digests: from a run's open exceptions, one email per recipient (issue 4).

Pure: frames in, rendered emails out; no clock, no files, no network. Decisions:

- **Recipients**: see ``notifiers.recipients`` (SPO by the exception's stored
  ``spo_staff_code``, optional offender managers, unowned cases by provider).
- **New since the last email** is judged per recipient: a row is new when its
  ``first_seen`` is after the as-of date of the last digest that reached that recipient
  (``last_email``, from the ledger); in a recipient's first email every row is new.
- **Resolved since the last email** counts the rows of ``resolved`` (one per exception
  resolved, with the as-of date ``resolved_on`` of the run that resolved it) routed to
  the recipient with ``resolved_on`` after their last email; 0 in a first email. The
  caller may pass a generous window (say the last 60 days): each recipient counts only
  what came after their own last email.
- **Order**: grouped by team then offender manager; within a group high > medium > low,
  then the oldest due date (no due date last), then the earliest first_seen.
- **Days overdue** = as_of − due_date in calendar days, shown only when positive; such a
  row counts as overdue.
- **Nothing to say** (nothing open, nothing resolved since the last email): no email,
  except to an SPO when ``send_when_empty`` is set.
- **Data minimisation**: a row shows the CRN and the person's initials, or the full name
  with ``show_names``. Text from the data has control and bidirectional characters
  removed; the HTML templates escape everything else.
- **Rows** are rendered in polars, all at once (``notifiers.digest_rows``); the
  templates lay out the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple
from urllib.parse import urlencode

import polars as pl
from markupsafe import Markup

from auditor.config import NotifySettings
from checks.registry import REGISTRY
from notifiers.digest_rows import html_row, text_row
from notifiers.message import render_email
from notifiers.recipients import (
    ROLE_ORDER,
    Problem,
    Recipient,
    Role,
    clean_text,
    directory,
    missing_address,
    routes,
    spo_keys,
    staff_name,
    team_name,
    unrouted,
)

OPEN_COLUMNS = (
    "exception_id", "check", "crn", "subject", "severity", "reason", "due_date",
    "staff_code", "team_code", "spo_staff_code", "provider_code", "first_seen",
    "forename", "surname",
)  # fmt: skip
RESOLVED_COLUMNS = (
    "exception_id", "check", "crn", "staff_code", "team_code", "spo_staff_code",
    "provider_code", "resolved_on",
)  # fmt: skip
STAFF_COLUMNS = ("staff_code", "forename", "surname", "email", "team_code")
TEAM_COLUMNS = ("team_code", "team_name", "provider_code", "spo_staff_code")
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
NO_OFFICER = "No current offender manager"
HEADINGS: dict[Role, str] = {
    "spo": "Case records to fix in your teams",
    "offender_manager": "Your case records to fix",
    "unowned": "Unowned case records to fix",
}


@dataclass(frozen=True)
class DigestInput:
    """What one run's digests are built from (columns as named above)."""

    run_id: int
    as_of: dt.date
    settings: NotifySettings
    open_exceptions: pl.DataFrame  # OPEN_COLUMNS; spo_staff_code null = unowned
    resolved: pl.DataFrame  # RESOLVED_COLUMNS: exceptions resolved lately
    staff: pl.DataFrame  # STAFF_COLUMNS
    teams: pl.DataFrame  # TEAM_COLUMNS

    def __post_init__(self) -> None:
        for name, columns in (
            ("open_exceptions", OPEN_COLUMNS),
            ("resolved", RESOLVED_COLUMNS),
            ("staff", STAFF_COLUMNS),
            ("teams", TEAM_COLUMNS),
        ):
            missing = [c for c in columns if c not in getattr(self, name).columns]
            if missing:
                raise ValueError(f"DigestInput.{name} lacks columns {missing}")


@dataclass(frozen=True)
class Summary:
    open: int
    new: int
    resolved: int
    overdue: int
    high: int


@dataclass(frozen=True)
class Digest:
    """One rendered email to one recipient."""

    key: str  # the recipient's ledger key, e.g. spo:N07S001
    role: Role
    address: str
    name: str
    subject: str
    text: str
    html: str
    exception_ids: tuple[int, ...]
    summary: Summary


@dataclass(frozen=True)
class Digests:
    digests: list[Digest]
    problems: list[Problem]  # for the run summary


class Row(NamedTuple):
    exception_id: int
    crn: str
    person: str
    title: str
    reason: str
    severity: str
    due: str | None
    days_overdue: int | None
    new: bool
    url: str
    html: str  # the row as the HTML email shows it (notifiers.digest_rows)
    text: str  # and as the plain text does


@dataclass(frozen=True)
class Group:
    officer: str
    team: str
    rows: list[Row]

    @property
    def html(self) -> Markup:
        """The group's rows, each a line of HTML, for the template."""
        return Markup("".join(f"{row.html}\n" for row in self.rows))  # noqa: S704 - escaped in digest_rows

    @property
    def text(self) -> str:
        return "".join(row.text for row in self.rows)


_ROW_COLUMNS = list(Row._fields)
_GROUP_COLUMNS = ["team", "officer", "staff_code"]


def build_digests(inputs: DigestInput, last_email: Mapping[str, dt.date] | None = None) -> Digests:
    """The emails of one run, and what the run summary must report.

    ``last_email`` maps a recipient key to the as-of date of the last digest that
    reached them (``Ledger.last_sent``).
    """
    last = dict(last_email or {})
    settings = inputs.settings
    frames = _rows_by_recipient(inputs, last)
    resolved = _resolved_counts(inputs, last)
    keys = set(frames) | set(resolved)
    if settings.send_when_empty:
        keys.update(spo_keys(inputs.teams))
    people = directory(keys, inputs.staff, inputs.teams, settings)
    digests: list[Digest] = []
    problems = unrouted(inputs.open_exceptions.lazy(), settings)
    managed = teams_by_spo(inputs.teams)
    for key in sorted(keys, key=lambda k: (ROLE_ORDER[people[k].role], people[k].name, k)):
        recipient, frame = people[key], frames.get(key)
        groups, summary = _groups(frame, resolved.get(key, 0))
        if not (summary.open or summary.resolved or recipient.role == "spo"):
            continue  # an SPO is only here with send_when_empty or something to say
        if recipient.address is None:
            problems.append(missing_address(recipient, summary.open))
            continue
        digests.append(_digest(recipient, groups, summary, inputs, last, managed))
    return Digests(digests, problems)


def _rows_by_recipient(
    inputs: DigestInput, last: dict[str, dt.date]
) -> dict[str, list[tuple[Any, ...]]]:
    """Each recipient's rows in order: _GROUP_COLUMNS then _ROW_COLUMNS."""
    open_frame = inputs.open_exceptions.lazy()
    ordered = (
        routes(open_frame, inputs.settings)
        .join(_display_rows(inputs), on="exception_id")
        .join(_last_email_frame(last).lazy(), on="key", how="left")
        .with_columns(
            new=pl.col("last_email").is_null() | (pl.col("first_seen") > pl.col("last_email"))
        )
        .with_columns(html=html_row(), text=text_row())
        .sort(
            "key",
            "team",
            "officer",
            "staff_code",
            "severity_rank",
            "due_date",
            "first_seen",
            "exception_id",
            nulls_last=True,
        )  # fmt: skip
        .select("key", *_GROUP_COLUMNS, *_ROW_COLUMNS)
        .collect()
    )
    rows = ordered.drop("key").rows()  # sorted by key: each recipient's rows are a run
    by_key, start = {}, 0
    for key, count in ordered.group_by("key", maintain_order=True).len().iter_rows():
        by_key[str(key)], start = rows[start : start + count], start + count
    return by_key


def _display_rows(inputs: DigestInput) -> pl.LazyFrame:
    """One row per open exception with everything the templates show, as text."""
    base_url = inputs.settings.base_url.rstrip("/")
    titles = {name: check.title for name, check in REGISTRY.items()}
    officers = inputs.staff.lazy().select("staff_code", officer=staff_name())
    teams = inputs.teams.lazy().select("team_code", team=team_name())
    overdue = (pl.lit(inputs.as_of) - pl.col("due_date")).dt.total_days()
    return (
        inputs.open_exceptions.lazy()
        .join(officers, on="staff_code", how="left")
        .join(teams, on="team_code", how="left")
        .with_columns(
            officer=pl.when(pl.col("staff_code").is_null())
            .then(pl.lit(NO_OFFICER))
            .otherwise(pl.coalesce("officer", "staff_code")),
            crn=clean_text(pl.col("crn")),
            person=_person(inputs.settings.show_names),
            title=pl.col("check").replace_strict(titles, default=pl.col("check")),
            reason=clean_text(pl.col("reason")).fill_null(""),
            severity_rank=pl.col("severity").replace_strict(SEVERITY_RANK, default=3),
            due=pl.col("due_date").dt.strftime("%-d %b %Y"),
            days_overdue=pl.when(overdue > 0).then(overdue),
            url=pl.lit(f"{base_url}/exceptions/") + pl.col("exception_id").cast(pl.String),
        )
    )


def _person(show_names: bool) -> pl.Expr:
    if show_names:
        return clean_text(pl.concat_str("forename", "surname", separator=" ", ignore_nulls=True))
    initials = [
        clean_text(pl.col(part)).str.extract(r"(\p{L})", 1).str.to_uppercase() + "."
        for part in ("forename", "surname")
    ]
    return pl.concat_str(initials, ignore_nulls=True)


def _last_email_frame(last: dict[str, dt.date]) -> pl.DataFrame:
    return pl.DataFrame(
        {"key": list(last), "last_email": list(last.values())},
        schema={"key": pl.String, "last_email": pl.Date},
    )


def _resolved_counts(inputs: DigestInput, last: dict[str, dt.date]) -> dict[str, int]:
    resolved = inputs.resolved.lazy()
    counts = (
        routes(resolved, inputs.settings)
        .join(resolved.select("exception_id", "resolved_on"), on="exception_id")
        .join(_last_email_frame(last).lazy(), on="key")
        .filter(pl.col("resolved_on") > pl.col("last_email"))
        .group_by("key")
        .agg(count=pl.len())
        .collect()
    )
    return dict(counts.iter_rows())


def _groups(ordered: list[tuple[Any, ...]] | None, resolved: int) -> tuple[list[Group], Summary]:
    groups: list[Group] = []
    new = overdue = high = 0
    if ordered is not None:
        for (team, officer, _), members in groupby(ordered, key=itemgetter(0, 1, 2)):
            rows = [Row(*values[3:]) for values in members]
            groups.append(Group(officer, team or "", rows))
            new += sum(row.new for row in rows)
            overdue += sum(row.days_overdue is not None for row in rows)
            high += sum(row.severity == "high" for row in rows)
    total = sum(len(group.rows) for group in groups)
    return groups, Summary(total, new, resolved, overdue, high)


def _digest(
    recipient: Recipient,
    groups: list[Group],
    summary: Summary,
    inputs: DigestInput,
    last: dict[str, dt.date],
    managed: Mapping[str | None, tuple[str, ...]],
) -> Digest:
    context: dict[str, Any] = {
        "heading": HEADINGS[recipient.role],
        "recipient": recipient,
        "scope": _scope(recipient),
        "as_of": f"{inputs.as_of:%A} {inputs.as_of.day} {inputs.as_of:%B %Y}",
        "as_of_short": f"{inputs.as_of.day} {inputs.as_of:%b %Y}",
        "summary": summary,
        "groups": groups,
        "first_email": recipient.key not in last,
        "worklist_url": worklist_url(inputs.settings.base_url, recipient, managed),
        "show_names": inputs.settings.show_names,
    }
    email = render_email("digest", context)
    ids = tuple(row.exception_id for group in groups for row in group.rows)
    return Digest(
        recipient.key, recipient.role, recipient.address or "", recipient.name,
        email.subject, email.text, email.html, ids, summary,
    )  # fmt: skip


def worklist_url(
    base_url: str, recipient: Recipient, managed: Mapping[str | None, tuple[str, ...]]
) -> str:
    """The worklist filtered to what this email lists ("your list"): the SPO's teams (by
    code: the recipient's scope holds their names; ``managed``: each SPO's team codes,
    from ``teams_by_spo``), the officer's own cases, or the unowned cases of the
    providers."""
    key = {"spo": "team", "offender_manager": "officer", "unowned": "provider"}[recipient.role]
    values: tuple[str | None, ...] = recipient.scope
    if recipient.role == "spo":
        values = managed.get(recipient.staff_code, ())
    elif recipient.role == "offender_manager":
        values = (recipient.staff_code,)
    query = urlencode([(key, value) for value in values if value])
    return base_url.rstrip("/") + "/exceptions" + (f"?{query}" if query else "")


def teams_by_spo(teams: pl.DataFrame) -> dict[str | None, tuple[str, ...]]:
    """Each SPO's team codes, sorted (TEAM_COLUMNS)."""
    grouped = teams.group_by("spo_staff_code").agg(pl.col("team_code").sort())
    return {spo: tuple(codes) for spo, codes in grouped.iter_rows()}


def _scope(recipient: Recipient) -> str:
    scope = ", ".join(recipient.scope)
    if recipient.role == "spo":
        return f"Teams: {scope}" if scope else "Teams: none recorded"
    if recipient.role == "offender_manager":
        return f"Cases you manage{' in ' + scope if scope else ''}"
    return f"Cases with no SPO in provider {scope}"
