"""The worklist's users: who they are, what role they have, what they may see.

Roles (ROLES):

- ``admin``: works the list (done, acknowledge, assign, snooze, dispute, comment) for
  named providers or teams, or all (``all_scope``);
- ``spo``: the same for the teams they manage (``staff_code`` is their staff code, and
  the extract's ``teams.spo_staff_code`` says which teams), and rules on disputes;
- ``senior_manager``: reads, for named providers or all; changes nothing;
- ``sysadmin``: manages users only; sees no case records.

Passwords are kept as argon2id hashes (argon2-cffi, its recommended parameters); a
user signed in through the trusted SSO header needs none. API tokens are random and
only their SHA-256 is kept (a token is as strong as a key, so a slow hash adds nothing).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from auditor.errors import AuditorError
from auditor.store.database import Store
from auditor.store.models import ApiToken, User, UserScope, WebSession
from auditor.store.repository import now
from auditor.store.scope import Scope

Role = Literal["admin", "spo", "senior_manager", "sysadmin"]
ROLE_NAMES: dict[str, str] = {
    "admin": "Admin",
    "spo": "Senior probation officer",
    "senior_manager": "Senior manager",
    "sysadmin": "System administrator",
}
MIN_PASSWORD = 12
_HASHER = PasswordHasher()


class UserRefused(AuditorError):
    """A change to the users that cannot be made (the message says why)."""


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    staff_code: str | None
    all_scope: bool
    disabled: bool
    providers: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]

    @property
    def reads_exceptions(self) -> bool:
        return self.role != "sysadmin"

    @property
    def works_exceptions(self) -> bool:
        """May change an exception (triage, done, assign, comment)."""
        return self.role in ("admin", "spo")

    @property
    def rules_on_disputes(self) -> bool:
        return self.role == "spo"

    @property
    def manages_users(self) -> bool:
        return self.role == "sysadmin"

    def scope(self) -> Scope:
        if self.role == "sysadmin":
            return Scope()
        if self.role == "spo":
            return Scope(spo=self.staff_code)
        return Scope(
            everything=self.all_scope,
            providers=frozenset(self.providers),
            teams=frozenset(self.teams),
        )

    def describe_scope(self) -> str:
        if self.role == "sysadmin":
            return "users only"
        if self.role == "spo":
            return f"teams managed by {self.staff_code}"
        return self.scope().describe()


def add_user(
    store: Store,
    username: str,
    display_name: str,
    role: str,
    *,
    password: str | None,
    email: str | None = None,
    staff_code: str | None = None,
    providers: Iterable[str] = (),
    teams: Iterable[str] = (),
    all_scope: bool = False,
) -> UserRecord:
    """Add a user; ``password`` None for a user who signs in only through SSO."""
    name = _username(username)
    providers, teams = _codes(providers), _codes(teams)
    _check_role(role, staff_code, providers, teams, all_scope)
    hashed = _hash(password) if password is not None else None
    at = now()
    with store.writing() as connection:
        if _user_id(connection, name) is not None:
            raise UserRefused(f"there is already a user '{name}'")
        values = {
            "username": name, "display_name": display_name.strip() or name, "email": email,
            "role": role, "staff_code": staff_code, "all_scope": all_scope, "disabled": False,
            "password_hash": hashed, "created_at": at, "updated_at": at,
        }  # fmt: skip
        user_id = connection.scalar(insert(User).values(values).returning(User.id))
        rows = [{"user_id": user_id, "kind": "provider", "code": c} for c in providers]
        rows += [{"user_id": user_id, "kind": "team", "code": c} for c in teams]
        if rows:
            connection.execute(insert(UserScope), rows)
    found = find_user(store, name)
    assert found is not None
    return found


def list_users(store: Store) -> list[UserRecord]:
    with store.reading() as connection:
        ids = connection.scalars(select(User.id).order_by(User.username)).all()
        return [_read(connection, user_id) for user_id in ids]


def find_user(store: Store, username: str) -> UserRecord | None:
    with store.reading() as connection:
        user_id = _user_id(connection, _username(username))
        return None if user_id is None else _read(connection, user_id)


def user_by_id(connection: Connection, user_id: int) -> UserRecord | None:
    exists = connection.scalar(select(User.id).where(User.id == user_id))
    return None if exists is None else _read(connection, user_id)


def set_disabled(store: Store, username: str, disabled: bool = True) -> None:
    """Disable (or enable again) a user; disabling also signs them out everywhere."""
    with store.writing() as connection:
        user_id = _require(connection, username)
        connection.execute(
            update(User).where(User.id == user_id).values(disabled=disabled, updated_at=now())
        )
        if disabled:
            connection.execute(delete(WebSession).where(WebSession.user_id == user_id))


def reset_password(store: Store, username: str, password: str) -> None:
    """Set a new password and sign the user out everywhere."""
    hashed = _hash(password)
    with store.writing() as connection:
        user_id = _require(connection, username)
        connection.execute(
            update(User).where(User.id == user_id).values(password_hash=hashed, updated_at=now())
        )
        connection.execute(delete(WebSession).where(WebSession.user_id == user_id))


def authenticate(store: Store, username: str, password: str) -> UserRecord | None:
    """The user, when the name and password are right and the user is enabled; else None
    (which of the three was wrong is not said). Takes the same time for a wrong name."""
    with store.reading() as connection:
        row = connection.execute(
            select(User.id, User.password_hash, User.disabled).where(
                User.username == _username(username, strict=False)
            )
        ).one_or_none()
        stored = row.password_hash if row is not None and row.password_hash else None
        if not _verify(stored or _unknown_user_hash(), password) or stored is None:
            return None
        if row is None or row.disabled:
            return None
        return _read(connection, row.id)


def create_api_token(store: Store, username: str, label: str) -> str:
    """A new API token for the user; shown once, only its hash is kept."""
    token = "aud_" + secrets.token_urlsafe(32)
    with store.writing() as connection:
        user_id = _require(connection, username)
        values = {"user_id": user_id, "token_hash": token_hash(token), "label": label,
                  "created_at": now()}  # fmt: skip
        connection.execute(insert(ApiToken).values(values))
    return token


def revoke_api_tokens(store: Store, username: str) -> int:
    """Revoke every API token of the user; returns how many."""
    with store.writing() as connection:
        user_id = _require(connection, username)
        result = connection.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now())
        )
        return result.rowcount


def user_for_token(store: Store, token: str) -> UserRecord | None:
    """The enabled user a live API token belongs to, or None."""
    with store.writing() as connection:
        token_id, user_id = connection.execute(
            select(ApiToken.id, ApiToken.user_id).where(
                ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None)
            )
        ).one_or_none() or (None, None)
        user = None if user_id is None else user_by_id(connection, user_id)
        if user is None or user.disabled:
            return None
        connection.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now())
        )
        return user


def active_admins(connection: Connection) -> list[tuple[str, str]]:
    """(username, display name) of every enabled admin, for "assign to"."""
    query = (
        select(User.username, User.display_name)
        .where(User.role == "admin", User.disabled.is_(False))
        .order_by(User.display_name)
    )
    return [(row.username, row.display_name) for row in connection.execute(query)]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _read(connection: Connection, user_id: int) -> UserRecord:
    user = connection.execute(select(*User.__table__.c).where(User.id == user_id)).one()
    scopes = connection.execute(
        select(UserScope.kind, UserScope.code)
        .where(UserScope.user_id == user_id)
        .order_by(UserScope.code)
    ).all()
    return UserRecord(
        user.id, user.username, user.display_name, user.email, user.role,  # type: ignore[arg-type]
        user.staff_code, user.all_scope, user.disabled,
        tuple(code for kind, code in scopes if kind == "provider"),
        tuple(code for kind, code in scopes if kind == "team"),
    )  # fmt: skip


def _user_id(connection: Connection, username: str) -> int | None:
    return connection.scalar(select(User.id).where(User.username == username))


def _require(connection: Connection, username: str) -> int:
    user_id = _user_id(connection, _username(username))
    if user_id is None:
        raise UserRefused(f"there is no user '{username}'; `auditor users list` shows them")
    return user_id


def _username(username: str, strict: bool = True) -> str:
    name = username.strip().lower()
    if strict and not (0 < len(name) <= 128 and name.isprintable() and " " not in name):
        raise UserRefused(f"'{username}' is not a usable user name (no spaces, 1–128 characters)")
    return name


def _codes(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({c.strip().upper() for c in codes if c.strip()}))


def _check_role(
    role: str, staff_code: str | None, providers: tuple[str, ...], teams: tuple[str, ...],
    all_scope: bool,
) -> None:  # fmt: skip
    if role not in get_args(Role):
        raise UserRefused(f"'{role}' is not a role; roles: {', '.join(get_args(Role))}")
    scoped = all_scope or providers or teams
    if role == "spo" and (not staff_code or scoped):
        raise UserRefused("an SPO needs --staff-code (their teams come from the extract) "
                          "and no --provider, --team or --all")  # fmt: skip
    if role in ("admin", "senior_manager") and not scoped:
        raise UserRefused(f"a {role} needs --all, or at least one --provider or --team")
    if role == "senior_manager" and teams:
        raise UserRefused("a senior manager sees providers (--provider) or all (--all)")
    if role == "sysadmin" and scoped:
        raise UserRefused("a sysadmin manages users only: no --provider, --team or --all")


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserRefused(f"a password needs at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


@cache
def _unknown_user_hash() -> str:
    """A hash to verify against for a wrong user name, so that it costs as much as a
    wrong password (made once, on first need: hashing is slow on purpose)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def generated_password() -> str:
    """A strong password to hand to a new user (they may be given a new one later)."""
    return secrets.token_urlsafe(15)
