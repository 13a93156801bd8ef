"""The worklist web app: Starlette, server-rendered with Jinja2 (autoescaped), in the
look of GOV.UK Frontend and MoJ Frontend (vendored under static/).

``build_app(settings, store)`` makes the app; `auditor serve` runs it under uvicorn
beside the scheduler. Handlers are thin (STYLE.md rule 4): each is a plain function of
a ``Visit`` run in a worker thread, and reads or writes only through auditor/store.

Every page needs a signed-in user (auditor/web/auth.py), every POST a CSRF token, and
every read and write is scoped to what the user may see (auditor/store/scope.py).
Responses carry a strict Content-Security-Policy (scripts only from the app, the one
inline script by nonce), no caching, and no framing.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auditor.config import Settings, secret
from auditor.store import repository
from auditor.store.database import Store
from auditor.web.auth import Caller, csrf_ok, identify
from checks.registry import REGISTRY

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
COOKIE = "auditor_session"
HISTORY_LABELS = {
    "opened": "Found", "reopened": "Found again after its fix", "returned": "Found failing again",
    "resolved": "Resolved: fix confirmed", "record_missing": "Record not examined",
    "unconfirmed": "Check did not run", "updated": "Details changed",
    "snooze_expired": "Snooze ended", "done_confirmed": "Done: fix confirmed",
    "done_still_failing": "Marked done, but still failing", "acknowledged": "Acknowledged",
    "snoozed": "Snoozed", "disputed": "Disputed as a false positive", "done": "Marked done",
    "triage_cleared": "Triage cleared", "assigned": "Assigned", "dispute_upheld": "Dispute upheld",
    "dispute_rejected": "Dispute rejected", "commented": "Comment",
}  # fmt: skip
Handler = Callable[["Visit"], Response]
Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


@dataclass
class Web:
    """What every handler shares: the settings, the store, the templates."""

    settings: Settings
    store: Store
    templates: Jinja2Templates


@dataclass
class Visit:
    """One request, with its signed-in caller and (for a POST) its form or JSON body."""

    request: Request
    web: Web
    caller: Caller | None
    form: FormData | None = None
    body: Any = None
    _as_of: list[dt.date | None] = field(default_factory=list)

    @property
    def user(self) -> Any:
        assert self.caller is not None
        return self.caller.user

    @property
    def store(self) -> Store:
        return self.web.store

    @property
    def as_of(self) -> dt.date | None:
        """The as-of date of the latest successful run: the worklist's "today"."""
        if not self._as_of:
            with self.store.reading() as connection:
                self._as_of.append(repository.latest_as_of(connection))
        return self._as_of[0]

    def field(self, name: str) -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else ""

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        caller = self.caller
        common = {
            "user": caller.user if caller else None,
            "csrf_token": caller.csrf_token if caller else "",
            "nav_items": nav_items(caller),
            "nav": context.pop("nav", ""),
            "phase_text": self.web.settings.web.banner,
            "csp_nonce": self.request.state.csp_nonce,
            "as_of": self.as_of if caller else None,
            "show_names": self.web.settings.web.show_names,
            "flash": self.request.session.pop("flash", None) if caller else None,
            "flash_error": self.request.session.pop("flash_error", None) if caller else None,
        }
        return self.web.templates.TemplateResponse(
            self.request, template, common | context, status_code=status
        )

    def error(self, status: int, title: str, message: str) -> Response:
        if self.request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        return self.render("error.html", status=status, title=title, message=message)


def nav_items(caller: Caller | None) -> list[tuple[str, str, str]]:
    if caller is None:
        return []
    user = caller.user
    items = []
    if user.reads_exceptions:
        items.append(("Worklist", "/exceptions", "exceptions"))
        items.append(("Trends", "/trends", "trends"))
    if user.manages_users:
        items.append(("Users", "/users", "users"))
    return items


def page(handler: Handler, *, public: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint running ``handler`` in a worker thread, once the caller is known (a
    page redirects to sign-in, the API answers 401) and a POST's CSRF token checked."""

    async def endpoint(request: Request) -> Response:
        web: Web = request.app.state.web
        form, body = await _read_body(request)
        return await run_in_threadpool(_visit, handler, request, web, form, body, public)

    endpoint.__name__ = handler.__name__
    return endpoint


async def _read_body(request: Request) -> tuple[FormData | None, Any]:
    if request.method != "POST":
        return None, None
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            return None, await request.json()
        except ValueError:
            return None, ValueError("the body is not valid JSON")
    return await request.form(max_files=0, max_fields=2000), None


def _visit(
    handler: Handler, request: Request, web: Web, form: FormData | None, body: Any, public: bool
) -> Response:
    caller = identify(request, web.store, web.settings.web)
    visit = Visit(request, web, caller, form, body)
    if caller is None and not public:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "sign in: send Authorization: Bearer <token>"}, 401)
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(wanted, safe='')}", status_code=303)
    posted = request.method == "POST" and caller is not None and not caller.via_token
    if posted and caller is not None and not csrf_ok(request, form, caller.csrf_token):
        return visit.error(403, "Your page was out of date",
                           "The form was sent without its security token, or from an old "
                           "page. Go back, reload the page and try again.")  # fmt: skip
    return handler(visit)


def build_app(settings: Settings, store: Store, lifespan: Lifespan | None = None) -> Starlette:
    """The web app on an open, up-to-date store; ``lifespan`` runs beside it (the
    scheduler, in `auditor serve`)."""
    from auditor.web import account, api, operations, pages, trends

    routes: list[BaseRoute] = [
        *account.routes(), *pages.routes(), *api.routes(), *trends.routes(),
        *operations.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]  # fmt: skip
    registry, latency = operations.registry_for(store)
    key = secret(settings.web.session_secret_env)
    if key is None:
        log.warning("%s is not set: sessions are signed with a key made now, so everyone "
                    "signs in again after a restart", settings.web.session_secret_env)  # fmt: skip
        key = secrets.token_urlsafe(32)
    middleware = [
        Middleware(operations.RequestMetrics, latency=latency, routes=routes),
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=key,
            session_cookie=COOKIE,
            same_site="lax",
            https_only=settings.web.secure_cookies,
            max_age=None,
        ),  # fmt: skip
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error, Exception: _crash})  # fmt: skip
    app.state.web = Web(settings, store, templates())
    app.state.metrics = registry
    return app


def templates() -> Jinja2Templates:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, finalize=_without_bidi_controls,
    )  # fmt: skip
    environment.filters["day"] = lambda d: f"{d.day} {d:%b %Y}" if d else ""
    environment.globals["check_titles"] = {name: cls.title for name, cls in REGISTRY.items()}
    environment.globals["history_labels"] = HISTORY_LABELS
    return Jinja2Templates(env=environment)


# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): in a
# name or reason from the data they would reorder the text after them on the page.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)], "\ufffd")


def _without_bidi_controls(value: Any) -> Any:
    """Every value a template writes, with the bidi controls of plain text shown as
    U+FFFD (markup the app made, such as a macro's output, is left as it is)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return value.translate(BIDI_CONTROLS)
    return value


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    web: Web = request.app.state.web
    title = "Page not found" if exc.status_code == 404 else "Something is not right"
    message = ("There is no page at this address. Check it, or go to your worklist."
               if exc.status_code == 404 else str(exc.detail))  # fmt: skip
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=exc.status_code)
    return await run_in_threadpool(_error_page, request, web, exc.status_code, title, message)


def _error_page(request: Request, web: Web, status: int, title: str, message: str) -> Response:
    """An error page with the header of whoever is signed in (their navigation and
    sign-out), or of nobody."""
    caller = identify(request, web.store, web.settings.web) if "session" in request.scope else None
    return Visit(request, web, caller).render("error.html", status=status, title=title,
                                              message=message)  # fmt: skip


async def _crash(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "something went wrong; it has been logged"}, 500)
    visit = Visit(request, request.app.state.web, None)
    return visit.render("error.html", status=500, title="Sorry, there is a problem",
                        message="Something went wrong on our side; it has been logged. "
                                "Try again later.")  # fmt: skip


class SecurityHeaders:
    """Security headers on every response, and a fresh CSP nonce per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        static = scope["path"].startswith("/static/")
        chart = scope["path"].startswith("/trends/charts/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                pairs = _headers(nonce, static, chart)
                headers.extend((k.encode(), v.encode()) for k, v in pairs)
            await send(message)

        await self.app(scope, receive, with_headers)


def _headers(nonce: str, static: bool, chart: bool = False) -> list[tuple[str, str]]:
    policy = (f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
              "img-src 'self' data:; font-src 'self'; form-action 'self'; "
              "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")  # fmt: skip
    if chart:  # a chart's SVG (auditor/web/trends.py), shown as an image: styles only
        policy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    headers = [
        ("content-security-policy", policy),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
    ]
    if not static:
        headers.append(("cache-control", "no-store"))
    return headers
