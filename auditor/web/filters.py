"""The worklist's filters in the URL: read from a query string, written back into links.

Filters live in the URL (``/exceptions?team=N07T01&severity=high&sort=due``), so a
filtered list can be bookmarked, shared and linked from an email. A value that is not
one of a filter's choices is dropped and reported (the page says which), never an
error page. With no ``status`` the list shows open exceptions; with no ``triage``,
what is still to do (auditor/store/worklist/).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from auditor.store.worklist import (
    AGE_BANDS,
    SEVERITY_VALUES,
    SORTS,
    STATUS_VALUES,
    TO_DO,
    TRIAGE_VALUES,
    Filters,
)
from checks.registry import REGISTRY

CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MULTI = {"provider": "providers", "team": "teams", "officer": "officers", "check": "checks",
         "severity": "severities", "status": "statuses", "triage": "triages"}  # fmt: skip
CHOICES: dict[str, tuple[str, ...]] = {
    "check": tuple(REGISTRY),
    "severity": SEVERITY_VALUES,
    "status": STATUS_VALUES,
    "triage": TRIAGE_VALUES,
}
ALL = "all"  # status=all / triage=all: no filter


@dataclass(frozen=True)
class ListRequest:
    """What the list URL asks for: the filters, the sort, and where the page starts."""

    filters: Filters
    sort: str = "severity"
    after: str | None = None
    before: str | None = None
    problems: tuple[str, ...] = field(default=())

    def query(self, **changes: object) -> str:
        """The query string of this list with some parameters changed (None drops one)."""
        params = self.params()
        for key, value in changes.items():
            params.pop(key, None)
            if value is not None:
                params[key] = (
                    [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
                )
        return urlencode([(k, v) for k, values in params.items() for v in values])

    def params(self, paging: bool = True) -> dict[str, list[str]]:
        """The parameters that make this list, as the URL carries them."""
        f = self.filters
        params: dict[str, list[str]] = {}
        for key, name in MULTI.items():
            values = list(getattr(f, name))
            if key == "status" and values == ["open"]:
                continue
            if key == "triage" and tuple(values) == TO_DO:
                continue
            params[key] = values or ([ALL] if key in ("status", "triage") else [])
        singles = {
            "crn": f.crn, "new_since": f.new_since.isoformat() if f.new_since else None,
            "overdue": "yes" if f.overdue else None, "age": f.age_band, "assigned": f.assigned,
            "sort": self.sort if self.sort != "severity" else None,
        }  # fmt: skip
        if f.assigned == "":
            singles["assigned"] = "nobody"
        if paging:
            singles |= {"after": self.after, "before": self.before}
        params |= {k: [v] for k, v in singles.items() if v}
        return {k: v for k, v in params.items() if v}


def read_list_request(query: QueryParams, me: str | None = None) -> ListRequest:
    """The list request of a query string; ``me`` resolves assigned=me."""
    problems: list[str] = []
    values: dict[str, object] = {}
    for key, name in MULTI.items():
        given = [v.strip() for v in query.getlist(key) if v.strip()]
        if key in ("status", "triage") and ALL in given:
            values[name] = ()
            continue
        kept = _kept(key, given, problems)
        if kept or key not in ("status", "triage"):
            values[name] = tuple(kept)
    single = query.get
    values["crn"] = _crn(single("crn"), problems)
    values["new_since"] = _date(single("new_since"), problems)
    values["overdue"] = (single("overdue") or "") in ("yes", "true", "1", "on")
    age = single("age")
    if age and age not in AGE_BANDS:
        problems.append(f"'{age}' is not an age band")
    values["age_band"] = age if age in AGE_BANDS else None
    values["assigned"] = _assigned(single("assigned"), me)
    sort = single("sort") or "severity"
    if sort not in SORTS:
        problems.append(f"'{sort}' is not a sort order")
        sort = "severity"
    return ListRequest(Filters(**values), sort, single("after") or None,  # type: ignore[arg-type]
                       single("before") or None, tuple(problems))  # fmt: skip


def _kept(key: str, given: Iterable[str], problems: list[str]) -> list[str]:
    kept = []
    for value in given:
        allowed = CHOICES.get(key)
        ok = value in allowed if allowed is not None else bool(CODE.match(value))
        if ok:
            kept.append(value if allowed is not None else value.upper())
        else:
            problems.append(f"'{value[:40]}' is not a {key} this list knows")
    return list(dict.fromkeys(kept))


def _crn(value: str | None, problems: list[str]) -> str | None:
    if not value or not value.strip():
        return None
    text = value.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{1,16}", text):
        problems.append("a CRN is a letter and six digits, e.g. X123456 (or its start)")
        return None
    return text


def _date(value: str | None, problems: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"'{value[:20]}' is not a date (YYYY-MM-DD)")
        return None


def _assigned(value: str | None, me: str | None) -> str | None:
    if not value:
        return None
    if value == "nobody":
        return ""
    if value == "me":
        return me
    return value.strip().lower()[:128]
