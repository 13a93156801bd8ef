"""Signed-in browsers and the sign-in rate limit, kept in the store so that every
`auditor serve` process sharing it agrees.

A session is a random token (the cookie's, signed by the web app); the store keeps its
SHA-256, the user, a CSRF token and when it was last used. A session ends at sign-out,
after ``idle`` without a request, ``lifetime`` after sign-in, or when the user is
disabled or given a new password. Signing in always starts a new session (a session id
fixed before sign-in is never reused).

Failed sign-ins are counted per user name and per address over a window; the web app
refuses sign-in while either count is at its limit, whatever the password.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, or_, select, update

from auditor.store.database import Store
from auditor.store.models import LoginFailure, WebSession
from auditor.store.repository import now
from auditor.store.users import UserRecord, token_hash, user_by_id

TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class Session:
    user: UserRecord
    csrf_token: str


def start_session(store: Store, user_id: int) -> str:
    """A new session for the user; returns its token (for the cookie only)."""
    token = secrets.token_urlsafe(32)
    at = now()
    values = {
        "id": token_hash(token),
        "user_id": user_id,
        "csrf_token": secrets.token_urlsafe(32),
        "created_at": at,
        "last_seen_at": at,
    }
    with store.writing() as connection:
        connection.execute(insert(WebSession).values(values))
    return token


def resume_session(
    store: Store, token: str, idle: dt.timedelta, lifetime: dt.timedelta
) -> Session | None:
    """The session of a cookie's token, if it is still alive (and marks it used)."""
    at = now()
    key = token_hash(token)
    with store.reading() as connection:
        row = connection.execute(
            select(*WebSession.__table__.c).where(WebSession.id == key)
        ).one_or_none()
        user = None if row is None else user_by_id(connection, row.user_id)
    if row is None or user is None:
        return None
    if (
        user.disabled
        or at - _aware(row.last_seen_at) > idle
        or at - _aware(row.created_at) > lifetime
    ):
        end_session(store, token)
        return None
    if at - _aware(row.last_seen_at) > TOUCH_EVERY:
        with store.writing() as connection:
            connection.execute(
                update(WebSession).where(WebSession.id == key).values(last_seen_at=at)
            )
    return Session(user, row.csrf_token)


def end_session(store: Store, token: str) -> None:
    with store.writing() as connection:
        connection.execute(delete(WebSession).where(WebSession.id == token_hash(token)))


def record_failure(store: Store, username: str, address: str) -> None:
    values = {"at": now(), "username": username.strip().lower()[:128], "address": address[:64]}
    with store.writing() as connection:
        connection.execute(insert(LoginFailure).values(values))


def clear_failures(store: Store, username: str) -> None:
    with store.writing() as connection:
        connection.execute(
            delete(LoginFailure).where(LoginFailure.username == username.strip().lower())
        )


def failures(store: Store, username: str, address: str, window: dt.timedelta) -> tuple[int, int]:
    """Failed sign-ins within the window: for this user name, and from this address."""
    since = now() - window
    name = username.strip().lower()[:128]
    with store.writing() as connection:  # old rows go as the window moves on
        connection.execute(delete(LoginFailure).where(LoginFailure.at < since))
        recent = select(LoginFailure.username, LoginFailure.address).where(
            LoginFailure.at >= since,
            or_(LoginFailure.username == name, LoginFailure.address == address),
        )
        rows = connection.execute(recent).all()
    return sum(r.username == name for r in rows), sum(r.address == address for r in rows)


def count_sessions(store: Store, user_id: int) -> int:
    with store.reading() as connection:
        return (
            connection.scalar(
                select(func.count()).select_from(WebSession).where(WebSession.user_id == user_id)
            )
            or 0
        )


def _aware(at: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes: the store writes UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
