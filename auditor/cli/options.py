"""Options and helpers shared by the commands: as-of dates, config loading, progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from auditor.config import Settings

# auditor.config's DEFAULT_CONFIG (a test holds them equal): the commands import the
# config, the calendar and the rest of the stack inside the functions that need them,
# so that `auditor --help` pays for typer alone.
DEFAULT_CONFIG = Path("config.toml")

out = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="config.toml to use (default: ./config.toml)."),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Judge the records as they stood at the end of this date (YYYY-MM-DD); "
        "default: today in Europe/London.",
    ),
]


def parse_as_of(value: str | None, option: str = "--as-of") -> dt.date:
    """The date given to ``option``, or today in Europe/London when none is given."""
    if value is None:
        from auditor.calendar import today_in_london

        return today_in_london()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"'{value}' is not a date; give it as YYYY-MM-DD.", param_hint=option
        ) from None


def settings_for(config: Path | None, extract: Path | None = None) -> Settings:
    """Settings from --config (or ./config.toml when present), with --extract on top."""
    from auditor.config import load_settings, parse_settings

    if config is not None or DEFAULT_CONFIG.exists():
        settings = load_settings(config)
    else:
        settings = parse_settings({})
    if extract is not None:
        source = settings.source.model_copy(update={"extract_dir": extract, "url": None})
        settings = settings.model_copy(update={"source": source})
    return settings


@contextmanager
def status(message: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr while something slow runs; yields a function to update it."""
    with err.status(message) as spinner:
        yield lambda text: spinner.update(f"{message}: {text}")
