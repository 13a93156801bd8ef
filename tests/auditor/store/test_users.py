"""The worklist's users: roles and what each sees, passwords kept as argon2id hashes,
sign-in that says nothing about which part was wrong, API tokens kept as hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from auditor.store.database import Store
from auditor.store.models import ApiToken, User
from auditor.store.scope import Scope
from auditor.store.sessions import count_sessions, resume_session, start_session
from auditor.store.users import (
    MIN_PASSWORD,
    UserRefused,
    active_admins,
    add_user,
    authenticate,
    create_api_token,
    find_user,
    list_users,
    reset_password,
    revoke_api_tokens,
    set_disabled,
    user_for_token,
)
from tests.auditor.stores import snapshot

PASSWORD = "correct horse battery staple"
LONG = dt.timedelta(days=1)


def add(store: Store, name: str = "ada", role: str = "admin", **options: Any) -> Any:
    options.setdefault("password", PASSWORD)
    if role in ("admin", "senior_manager") and not {"providers", "teams"} & set(options):
        options.setdefault("all_scope", True)
    return add_user(store, name, name.capitalize(), role, **options)


@pytest.mark.parametrize(
    ("role", "options", "scope"),
    [
        ("admin", {"all_scope": True}, Scope(everything=True)),
        ("admin", {"providers": ["n01", " N02 "]}, Scope(providers=frozenset({"N01", "N02"}))),
        ("admin", {"teams": ["N01T01"]}, Scope(teams=frozenset({"N01T01"}))),
        ("admin", {"providers": ["N01"], "teams": ["N02T01"]},
         Scope(providers=frozenset({"N01"}), teams=frozenset({"N02T01"}))),
        ("spo", {"staff_code": "N01S001"}, Scope(spo="N01S001")),
        ("senior_manager", {"providers": ["N01"]}, Scope(providers=frozenset({"N01"}))),
        ("senior_manager", {"all_scope": True}, Scope(everything=True)),
        ("sysadmin", {}, Scope()),
    ],
)  # fmt: skip
def test_each_role_sees_what_its_scope_says(
    store: Store, role: str, options: dict[str, Any], scope: Scope
) -> None:
    user = add_user(store, "ada", "Ada", role, password=PASSWORD, **options)

    assert find_user(store, "ada") == user
    assert (user.role, user.scope()) == (role, scope)
    assert user.reads_exceptions is (role != "sysadmin")
    assert user.works_exceptions is (role in ("admin", "spo"))
    assert user.rules_on_disputes is (role == "spo")
    assert user.manages_users is (role == "sysadmin")


@pytest.mark.parametrize(
    ("role", "options", "message"),
    [
        ("boss", {"all_scope": True}, "'boss' is not a role"),
        ("admin", {}, "needs --all, or at least one --provider or --team"),
        ("senior_manager", {}, "needs --all"),
        ("senior_manager", {"teams": ["N01T01"]}, "sees providers"),
        ("spo", {}, "an SPO needs --staff-code"),
        ("spo", {"staff_code": "N01S001", "teams": ["N01T01"]}, "an SPO needs --staff-code"),
        ("spo", {"staff_code": "N01S001", "all_scope": True}, "an SPO needs"),
        ("sysadmin", {"all_scope": True}, "manages users only"),
        ("sysadmin", {"providers": ["N01"]}, "manages users only"),
        ("admin", {"teams": [" ", ""]}, "needs --all"),  # blank codes are no codes
    ],
)
def test_a_role_without_the_scope_it_needs_is_refused(
    store: Store, role: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(UserRefused, match=message):
        add_user(store, "ada", "Ada", role, password=PASSWORD, **options)

    assert list_users(store) == []


@pytest.mark.parametrize("name", ["", "  ", "ada lovelace", "a\tb", "x" * 129, "bell\x07"])
def test_an_unusable_user_name_is_refused(store: Store, name: str) -> None:
    with pytest.raises(UserRefused, match="not a usable user name"):
        add(store, name)

    assert list_users(store) == []


def test_user_names_are_one_whatever_their_case_and_spaces(store: Store) -> None:
    add(store, " Ada ")

    assert find_user(store, "ADA") is not None
    assert find_user(store, "ada").username == "ada"  # type: ignore[union-attr]
    with pytest.raises(UserRefused, match="already a user 'ada'"):
        add(store, "ADA", password="another password entirely")
    assert [u.username for u in list_users(store)] == ["ada"]


def test_a_password_needs_the_minimum_length(store: Store) -> None:
    with pytest.raises(UserRefused, match=f"at least {MIN_PASSWORD} characters"):
        add(store, "ada", password="x" * (MIN_PASSWORD - 1))
    assert list_users(store) == []

    add(store, "ada", password="x" * MIN_PASSWORD)
    assert authenticate(store, "ada", "x" * MIN_PASSWORD) is not None


def test_a_password_is_kept_as_an_argon2id_hash_and_never_as_itself(store: Store) -> None:
    add(store, "ada", password=PASSWORD)

    with store.reading() as connection:
        stored = connection.scalar(select(User.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in repr(snapshot(store))


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("ada", PASSWORD),  # right
        ("ADA", PASSWORD),  # the name in another case is the same user
        ("ada", "wrong password here"),
        ("ada", PASSWORD.upper()),
        ("ada", ""),
        ("bob", PASSWORD),  # unknown user
        ("dan", PASSWORD),  # disabled
        ("sso", PASSWORD),  # signs in only through SSO: no password is right
        ("sso", ""),
        ("bad name", PASSWORD),
    ],
)
def test_only_the_right_password_of_an_enabled_user_authenticates(
    store: Store, name: str, password: str
) -> None:
    add(store, "ada")
    add(store, "dan")
    set_disabled(store, "dan")
    add(store, "sso", password=None)

    user = authenticate(store, name, password)

    right = name.lower() == "ada" and password == PASSWORD
    assert (user is not None) is right
    if user is not None:
        assert user.username == "ada"


def test_an_enabled_user_signs_in_again(store: Store) -> None:
    add(store, "ada")
    set_disabled(store, "ada")
    assert authenticate(store, "ada", PASSWORD) is None

    set_disabled(store, "ada", disabled=False)
    assert authenticate(store, "ada", PASSWORD) is not None


@pytest.mark.parametrize("how", ["reset_password", "disable"])
def test_a_new_password_or_disabling_ends_every_session_of_that_user(
    store: Store, how: str
) -> None:
    ada, bob = add(store, "ada"), add(store, "bob")
    tokens = [start_session(store, ada.id), start_session(store, ada.id)]
    theirs = start_session(store, bob.id)

    if how == "reset_password":
        reset_password(store, "ada", "a brand new password")
    else:
        set_disabled(store, "ada")

    assert count_sessions(store, ada.id) == 0
    assert all(resume_session(store, t, LONG, LONG) is None for t in tokens)
    assert resume_session(store, theirs, LONG, LONG) is not None


def test_a_reset_password_replaces_the_old_one(store: Store) -> None:
    add(store, "ada")

    reset_password(store, "ada", "a brand new password")

    assert authenticate(store, "ada", PASSWORD) is None
    assert authenticate(store, "ada", "a brand new password") is not None
    with pytest.raises(UserRefused, match="at least"):
        reset_password(store, "ada", "short")
    assert authenticate(store, "ada", "a brand new password") is not None


@pytest.mark.parametrize(
    "change",
    [
        lambda s: set_disabled(s, "nobody"),
        lambda s: reset_password(s, "nobody", "a brand new password"),
        lambda s: create_api_token(s, "nobody", "api"),
        lambda s: revoke_api_tokens(s, "nobody"),
    ],
)
def test_a_change_to_an_unknown_user_is_refused(store: Store, change: Any) -> None:
    with pytest.raises(UserRefused, match="there is no user 'nobody'"):
        change(store)


def test_an_api_token_names_its_user_and_only_its_hash_is_kept(store: Store) -> None:
    add(store, "ada")

    token = create_api_token(store, "ada", "dashboard")

    user = user_for_token(store, token)
    assert user is not None and user.username == "ada"
    with store.reading() as connection:
        row = connection.execute(select(*ApiToken.__table__.c)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (row.label, row.revoked_at) == ("dashboard", None)
    assert row.last_used_at is not None  # resolving it marked it used
    assert token not in repr(snapshot(store))


@pytest.mark.parametrize("token", ["", "aud_", "aud_not-a-token", "x" * 200])
def test_an_unknown_token_names_nobody(store: Store, token: str) -> None:
    add(store, "ada")
    create_api_token(store, "ada", "api")

    assert user_for_token(store, token) is None


def test_revoking_ends_every_token_of_the_user_and_no_other(store: Store) -> None:
    add(store, "ada")
    add(store, "bob")
    ada_tokens = [create_api_token(store, "ada", "one"), create_api_token(store, "ada", "two")]
    bob_token = create_api_token(store, "bob", "api")

    assert revoke_api_tokens(store, "ada") == 2
    assert revoke_api_tokens(store, "ada") == 0  # already revoked

    assert [user_for_token(store, t) for t in ada_tokens] == [None, None]
    assert user_for_token(store, bob_token) is not None
    fresh = create_api_token(store, "ada", "three")
    assert user_for_token(store, fresh) is not None


def test_a_disabled_users_token_names_nobody(store: Store) -> None:
    add(store, "ada")
    token = create_api_token(store, "ada", "api")

    set_disabled(store, "ada")

    assert user_for_token(store, token) is None


def test_each_token_is_new(store: Store) -> None:
    add(store, "ada")

    tokens = {create_api_token(store, "ada", "api") for _ in range(5)}

    assert len(tokens) == 5 and all(t.startswith("aud_") and len(t) > 40 for t in tokens)


def test_only_enabled_admins_can_be_assigned(store: Store) -> None:
    add(store, "ada")
    add(store, "zed")
    add(store, "dan")
    set_disabled(store, "dan")
    add(store, "sam", "spo", staff_code="N01S001")
    add(store, "meg", "senior_manager")
    add(store, "sys", "sysadmin")

    with store.reading() as connection:
        assert [name for name, _ in active_admins(connection)] == ["ada", "zed"]


@pytest.mark.parametrize(
    ("role", "options", "described"),
    [
        ("admin", {"all_scope": True}, "all providers"),
        ("admin", {"providers": ["N02", "N01"], "teams": ["N03T01"]},
         "providers N01, N02; teams N03T01"),
        ("spo", {"staff_code": "N01S001"}, "teams managed by N01S001"),
        ("sysadmin", {}, "users only"),
    ],
)  # fmt: skip
def test_a_users_scope_is_described_in_words(
    store: Store, role: str, options: dict[str, Any], described: str
) -> None:
    assert add_user(store, "ada", "", role, password=None, **options).describe_scope() == described
