"""The JSON API: the list (the worklist's filters, in the query string), one exception,
and the actions, for teams that feed dashboards or other tools.

Authenticate with a personal token (``auditor users token NAME``) as
``Authorization: Bearer <token>``; a browser session works too (a POST then needs the
``X-CSRF-Token`` header). Scoping is the same as the pages'.

- ``GET /api/exceptions?team=...&sort=due&after=<cursor>`` → ``{"as_of", "total",
  "items": [...], "next": "<cursor>" | null}``
- ``GET /api/exceptions/<id>`` → the exception, its history and the check's meaning
- ``POST /api/exceptions/<id>/actions`` with ``{"action": "acknowledge", "version": 3,
  "comment": "..."}`` (``until`` for snooze, ``reason`` for dispute, ``assignee`` for
  assign) → ``{"id", "version"}``; 409 when ``version`` is stale
- ``POST /api/exceptions/bulk`` with ``{"action", "items": {"<id>": <version>}, ...}``
  → ``{"changed": [ids], "refused": {"<id>": "why"}}``

Errors are ``{"error": "..."}`` with 400, 401, 403, 404 or 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auditor.store.triage import (
    ChangeConflict,
    ExceptionNotFound,
    TriageRefused,
    apply,
    apply_many,
)
from auditor.store.users import active_admins
from auditor.store.worklist import counts, exception_detail, list_page
from auditor.web.actions import ActionForbidden, change_for
from auditor.web.app import Visit, page
from auditor.web.filters import read_list_request
from auditor.web.pages import check_info

ITEM_FIELDS = (
    "id", "check", "crn", "subject", "severity", "reason", "due_date", "days_overdue",
    "days_open", "first_seen", "last_seen", "resolved_on", "status", "triage", "triage_view",
    "snoozed_until", "dispute_reason", "dispute_state", "assigned_to", "version", "reopen_count",
    "staff_code", "team_code", "team_name", "provider_code", "spo_staff_code", "initials",
)  # fmt: skip
MAX_PAGE = 500


def routes() -> list[Route]:
    return [
        Route("/api/exceptions", page(api_list)),
        Route("/api/exceptions/bulk", page(api_bulk), methods=["POST"]),
        Route("/api/exceptions/{exception_id:int}", page(api_detail)),
        Route("/api/exceptions/{exception_id:int}/actions", page(api_action), methods=["POST"]),
    ]


def api_list(visit: Visit) -> Response:
    user = visit.user
    if not user.reads_exceptions:
        return visit.error(403, "", "your role reads no exceptions")
    wanted = read_list_request(visit.request.query_params, me=user.username)
    if wanted.problems:
        return visit.error(400, "", "; ".join(wanted.problems))
    as_of = visit.as_of
    if as_of is None:
        return JSONResponse({"as_of": None, "total": 0, "items": [], "next": None})
    size = _size(visit.request.query_params.get("size"), visit.web.settings.web.page_size)
    with visit.store.reading() as connection:
        found = list_page(connection, user.scope(), wanted.filters, as_of, wanted.sort,
                          wanted.after, wanted.before, size)  # fmt: skip
        total = counts(connection, user.scope(), wanted.filters, as_of).total
    return JSONResponse({
        "as_of": as_of.isoformat(), "total": total, "items": [_item(r) for r in found.rows],
        "next": found.next_cursor, "previous": found.previous_cursor,
    })  # fmt: skip


def api_detail(visit: Visit) -> Response:
    user = visit.user
    exception_id = visit.request.path_params["exception_id"]
    if not user.reads_exceptions:
        return visit.error(403, "", "your role reads no exceptions")
    with visit.store.reading() as connection:
        detail = exception_detail(connection, user.scope(), exception_id,
                                  visit.as_of or dt.date.today())  # fmt: skip
    if detail is None:
        return visit.error(404, "", f"there is no exception {exception_id} in your scope")
    body = _item(detail) | {
        "check_title": check_info(detail["check"])["title"],
        "history": [_plain(entry) for entry in detail["history"]],
        "others": [other["id"] for other in detail["others"]],
    }
    return JSONResponse(body)


def api_action(visit: Visit) -> Response:
    exception_id = visit.request.path_params["exception_id"]
    body = visit.body
    if not isinstance(body, dict):
        return visit.error(400, "", 'send a JSON object: {"action": ..., "version": ...}')
    try:
        change = _change(visit, body)
        version = apply(visit.store, exception_id, visit.user.username, change,
                        scope=visit.user.scope(), version=_int(body.get("version")))  # fmt: skip
    except ExceptionNotFound:
        return visit.error(404, "", f"there is no exception {exception_id} in your scope")
    except ActionForbidden as exc:
        return visit.error(403, "", str(exc))
    except ChangeConflict as exc:
        return visit.error(409, "", str(exc))
    except TriageRefused as exc:
        return visit.error(400, "", str(exc))
    return JSONResponse({"id": exception_id, "version": version})


def api_bulk(visit: Visit) -> Response:
    body = visit.body
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, dict) or not items:
        return visit.error(400, "", 'send {"action": ..., "items": {"<id>": <version>}}')
    chosen = {int(k): _int(v) for k, v in items.items() if str(k).isdigit()}
    try:
        change = _change(visit, body)
    except ActionForbidden as exc:
        return visit.error(403, "", str(exc))
    except TriageRefused as exc:
        return visit.error(400, "", str(exc))
    outcomes = apply_many(visit.store, chosen, visit.user.username, change,
                          scope=visit.user.scope())  # fmt: skip
    return JSONResponse({
        "changed": [i for i, problem in outcomes.items() if problem is None],
        "refused": {str(i): problem for i, problem in outcomes.items() if problem is not None},
    })  # fmt: skip


def _change(visit: Visit, body: dict[str, Any]) -> Any:
    with visit.store.reading() as connection:
        admins = [name for name, _ in active_admins(connection)]
    fields = {k: str(body[k]) for k in ("comment", "until", "reason", "assignee")
              if body.get(k) is not None}  # fmt: skip
    limit = visit.web.settings.web.max_snooze_days
    return change_for(visit.user, str(body.get("action", "")), fields, as_of=visit.as_of,
                      admins=admins, max_snooze_days=limit)  # fmt: skip


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return _plain({key: row.get(key) for key in ITEM_FIELDS})


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _size(text: str | None, default: int) -> int:
    return min(int(text), MAX_PAGE) if text and text.isdigit() and int(text) > 0 else default
