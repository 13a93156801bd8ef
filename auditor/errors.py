"""Errors a user can act on. The CLI prints their message, never a traceback."""

from __future__ import annotations


class AuditorError(Exception):
    """A user mistake or bad input: the message says what is wrong and what to do."""

    exit_code = 2


class ConfigError(AuditorError):
    """A setting in config.toml (or an environment variable it names) is wrong."""


class ExtractError(AuditorError):
    """Structural fault in the extract: the run stops before any check (DATA-CONTRACT)."""


class TooManyRejects(ExtractError):
    """A table's share of rejected rows is over the configured threshold."""


class RunRefused(AuditorError):
    """A run cannot start now (for example, another run is going)."""
