"""`auditor --help` pays for typer alone: the commands import the stack when they run."""

from __future__ import annotations

import subprocess
import sys

import auditor.config
import auditor.store.users
from auditor.cli.options import DEFAULT_CONFIG
from auditor.cli.users import ROLES
from tests.auditor.processes import ROOT

HEAVY = ("polars", "pandera", "sqlalchemy", "pydantic", "numpy", "starlette", "holidays")
_PROBE = """
import sys
import auditor.cli
auditor.cli._register()
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})))
"""


def test_registering_every_command_imports_none_of_the_heavy_modules() -> None:
    probe = _PROBE.format(heavy=set(HEAVY))
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert done.stdout.split() == []


def test_the_light_copies_of_the_constants_match_their_modules() -> None:
    assert DEFAULT_CONFIG == auditor.config.DEFAULT_CONFIG
    assert tuple(auditor.store.users.ROLE_NAMES) == ROLES
