"""`auditor users`: add, list, disable, enable, reset-password and token, on the
configured store; a mistake exits 2 with a message and no traceback."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from auditor.cli import users as users_command
from auditor.store.database import Store
from auditor.store.sessions import count_sessions, start_session
from auditor.store.users import authenticate, find_user, user_for_token
from tests.auditor.cli.invoke import Invoke, cli_with

PASSWORD = "correct horse battery staple"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Invoke:
    return cli_with(monkeypatch, capsys, users_command)


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[store]\nurl = "{store_url}"\n')
    return str(path)


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> object:
    def give(text: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    return give


def shown_password(output: str) -> str:
    found = re.search(r"\(shown only now\): (\S+)", output)
    assert found is not None, output
    return found.group(1)


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--role", "admin", "--all"], "Added ada (Admin; sees all providers)."),
        (
            ["--role", "admin", "--provider", "n07", "--team", "N07T01", "--team", "N07T02"],
            "Added ada (Admin; sees providers N07; teams N07T01, N07T02).",
        ),
        (
            ["--role", "spo", "--staff-code", "N07S001"],
            "Added ada (Senior probation officer; sees teams managed by N07S001).",
        ),
        (
            ["--role", "senior_manager", "--provider", "N07"],
            "Added ada (Senior manager; sees providers N07).",
        ),
        (["--role", "sysadmin"], "Added ada (System administrator; sees users only)."),
    ],
)
def test_adding_a_user_shows_their_new_password_once(
    cli: Invoke, config: str, store: Store, options: list[str], said: str
) -> None:
    code, output = cli(
        "users", "add", "Ada", "--display-name", "Ada Lovelace", *options, "--config", config
    )

    assert code == 0, output
    assert said in output
    password = shown_password(output)
    assert len(password) >= 12
    user = authenticate(store, "ada", password)
    assert user is not None and user.display_name == "Ada Lovelace"


def test_a_password_from_stdin_is_set_and_not_shown(
    cli: Invoke, config: str, store: Store, stdin: object
) -> None:
    stdin(PASSWORD + "\n")  # type: ignore[operator]

    code, output = cli(
        "users", "add", "ada", "--role", "admin", "--all", "--password-stdin", "--config", config
    )

    assert code == 0, output
    assert PASSWORD not in output and "shown only now" not in output
    assert authenticate(store, "ada", PASSWORD) is not None


def test_an_sso_user_has_no_password(cli: Invoke, config: str, store: Store) -> None:
    code, output = cli(
        "users", "add", "ada", "--role", "admin", "--all", "--sso", "--config", config
    )

    assert code == 0 and "Password" not in output
    assert find_user(store, "ada") is not None
    assert authenticate(store, "ada", "") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "ada", "--role", "boss", "--all"], "'boss' is not a role"),
        (["add", "ada", "--role", "admin"], "a admin needs --all, or at least one --provider"),
        (["add", "ada", "--role", "spo"], "an SPO needs --staff-code"),
        (["add", "ada", "--role", "spo", "--staff-code", "N07S001", "--all"], "an SPO needs"),
        (["add", "ada", "--role", "senior_manager", "--team", "N07T01"], "sees providers"),
        (["add", "ada", "--role", "sysadmin", "--all"], "a sysadmin manages users only"),
        (["add", "ada lovelace", "--role", "admin", "--all"], "is not a usable user name"),
        (["add", "bob", "--role", "admin", "--all"], "there is already a user 'bob'"),
        (["disable", "nobody"], "there is no user 'nobody'"),
        (["enable", "nobody"], "there is no user 'nobody'"),
        (["reset-password", "nobody"], "there is no user 'nobody'"),
        (["token", "nobody"], "there is no user 'nobody'"),
        (["token", "nobody", "--revoke"], "there is no user 'nobody'"),
    ],
)
def test_a_mistake_exits_2_with_a_message_and_no_traceback(
    cli: Invoke, config: str, store: Store, args: list[str], message: str
) -> None:
    assert cli("users", "add", "bob", "--role", "admin", "--all", "--config", config)[0] == 0

    code, output = cli("users", *args, "--config", config)

    assert code == 2
    assert "error:" in output and message in " ".join(output.split())
    assert "Traceback" not in output
    assert [u for u in ("ada", "ada lovelace") if find_user(store, u.replace(" ", ""))] == []


@pytest.mark.parametrize("command", ["add", "reset-password"])
def test_a_short_password_from_stdin_is_refused(
    cli: Invoke, config: str, store: Store, stdin: object, command: str
) -> None:
    cli("users", "add", "bob", "--role", "admin", "--all", "--config", config)
    stdin("too short\n")  # type: ignore[operator]
    options = ["--role", "admin", "--all"] if command == "add" else []
    name = "ada" if command == "add" else "bob"

    code, output = cli("users", command, name, *options, "--password-stdin", "--config", config)

    assert code == 2 and "a password needs at least 12 characters" in output
    assert "Traceback" not in output
    assert find_user(store, "ada") is None


@pytest.mark.parametrize(
    "args",
    [
        ["add", "ada"],  # no --role
        ["add", "--role", "admin"],  # no name
        ["frobnicate"],
        ["add", "ada", "--role", "admin", "--all", "--colour", "blue"],
    ],
)
def test_a_command_line_that_makes_no_sense_exits_2(
    cli: Invoke, config: str, args: list[str]
) -> None:
    code, output = cli("users", *args, "--config", config)

    assert code == 2 and "Traceback" not in output
    assert "Usage" in output or "Error" in output


def test_the_list_shows_each_users_role_scope_and_state(
    cli: Invoke, config: str, store: Store
) -> None:
    for args in (
        ["ada", "--role", "admin", "--all", "--display-name", "Ada L"],
        ["sam", "--role", "spo", "--staff-code", "N07S001"],
        ["meg", "--role", "senior_manager", "--provider", "N07"],
    ):
        assert cli("users", "add", *args, "--config", config)[0] == 0
    cli("users", "disable", "meg", "--config", config)

    code, output = cli("users", "list", "--config", config)

    assert code == 0
    lines = {line.split()[1]: line for line in output.splitlines() if line.startswith("│ ")}
    assert set(lines) == {"ada", "meg", "sam"}
    assert "Ada L" in lines["ada"] and "all providers" in lines["ada"] and "active" in lines["ada"]
    assert "Senior probation officer" in lines["sam"] and "N07S001" in lines["sam"]
    assert "disabled" in lines["meg"] and "providers N07" in lines["meg"]


def test_disabling_signs_out_and_enabling_lets_in_again(
    cli: Invoke, config: str, store: Store, stdin: object
) -> None:
    stdin(PASSWORD + "\n")  # type: ignore[operator]
    cli("users", "add", "ada", "--role", "admin", "--all", "--password-stdin", "--config", config)
    ada = find_user(store, "ada")
    assert ada is not None
    start_session(store, ada.id)

    code, output = cli("users", "disable", "ADA", "--config", config)

    assert code == 0 and "Disabled ADA; their sessions have ended." in output
    assert count_sessions(store, ada.id) == 0
    assert authenticate(store, "ada", PASSWORD) is None
    assert cli("users", "enable", "ada", "--config", config) == (0, "Enabled ada.\n")
    assert authenticate(store, "ada", PASSWORD) is not None


def test_a_reset_password_is_shown_once_and_replaces_the_old(
    cli: Invoke, config: str, store: Store, stdin: object
) -> None:
    stdin(PASSWORD + "\n")  # type: ignore[operator]
    cli("users", "add", "ada", "--role", "admin", "--all", "--password-stdin", "--config", config)
    start_session(store, find_user(store, "ada").id)  # type: ignore[union-attr]

    code, output = cli("users", "reset-password", "ada", "--config", config)

    assert code == 0
    new = shown_password(output)
    assert authenticate(store, "ada", PASSWORD) is None
    assert authenticate(store, "ada", new) is not None
    assert count_sessions(store, find_user(store, "ada").id) == 0  # type: ignore[union-attr]


def test_a_token_is_shown_once_and_revoking_ends_them_all(
    cli: Invoke, config: str, store: Store
) -> None:
    cli("users", "add", "ada", "--role", "admin", "--all", "--config", config)

    first = shown_password(
        cli("users", "token", "ada", "--label", "dashboard", "--config", config)[1]
    )
    code, output = cli("users", "token", "ada", "--config", config)
    second = shown_password(output)

    assert code == 0 and "Authorization: Bearer <token>" in output
    assert first != second and first.startswith("aud_")
    assert user_for_token(store, first).username == "ada"  # type: ignore[union-attr]
    assert cli("users", "token", "ada", "--revoke", "--config", config) == (
        0,
        "Revoked 2 token(s) of ada.\n",
    )
    assert user_for_token(store, first) is None and user_for_token(store, second) is None
