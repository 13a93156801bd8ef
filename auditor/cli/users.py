"""`auditor users`: the worklist's users, on the configured store.

    auditor users add NAME --role admin --all --display-name "Ada Lovelace"
    auditor users add NAME --role admin --provider N07 --team N07T01
    auditor users add NAME --role spo --staff-code N07A001
    auditor users add NAME --role senior_manager --provider N07
    auditor users add NAME --role sysadmin
    auditor users list
    auditor users disable NAME      (and enable NAME)
    auditor users reset-password NAME
    auditor users token NAME        (a new API token; `--revoke` revokes them all)

A new password is made and shown once, unless ``--password-stdin`` reads one from
standard input (at least 12 characters). ``--sso`` adds a user who signs in only
through the trusted SSO header, with no password.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from auditor.cli.options import ConfigOption, out, settings_for

if TYPE_CHECKING:
    from auditor.store.database import Store

# auditor.store.users.ROLE_NAMES, written out so that the help needs no store (a test
# holds them equal); the store is imported by the commands that use it.
ROLES = ("admin", "spo", "senior_manager", "sysadmin")

app = typer.Typer(help="Manage the worklist's users: add, list, disable, reset-password, token.",
                  no_args_is_help=True)  # fmt: skip
NameArgument = Annotated[str, typer.Argument(help="The user name they sign in with.")]
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _store(config: ConfigOption) -> Store:
    from auditor.store.database import open_store

    store = open_store(settings_for(config).store)
    store.upgrade()
    return store


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set, and whether it was made here (and must be shown)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    from auditor.store.users import generated_password

    return generated_password(), True


@app.command("add")
def add(
    username: NameArgument,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    display_name: Annotated[str, typer.Option(help="Their name as pages show it.")] = "",
    email: Annotated[str | None, typer.Option(help="Their email address.")] = None,
    staff_code: Annotated[
        str | None, typer.Option(help="For an SPO: their staff code (their teams follow).")
    ] = None,
    provider: Annotated[
        list[str] | None, typer.Option(help="A provider they see (repeat for more).")
    ] = None,
    team: Annotated[list[str] | None, typer.Option(help="A team they see (repeat).")] = None,
    all_scope: Annotated[bool, typer.Option("--all", help="They see every provider.")] = False,
    sso: Annotated[bool, typer.Option(help="Signs in only through the SSO header.")] = False,
    password_stdin: StdinOption = False,
    config: ConfigOption = None,
) -> None:
    """Add a user."""
    from auditor.store.users import add_user

    password, made = (None, False) if sso else _password(password_stdin)
    store = _store(config)
    try:
        user = add_user(
            store, username, display_name or username, role, password=password, email=email,
            staff_code=staff_code, providers=provider or (), teams=team or (), all_scope=all_scope,
        )  # fmt: skip
    finally:
        store.dispose()
    out.print(f"Added {user.username} ({user.role_name}; sees {user.describe_scope()}).")
    if made:
        out.print(f"Password (shown only now): {password}", highlight=False)


@app.command("list")
def list_command(config: ConfigOption = None) -> None:
    """List the users: role, what they see, enabled or not."""
    from auditor.store.users import list_users

    store = _store(config)
    try:
        users = list_users(store)
    finally:
        store.dispose()
    table = Table(title="Worklist users", title_justify="left")
    for heading in ("user name", "name", "role", "sees", "state"):
        table.add_column(heading)
    for user in users:
        state = "disabled" if user.disabled else "active"
        table.add_row(user.username, user.display_name, user.role_name, user.describe_scope(),
                      state)  # fmt: skip
    out.print(table)


@app.command("disable")
def disable(username: NameArgument, config: ConfigOption = None) -> None:
    """Disable a user (they are signed out everywhere)."""
    _set(username, True, config)
    out.print(f"Disabled {username}; their sessions have ended.")


@app.command("enable")
def enable(username: NameArgument, config: ConfigOption = None) -> None:
    """Enable a disabled user again."""
    _set(username, False, config)
    out.print(f"Enabled {username}.")


def _set(username: str, disabled: bool, config: ConfigOption) -> None:
    from auditor.store.users import set_disabled

    store = _store(config)
    try:
        set_disabled(store, username, disabled)
    finally:
        store.dispose()


@app.command("reset-password")
def reset(username: NameArgument, password_stdin: StdinOption = False,
          config: ConfigOption = None) -> None:  # fmt: skip
    """Give a user a new password (they are signed out everywhere)."""
    from auditor.store.users import reset_password

    password, made = _password(password_stdin)
    store = _store(config)
    try:
        reset_password(store, username, password)
    finally:
        store.dispose()
    out.print(f"New password for {username}" + (f" (shown only now): {password}" if made else "."),
              highlight=False)  # fmt: skip


@app.command("token")
def token(
    username: NameArgument,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    revoke: Annotated[bool, typer.Option(help="Revoke all of the user's tokens.")] = False,
    config: ConfigOption = None,
) -> None:
    """Make an API token for a user (shown once), or revoke all of theirs."""
    from auditor.store.users import create_api_token, revoke_api_tokens

    store = _store(config)
    try:
        if revoke:
            out.print(f"Revoked {revoke_api_tokens(store, username)} token(s) of {username}.")
            return
        made = create_api_token(store, username, label)
    finally:
        store.dispose()
    out.print(f"API token for {username} (shown only now): {made}", highlight=False, soft_wrap=True)
    out.print("Send it as the header  Authorization: Bearer <token>  to /api/exceptions.")


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="users")
