"""Run `auditor ARGS` through the real entry point with only some commands registered."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import pytest
import typer

import auditor.cli

Invoke = Callable[..., tuple[int, str]]
# `auditor` in another process, with only the commands of the store's work registered
_MAIN = """
import auditor.cli
from auditor.cli import run, serve
auditor.cli._register = lambda: [run.register(auditor.cli.app), serve.register(auditor.cli.app)]
auditor.cli.main()
"""


def auditor_command(*args: str) -> list[str]:
    """The command line of `auditor ARGS` in another process (run it from
    tests.auditor.processes.ROOT), with only `run` and `serve` registered."""
    return [sys.executable, "-c", _MAIN, *args]


def cli_with(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *commands: ModuleType
) -> Invoke:
    """An ``invoke(*args) -> (exit code, stdout + stderr)`` for an `auditor` app holding
    just these command modules (each exposes ``register(app)``), on a wide terminal."""
    app = typer.Typer(name="auditor", add_completion=False, pretty_exceptions_enable=False)
    app.callback()(lambda: None)
    monkeypatch.setattr(auditor.cli, "app", app)
    monkeypatch.setattr(auditor.cli, "_register", lambda: [c.register(app) for c in commands])
    monkeypatch.setenv("COLUMNS", "250")

    def invoke(*args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as done:
            auditor.cli.main(list(args))
        captured = capsys.readouterr()
        return int(done.value.code or 0), captured.out + captured.err

    return invoke
