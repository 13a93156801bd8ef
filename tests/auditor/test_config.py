"""config.toml: typed, checked at start-up, a bad key named in the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import load_settings, parse_settings
from auditor.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_the_repository_config_loads() -> None:
    settings = load_settings(REPO / "config.toml")
    assert settings.schedule.cron == "0 6 * * mon-fri"
    assert settings.schedule.timezone == "Europe/London"
    assert settings.source.extract_dir == REPO / "demo" / "extract"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[source]\nextract_dri = 'x'\n", "unknown setting 'source.extract_dri'"),
        ("[sorce]\n", "unknown setting 'sorce'"),
        ("[source]\nmax_reject_share = 2\n", "source.max_reject_share"),
        ("[notify]\ntransport = 'pigeon'\n", "notify.transport"),
        ("[notify.smtp]\nport = 'twenty-five'\n", "notify.smtp.port"),
        ("[source]\nextract_dir = 'x'\nurl = 'sqlite://'\n", "either extract_dir or url"),
        ("[checks.rsr_mising]\n", "[checks.rsr_mising] is not a known check"),
        ("[checks.rsr_missing]\nwithin_days = 3\n", "unknown setting 'within_days'"),
        ("[checks.rsr_missing]\nwithin_working_days = 'one'\n", "within_working_days must be"),
        (
            "[checks.rsr_missing]\nwithin_working_days = -1\n",
            "within_working_days must be 0 or more (default 1), not -1",
        ),
        ("[checks.flag_review_overdue]\ngrace_days = -3\n", "grace_days must be 0 or more"),
        ("[checks.rsr_missing]\nenabled = 'yes'\n", "enabled must be true or false"),
        ("[checks.rsr_missing]\nseverity = 'urgent'\n", "severity must be one of"),
        ("not toml at all [", "not valid TOML"),
    ],
)
def test_a_bad_setting_is_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    assert message in str(caught.value)
    assert "config.toml" in str(caught.value)


def test_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml")


def test_relative_paths_are_taken_from_the_config_folder(tmp_path: Path) -> None:
    text = "[source]\nextract_dir = 'x'\n[store]\nurl = 'sqlite:///a.db'\n"
    settings = load_settings(write(tmp_path, text))
    assert settings.source.extract_dir == tmp_path / "x"
    assert settings.store.url == f"sqlite:///{tmp_path / 'a.db'}"
    assert settings.notify.outbox_dir == tmp_path / "outbox"


def test_check_parameters_are_accepted() -> None:
    settings = parse_settings(
        {"checks": {"rsr_missing": {"enabled": False, "within_working_days": 2}}}
    )
    assert settings.check_settings("rsr_missing") == {"enabled": False, "within_working_days": 2}


def test_a_source_url_sqlalchemy_cannot_parse_is_a_config_error_without_the_url() -> None:
    with pytest.raises(ConfigError, match="setting 'source.url': .*not a SQLAlchemy") as bad:
        parse_settings({"source": {"url": "postgresql://ann:s3cret@db:port/extract"}})
    assert "s3cret" not in str(bad.value)  # it crashed `auditor run` with a traceback
