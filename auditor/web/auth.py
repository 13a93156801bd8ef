"""Who is asking: the session cookie, an API token, or the trusted SSO header; and the
CSRF check on every POST.

- **Session cookie**: Starlette's SessionMiddleware signs the cookie (itsdangerous,
  HttpOnly, SameSite=Lax, Secure when the base URL is https). It holds only a random
  session token (auditor/store/sessions.py keeps its hash, the user and the CSRF
  token) and, before sign-in, the sign-in form's own CSRF token.
- **API token**: ``Authorization: Bearer <token>`` on /api/ (no cookie, so no CSRF).
- **SSO**: with ``[web] sso_header`` set, a request from one of ``trusted_proxies``
  carrying the header is that user (who must exist and be enabled); the first such
  request starts a session, which holds the CSRF token as for a password sign-in.
- **CSRF**: a POST from a browser session must carry the session's token, as the form
  field ``csrf_token`` or the header ``X-CSRF-Token``; otherwise 403, and nothing done.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from auditor.config import WebSettings
from auditor.store.database import Store
from auditor.store.sessions import Session, end_session, resume_session, start_session
from auditor.store.users import UserRecord, UserRefused, find_user, user_for_token

SESSION_KEY = "sid"
LOGIN_CSRF_KEY = "login_csrf"


@dataclass(frozen=True)
class Caller:
    """The signed-in user of a request, and how they came."""

    user: UserRecord
    csrf_token: str | None  # None for an API token (no cookie, no CSRF)
    via_token: bool = False


def identify(request: Request, store: Store, web: WebSettings) -> Caller | None:
    """The request's user, or None when nobody (alive and enabled) is signed in."""
    bearer = _bearer(request)
    if bearer is not None:
        if not request.url.path.startswith("/api/"):
            return None
        user = user_for_token(store, bearer)
        return Caller(user, None, via_token=True) if user else None
    session = _cookie_session(request, store, web)
    sso_name = _sso_name(request, web)
    if sso_name is not None:
        if session is not None and session.user.username == sso_name.lower():
            return Caller(session.user, session.csrf_token)
        return _sso_sign_in(request, store, web, sso_name)
    return None if session is None else Caller(session.user, session.csrf_token)


def sign_in(request: Request, store: Store, user: UserRecord) -> None:
    """Start a new session for the user: any session the browser had is ended first,
    so a session id known before sign-in is worthless after it."""
    sign_out(request, store)
    request.session.clear()
    request.session[SESSION_KEY] = start_session(store, user.id)


def sign_out(request: Request, store: Store) -> None:
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        end_session(store, token)
    request.session.clear()


def login_csrf(request: Request) -> str:
    """The sign-in form's CSRF token (kept in the signed cookie before sign-in)."""
    token = request.session.get(LOGIN_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[LOGIN_CSRF_KEY] = token
    return token


def csrf_ok(request: Request, form: FormData | None, expected: str | None) -> bool:
    """Whether a POST carries the expected CSRF token (form field or header)."""
    if not expected:
        return False
    given: Any = request.headers.get("x-csrf-token")
    if given is None and form is not None:
        given = form.get("csrf_token")
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _cookie_session(request: Request, store: Store, web: WebSettings) -> Session | None:
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    session = resume_session(
        store, token, dt.timedelta(minutes=web.idle_minutes), dt.timedelta(hours=web.session_hours)
    )
    if session is None:
        request.session.pop(SESSION_KEY, None)
    return session


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _sso_name(request: Request, web: WebSettings) -> str | None:
    if not web.sso_header or client_address(request) not in web.trusted_proxies:
        return None
    name = request.headers.get(web.sso_header, "").strip()
    return name or None


def _sso_sign_in(request: Request, store: Store, web: WebSettings, name: str) -> Caller | None:
    try:
        user = find_user(store, name)
    except UserRefused:  # not even a possible user name
        return None
    if user is None or user.disabled:
        return None
    sign_in(request, store, user)
    session = _cookie_session(request, store, web)
    return None if session is None else Caller(session.user, session.csrf_token)
