"""Signing in and out, the home page, and the sysadmin's list of users.

Sign-in says only "the user name or password is not right", whichever it was (or
whether the user is disabled). Failed sign-ins are limited per user name and per
address (``[web] login_attempts`` within ``login_window_minutes``, four times as many
per address); while a limit is reached sign-in is refused, even with the right
password. A successful sign-in starts a new session and goes back to the page asked
for (only a path on this site).
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from auditor.store import sessions
from auditor.store.users import authenticate, list_users
from auditor.web.app import Visit, page
from auditor.web.auth import LOGIN_CSRF_KEY, client_address, csrf_ok, login_csrf, sign_in, sign_out

WRONG = "The user name or password is not right"
PER_ADDRESS = 4  # times login_attempts


def routes() -> list[Route]:
    return [
        Route("/", page(home, public=True)),
        Route("/login", page(login_form, public=True), methods=["GET"]),
        Route("/login", page(login, public=True), methods=["POST"]),
        Route("/logout", page(logout), methods=["POST"]),
        Route("/users", page(users)),
    ]


def home(visit: Visit) -> Response:
    if visit.caller is None:
        return RedirectResponse("/login", status_code=303)
    target = "/users" if visit.user.manages_users else "/exceptions"
    return RedirectResponse(target, status_code=303)


def login_form(visit: Visit, errors: list[tuple[str, str]] | None = None,
               username: str = "", status: int = 200) -> Response:  # fmt: skip
    if visit.caller is not None and not errors:
        return RedirectResponse(_next(visit), status_code=303)
    return visit.render(
        "login.html", status=status, errors=errors or [], username=username,
        login_csrf=login_csrf(visit.request), next=_next(visit),
    )  # fmt: skip


def login(visit: Visit) -> Response:
    request = visit.request
    if not csrf_ok(request, visit.form, request.session.get(LOGIN_CSRF_KEY)):
        return login_form(visit, [("Your sign-in page was out of date: try again", "#username")],
                          status=403)  # fmt: skip
    username, password = visit.field("username"), visit.field("password")
    if not username or not password:
        missing = [("Enter your user name", "#username")] if not username else []
        missing += [("Enter your password", "#password")] if not password else []
        return login_form(visit, missing, username, status=400)
    web = visit.web.settings.web
    address = client_address(request)
    window = dt.timedelta(minutes=web.login_window_minutes)
    by_name, by_address = sessions.failures(visit.store, username, address, window)
    if by_name >= web.login_attempts or by_address >= web.login_attempts * PER_ADDRESS:
        text = (f"Too many failed sign-ins: wait {web.login_window_minutes} minutes and try "
                "again, or ask your system administrator to reset your password")  # fmt: skip
        return login_form(visit, [(text, "#username")], username, status=429)
    user = authenticate(visit.store, username, password)
    if user is None:
        sessions.record_failure(visit.store, username, address)
        return login_form(visit, [(WRONG, "#username")], username, status=401)
    sessions.clear_failures(visit.store, username)
    target = _next(visit)
    sign_in(request, visit.store, user)
    return RedirectResponse(target, status_code=303)


def logout(visit: Visit) -> Response:
    sign_out(visit.request, visit.store)
    return RedirectResponse("/login?signed_out=1", status_code=303)


def users(visit: Visit) -> Response:
    if not visit.user.manages_users:
        return visit.error(403, "You cannot see this page", "Only a system administrator "
                           "manages users.")  # fmt: skip
    return visit.render("users.html", nav="users", users=list_users(visit.store))


def _next(visit: Visit) -> str:
    """Where to go after sign-in: a path on this site only (never another host)."""
    wanted = visit.field("next") or visit.request.query_params.get("next", "")
    if wanted.startswith("/") and not wanted.startswith("//") and "\\" not in wanted:
        return wanted
    return "/"
