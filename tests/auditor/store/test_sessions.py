"""Signed-in browsers: a session lives until sign-out, ``idle`` without use or
``lifetime`` after sign-in; each sign-in is a new session; failed sign-ins are counted
per user name and per address within a window."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

import auditor.store.sessions as sessions
from auditor.store.database import Store
from auditor.store.models import User, WebSession
from auditor.store.sessions import (
    clear_failures,
    count_sessions,
    end_session,
    failures,
    record_failure,
    resume_session,
    start_session,
)
from auditor.store.users import add_user, token_hash
from tests.auditor.stores import snapshot

IDLE, LIFETIME = dt.timedelta(minutes=30), dt.timedelta(hours=12)
WINDOW = dt.timedelta(minutes=15)
START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, by: dt.timedelta) -> None:
        self.at += by


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(sessions, "now", ticking)
    return ticking


@pytest.fixture
def ada(store: Store) -> int:
    return add_user(store, "ada", "Ada", "admin", password=None, all_scope=True).id


def resume(store: Store, token: str) -> sessions.Session | None:
    return resume_session(store, token, IDLE, LIFETIME)


def test_a_started_session_resumes_as_its_user_with_a_csrf_token(
    store: Store, ada: int, clock: Clock
) -> None:
    token = start_session(store, ada)

    session = resume(store, token)

    assert session is not None and session.user.username == "ada"
    assert len(session.csrf_token) >= 32 and session.csrf_token != token
    assert resume(store, token) == session  # the same CSRF token for the session's life


def test_only_the_tokens_hash_is_kept(store: Store, ada: int, clock: Clock) -> None:
    token = start_session(store, ada)

    with store.reading() as connection:
        assert connection.scalars(select(WebSession.id)).all() == [token_hash(token)]
    assert token not in repr(snapshot(store))


def test_each_sign_in_is_a_new_session(store: Store, ada: int, clock: Clock) -> None:
    tokens = [start_session(store, ada) for _ in range(3)]

    assert len(set(tokens)) == 3
    csrf = {resume(store, t).csrf_token for t in tokens}  # type: ignore[union-attr]
    assert len(csrf) == 3
    assert count_sessions(store, ada) == 3


@pytest.mark.parametrize("token", ["", "made-up", "x" * 100])
def test_an_unknown_token_is_no_session(store: Store, ada: int, clock: Clock, token: str) -> None:
    start_session(store, ada)

    assert resume(store, token) is None


@pytest.mark.parametrize(("idle", "alive"), [(IDLE - MINUTE, True), (IDLE + MINUTE, False)])
def test_a_session_ends_after_the_idle_time_without_a_request(
    store: Store, ada: int, clock: Clock, idle: dt.timedelta, alive: bool
) -> None:
    token = start_session(store, ada)

    clock.advance(idle)

    assert (resume(store, token) is not None) is alive
    assert count_sessions(store, ada) == (1 if alive else 0)  # an ended one is deleted


def test_each_request_keeps_a_session_alive_until_its_lifetime(
    store: Store, ada: int, clock: Clock
) -> None:
    token = start_session(store, ada)
    for _ in range(int(LIFETIME / (IDLE - 5 * MINUTE))):
        clock.advance(IDLE - 5 * MINUTE)  # never idle for long
        if clock.at - START > LIFETIME:
            break
        assert resume(store, token) is not None, clock.at - START

    clock.at = START + LIFETIME + MINUTE
    assert resume(store, token) is None


def test_last_use_is_written_at_most_once_a_minute(store: Store, ada: int, clock: Clock) -> None:
    token = start_session(store, ada)

    def last_seen() -> dt.datetime:
        with store.reading() as connection:
            seen = connection.scalar(select(WebSession.last_seen_at))
        assert seen is not None
        return seen if seen.tzinfo else seen.replace(tzinfo=dt.UTC)

    clock.advance(dt.timedelta(seconds=30))
    resume(store, token)
    assert last_seen() == START
    clock.advance(dt.timedelta(seconds=40))
    resume(store, token)
    assert last_seen() == START + dt.timedelta(seconds=70)


def test_ending_a_session_ends_only_that_one(store: Store, ada: int, clock: Clock) -> None:
    first, second = start_session(store, ada), start_session(store, ada)

    end_session(store, first)

    assert resume(store, first) is None
    assert resume(store, second) is not None
    end_session(store, first)  # twice is harmless


def test_a_disabled_users_session_ends(store: Store, ada: int, clock: Clock) -> None:
    token = start_session(store, ada)
    with store.writing() as connection:  # behind set_disabled's back, which ends them too
        connection.execute(update(User).values(disabled=True))

    assert resume(store, token) is None
    assert count_sessions(store, ada) == 0


def test_failures_are_counted_per_user_name_and_per_address(store: Store, clock: Clock) -> None:
    for name, address in [("ada", "10.0.0.1"), ("ada", "10.0.0.2"), ("ADA ", "10.0.0.1"),
                          ("bob", "10.0.0.1"), ("cat", "10.0.0.3")]:  # fmt: skip
        record_failure(store, name, address)

    assert failures(store, "ada", "10.0.0.1", WINDOW) == (3, 3)
    assert failures(store, "Ada", "10.0.0.9", WINDOW) == (3, 0)
    assert failures(store, "bob", "10.0.0.2", WINDOW) == (1, 1)
    assert failures(store, "eve", "10.0.0.3", WINDOW) == (0, 1)


def test_failures_outside_the_window_no_longer_count(store: Store, clock: Clock) -> None:
    record_failure(store, "ada", "10.0.0.1")
    clock.advance(10 * MINUTE)
    record_failure(store, "ada", "10.0.0.1")

    assert failures(store, "ada", "10.0.0.1", WINDOW) == (2, 2)
    clock.advance(6 * MINUTE)  # the first is now 16 minutes old
    assert failures(store, "ada", "10.0.0.1", WINDOW) == (1, 1)
    clock.advance(10 * MINUTE)
    assert failures(store, "ada", "10.0.0.1", WINDOW) == (0, 0)


def test_a_successful_sign_in_clears_the_names_failures_not_the_addresss(
    store: Store, clock: Clock
) -> None:
    record_failure(store, "ada", "10.0.0.1")
    record_failure(store, "bob", "10.0.0.1")

    clear_failures(store, " ADA")

    assert failures(store, "ada", "10.0.0.1", WINDOW) == (0, 1)
    assert failures(store, "bob", "10.0.0.2", WINDOW) == (1, 0)
