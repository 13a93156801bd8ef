"""Every transport is registered, built from config, and has its own test module."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import NotifySettings
from notifiers.base import Notifier
from notifiers.registry import NOTIFIERS, build_notifier

HERE = Path(__file__).parent


@pytest.mark.parametrize("name", sorted(NOTIFIERS))
def test_every_notifier_has_a_test_module(name: str) -> None:
    assert (HERE / f"test_{name}.py").exists()


@pytest.mark.parametrize("name", sorted(NOTIFIERS))
def test_every_notifier_is_built_from_config(name: str) -> None:
    notifier = build_notifier(NotifySettings(transport=name))  # type: ignore[arg-type]
    assert isinstance(notifier, Notifier) and type(notifier) is NOTIFIERS[name]
    assert notifier.name == name


def test_the_registry_matches_the_transports_config_accepts() -> None:
    transport = NotifySettings.model_fields["transport"].annotation
    assert set(transport.__args__) == set(NOTIFIERS)  # type: ignore[union-attr]
