"""A test guards the registry (STYLE.md rule 11): every check is in CHECKS.md, has its
own module and test module, a [checks.<name>] block in config.toml with CHECKS.md's
defaults, and a line in the `auditor checks` catalogue."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checks.base import Check
from checks.registry import REGISTRY, parameters

REPO = Path(__file__).resolve().parents[2]
CHECKS_MD = REPO.parent / "shared" / "spec" / "CHECKS.md"


def spec_names() -> list[str]:
    text = CHECKS_MD.read_text(encoding="utf-8")
    return re.findall(r"^### ([a-z_]+)$", text, flags=re.MULTILINE)


def test_the_registry_holds_exactly_the_checks_of_the_spec() -> None:
    assert list(REGISTRY) == spec_names()


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_each_check_is_complete(name: str) -> None:
    cls = REGISTRY[name]
    assert issubclass(cls, Check) and cls.name == name
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert (REPO / "checks" / f"{name}.py").exists()
    assert (REPO / "tests" / "checks" / f"test_{name}.py").exists()
    assert cls.title and cls.grain in ("person", "event", "registration", "contact")
    assert cls.paragraphs and cls.severity_rule
    assert cls.__doc__ and re.search(r"\d\.\d+", cls.__doc__), "docstring quotes the report"


def test_config_toml_has_a_block_per_check_with_the_defaults() -> None:
    config = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    blocks = config["checks"]
    assert list(blocks) == list(REGISTRY)
    for name, cls in REGISTRY.items():
        block = dict(blocks[name])
        assert block.pop("enabled") is True
        assert block.pop("severity") == "rule"
        defaults = {k: list(v) if isinstance(v, tuple) else v for k, v in parameters(cls).items()}
        assert block == defaults, name


def test_the_catalogue_lists_every_check() -> None:
    from auditor.cli import _register, app

    _register()
    result = CliRunner().invoke(
        app, ["checks", "--config", str(REPO / "config.toml")], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    for name in REGISTRY:
        assert name in result.output
