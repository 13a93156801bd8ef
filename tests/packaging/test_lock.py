"""requirements.lock (the deployment's pinned, hashed dependencies) stays in step with
pyproject.toml: every dependency is pinned, once, with hashes, to a version its
specifier allows. Regenerate it with the command at the top of the file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", re.MULTILINE)


def pins() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    found = [(canonicalize_name(name), version) for name, version in PIN.findall(text)]
    assert len(found) == len({name for name, _ in found}), "a package is pinned twice"
    return dict(found)


def wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = [*project["dependencies"], *project["optional-dependencies"]["postgres"]]
    return [Requirement(line) for line in listed]


def test_every_dependency_is_pinned_to_a_version_its_specifier_allows() -> None:
    pinned = pins()
    for requirement in wanted():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in requirements.lock: regenerate it"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements.lock pins {name}=={pinned[name]}, outside {requirement.specifier}"
        )


def test_every_pin_carries_hashes_and_no_machine_paths() -> None:
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n\n", 1)[-1].strip())
    assert blocks and all("--hash=sha256:" in block for block in blocks if "==" in block)
    assert not re.search(r"file://|/opt/|/home/|/root/|/work/", text)
