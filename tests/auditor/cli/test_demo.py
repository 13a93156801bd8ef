"""`auditor demo` through the real entry point: runs, emails in the outbox, where to look."""

from __future__ import annotations

import email
import re
from pathlib import Path

import pytest

import auditor.cli
from auditor.config import StoreSettings
from auditor.store.database import open_store
from auditor.store.users import authenticate


def test_the_demo_runs_each_day_and_leaves_the_emails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    args = ["demo", "--dir", str(folder), "--persons", "400", "--days", "3", "--end", "2026-11-25"]
    with pytest.raises(SystemExit) as exit_info:
        auditor.cli.main(args)
    output = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "2026-11-23" in output and "2026-11-25" in output
    assert "auditor notify --run 3 --dry-run" in output
    emails = sorted((folder / "outbox" / "2026-11-25").glob("*.eml"))
    assert emails, "the last day's emails are in the outbox"
    message = email.message_from_bytes(emails[0].read_bytes())
    assert message["To"] and "open" in message["Subject"]
    assert {p.get_content_type() for p in message.walk()} >= {"text/plain", "text/html"}
    assert "auditor serve --no-schedule" in output
    for username in ("admin", "spo", "manager", "sysadmin"):
        assert username in output
    store = open_store(StoreSettings(url=f"sqlite:///{folder / 'auditor.db'}"))
    shown = re.search(r"^  spo +password (\S+) ", output, re.MULTILINE)
    assert shown is not None
    assert authenticate(store, "spo", shown.group(1)) is not None  # the password printed works
    store.dispose()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--persons", "0", "between 1 and"), ("--days", "999", "between 1 and"),
     ("--end", "25/11/2026", "not a date")],
)  # fmt: skip
def test_bad_options_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        auditor.cli.main(["demo", "--dir", str(tmp_path), option, value])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_folder_that_is_not_the_demos_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(SystemExit) as exit_info:
        auditor.cli.main(["demo", "--dir", str(tmp_path), "--persons", "50", "--days", "1"])
    assert exit_info.value.code == 2
    assert "did not make" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "keep me"
