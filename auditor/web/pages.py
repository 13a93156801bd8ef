"""The worklist's pages: the list (filters, counts, sort, pages, bulk actions), one
exception (what it means, its history, actions) and exports of a filter.

Each handler reads the user's scope from their role (auditor/store/users.py) and passes
it to every store call: an exception outside it is "not found" (404), in a page, an
action, a bulk selection or an export alike.
"""

from __future__ import annotations

import inspect
from typing import Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from auditor.calendar import today_in_london
from auditor.store.scope import Scope
from auditor.store.triage import (
    ChangeConflict,
    ExceptionNotFound,
    TriageRefused,
    apply,
    apply_many,
)
from auditor.store.users import active_admins
from auditor.store.worklist import (
    SEVERITY_VALUES,
    counts,
    exception_detail,
    list_page,
    officers_of,
    teams_in_scope,
)
from auditor.web.actions import BULK_ACTIONS, LABELS, ActionForbidden, change_for
from auditor.web.app import Visit, page
from auditor.web.export import export_csv, export_xlsx
from auditor.web.filters import ListRequest, read_list_request
from checks.registry import REGISTRY

STATUS_LABELS = {"open": "Open", "record_missing": "Record not examined",
                 "unconfirmed": "Unconfirmed", "resolved": "Resolved"}  # fmt: skip
TRIAGE_LABELS = {"none": "Not triaged", "acknowledged": "Acknowledged", "snoozed": "Snoozed",
                 "disputed": "Disputed", "false_positive": "Dispute upheld",
                 "done": "Done, awaiting the next run"}  # fmt: skip
AGE_LABELS = {"0-5": "0 to 5 working days", "6-20": "6 to 20 working days",
              "21-60": "21 to 60 working days", "over-60": "Over 60 working days"}  # fmt: skip
SORT_LABELS = {"severity": "Severity", "due": "Due date", "age": "Age", "crn": "CRN"}


def routes() -> list[Route]:
    return [
        Route("/exceptions", page(exception_list)),
        Route("/exceptions.csv", page(export_csv)),
        Route("/exceptions.xlsx", page(export_xlsx)),
        Route("/exceptions/bulk", page(bulk_action), methods=["POST"]),
        Route("/exceptions/{exception_id:int}", page(exception_page)),
        Route("/exceptions/{exception_id:int}/actions", page(exception_action), methods=["POST"]),
    ]


def readable_scope(visit: Visit) -> Scope | None:
    """The caller's scope, or None when their role reads no exceptions."""
    user = visit.user
    return user.scope() if user.reads_exceptions else None


def exception_list(visit: Visit) -> Response:
    scope = readable_scope(visit)
    if scope is None:
        return _no_cases(visit)
    wanted = read_list_request(visit.request.query_params, me=visit.user.username)
    as_of = visit.as_of
    if as_of is None:
        return visit.render("exceptions/list.html", nav="exceptions", wanted=wanted, page=None,
                            filter_problems=[])  # fmt: skip
    size = visit.web.settings.web.page_size
    with visit.store.reading() as connection:
        found = list_page(connection, scope, wanted.filters, as_of, wanted.sort, wanted.after,
                          wanted.before, size)  # fmt: skip
        counted = counts(connection, scope, wanted.filters, as_of)
        teams = teams_in_scope(connection, scope)
        mine = {t["team_code"] for t in teams}  # never another scope's staff names
        chosen = [team for team in wanted.filters.teams if team in mine]
        officers = officers_of(connection, chosen) if chosen else []
        admins = active_admins(connection)
    return visit.render(
        "exceptions/list.html", nav="exceptions", wanted=wanted, page=found, total=counted.total,
        facets=_facets(wanted, counted.facets, teams, officers), admins=admins,
        sorts=SORT_LABELS, bulk_actions=BULK_ACTIONS, age_labels=AGE_LABELS,
        selected=_selected_tags(wanted, teams), return_to=_here(visit),
        filter_problems=[(f"{p}: it was left out of the filter", None) for p in wanted.problems],
    )  # fmt: skip


# The field an action's error is about: its form opens again, the field marked.
ACTION_FIELDS = {"snooze": "snooze-until", "dispute": "dispute-reason"}


def exception_page(
    visit: Visit, errors: list[str] | None = None, status: int = 200, failed: str = ""
) -> Response:
    scope = readable_scope(visit)
    if scope is None:
        return _no_cases(visit)
    exception_id = visit.request.path_params["exception_id"]
    with visit.store.reading() as connection:
        detail = exception_detail(connection, scope, exception_id, visit.as_of or today_in_london())
        admins = active_admins(connection)
    if detail is None:
        message = (f"There is no exception {exception_id} in your teams. Check the link, or "
                   "go back to your worklist.")  # fmt: skip
        return visit.error(404, "Exception not found", message)
    return visit.render(
        "exceptions/detail.html", status=status, nav="exceptions", exception=detail,
        check=check_info(detail["check"]), admins=admins,
        errors=[(error, _field_link(failed)) for error in errors or []],
        failed=failed if failed in ACTION_FIELDS else "",
        entered={name: visit.field(name) for name in ("until", "reason")},
        max_snooze_days=visit.web.settings.web.max_snooze_days,
        back=_back(visit), labels=TRIAGE_LABELS,
    )  # fmt: skip


def exception_action(visit: Visit) -> Response:
    scope = readable_scope(visit)
    if scope is None:
        return _no_cases(visit)
    exception_id = visit.request.path_params["exception_id"]
    action = visit.field("action")
    try:
        change = _change(visit, action)
        apply(visit.store, exception_id, visit.user.username, change, scope=scope,
              version=_version(visit.field("version")))  # fmt: skip
    except ExceptionNotFound:
        return visit.error(404, "Exception not found", "There is no such exception in your teams.")
    except ActionForbidden as exc:
        return visit.error(403, "You cannot do that", _sentence(str(exc)))
    except ChangeConflict as exc:
        return exception_page(visit, [_sentence(str(exc))], status=409)
    except TriageRefused as exc:
        return exception_page(visit, [_sentence(str(exc))], status=400, failed=action)
    visit.request.session["flash"] = f"Exception {exception_id}: {LABELS.get(action, action)}."
    return RedirectResponse(f"/exceptions/{exception_id}", status_code=303)


def bulk_action(visit: Visit) -> Response:
    scope = readable_scope(visit)
    if scope is None:
        return _no_cases(visit)
    back = _return_to(visit.field("return_to"))
    action = visit.field("action")
    selected = _selection(visit.form.getlist("selected") if visit.form else [])
    if action not in BULK_ACTIONS or not selected:
        visit.request.session["flash_error"] = (
            "Choose an action and tick at least one exception." if selected or action
            else "Tick the exceptions to change, then choose an action.")  # fmt: skip
        return RedirectResponse(back, status_code=303)
    try:
        change = _change(visit, action)
    except ActionForbidden as exc:
        return visit.error(403, "You cannot do that", _sentence(str(exc)))
    except TriageRefused as exc:
        visit.request.session["flash_error"] = _sentence(str(exc))
        return RedirectResponse(back, status_code=303)
    outcomes = apply_many(visit.store, selected, visit.user.username, change, scope=scope)
    visit.request.session.update(_bulk_flash(action, outcomes))
    return RedirectResponse(back, status_code=303)


def _field_link(action: str) -> str | None:
    field = ACTION_FIELDS.get(action)
    return f"#{field}" if field else None


def check_info(name: str) -> dict[str, Any]:
    """A check's title, what it means and the report's words behind it (its docstring:
    the rule, then the paragraphs quoting the report)."""
    cls = REGISTRY.get(name)
    if cls is None:
        return {"title": name, "rule": [], "report": [], "paragraphs": (), "grain": "",
                "severity": ""}  # fmt: skip
    text = inspect.cleandoc(cls.__doc__ or "").replace("``", "")
    parts = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    report = [p for p in parts if p.startswith(("The report", "Para", "Recommendation"))]
    rule = [p for p in parts if p not in report]
    return {"title": cls.title, "rule": rule, "report": report, "paragraphs": cls.paragraphs,
            "severity": cls.severity_rule, "grain": cls.grain}  # fmt: skip


def _change(visit: Visit, action: str) -> Any:
    with visit.store.reading() as connection:
        admins = [name for name, _ in active_admins(connection)]
    fields = {k: visit.field(k) for k in ("comment", "until", "reason", "assignee")}
    return change_for(visit.user, action, fields, as_of=visit.as_of, admins=admins,
                      max_snooze_days=visit.web.settings.web.max_snooze_days)  # fmt: skip


def _facets(
    wanted: ListRequest, counted: dict[str, dict[str, int]], teams: list[dict[str, Any]],
    officers: list[dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    f = wanted.filters
    providers = {t["provider_code"]: t["provider_name"] or t["provider_code"] for t in teams
                 if t["provider_code"]}  # fmt: skip
    labels: dict[str, dict[str, str]] = {
        "provider": dict(sorted(providers.items())),
        "team": {t["team_code"]: f"{t['team_name'] or t['team_code']} ({t['team_code']})"
                 for t in teams},
        "check": {name: cls.title for name, cls in REGISTRY.items()},
        "severity": {s: s.capitalize() for s in SEVERITY_VALUES},
        "status": STATUS_LABELS,
        "triage": TRIAGE_LABELS,
    }  # fmt: skip
    facets = {}
    for name, choices in labels.items():
        chosen = set(f.facet(name))
        facets[name] = [
            {"value": value, "label": label, "count": counted.get(name, {}).get(value, 0),
             "selected": value in chosen}
            for value, label in choices.items()
        ]  # fmt: skip
    facets["officer"] = [
        {"value": o["staff_code"], "label": f"{o['forename']} {o['surname']}",
         "selected": o["staff_code"] in f.officers, "count": None}
        for o in officers
    ]  # fmt: skip
    return facets


def _selected_tags(wanted: ListRequest, teams: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The filters in force, each with the link that removes it (MoJ filter's tags)."""
    f = wanted.filters
    names = {t["team_code"]: t["team_name"] or t["team_code"] for t in teams}
    tags: list[dict[str, str]] = []
    for key, name, label in (("provider", "providers", lambda v: v),
                             ("team", "teams", lambda v: names.get(v, v)),
                             ("officer", "officers", lambda v: v),
                             ("check", "checks", lambda v: REGISTRY[v].title),
                             ("severity", "severities", str.capitalize)):  # fmt: skip
        values = list(getattr(f, name))
        for value in values:
            rest = [v for v in values if v != value]
            href = "?" + wanted.query(**{key: rest, "after": None, "before": None})
            tags.append({"heading": key.capitalize(), "label": str(label(value)), "href": href})
    for key, shown in (("crn", f.crn), ("new_since", f.new_since), ("age", f.age_band),
                       ("overdue", "Overdue only" if f.overdue else None)):  # fmt: skip
        if shown:
            text = AGE_LABELS.get(str(shown), str(shown))
            href = "?" + wanted.query(**{key: None, "after": None, "before": None})
            heading = key.replace("_", " ").capitalize()
            tags.append({"heading": heading, "label": text, "href": href})
    return tags


def _selection(values: list[Any]) -> dict[int, int | None]:
    """Ticked rows ("id:version") as id -> version; anything else is ignored."""
    chosen: dict[int, int | None] = {}
    for value in values:
        if not isinstance(value, str):
            continue
        ident, _, version = value.partition(":")
        if ident.isdigit():
            chosen[int(ident)] = int(version) if version.isdigit() else None
    return chosen


def _bulk_flash(action: str, outcomes: dict[int, str | None]) -> dict[str, str]:
    changed = [i for i, problem in outcomes.items() if problem is None]
    refused = {i: p for i, p in outcomes.items() if p is not None}
    flash = {"flash": f"{len(changed)} exception(s) {LABELS[action]}."} if changed else {}
    if refused:
        shown = "; ".join(f"{i}: {p}" for i, p in list(refused.items())[:5])
        more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        flash["flash_error"] = f"{len(refused)} not changed ({shown}{more})."
    return flash


def _version(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _return_to(text: str) -> str:
    return text if text.startswith("/exceptions") and "//" not in text else "/exceptions"


def _here(visit: Visit) -> str:
    url = visit.request.url
    return url.path + (f"?{url.query}" if url.query else "")


def _back(visit: Visit) -> str:
    return _return_to(visit.request.query_params.get("back", ""))


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _no_cases(visit: Visit) -> Response:
    return visit.error(403, "You cannot see case records", "Your role manages users only.")
