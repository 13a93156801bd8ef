"""The outbox transport: one .eml file per email, named after its recipient and its
Message-ID."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from auditor.config import NotifySettings
from notifiers.base import TransportUnavailable
from notifiers.delivery import notify_run
from notifiers.ledger import MemoryLedger
from notifiers.outbox import OutboxNotifier
from tests.notifiers.frames import digest_input, exception
from tests.notifiers.test_smtp import email_to


def test_each_email_becomes_one_eml_file(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    message = email_to()
    with OutboxNotifier.from_settings(NotifySettings(outbox_dir=folder)) as outbox:
        outbox.send(message)
        outbox.send(message)  # the same email again replaces its file
    [path] = folder.iterdir()
    assert re.fullmatch(r"sue@probation\.example\.[0-9a-f]{8}\.eml", path.name)
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"].strip() == message["Message-ID"]
    assert parsed.get_content_type() == "multipart/alternative"


def test_an_unwritable_folder_makes_the_outbox_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")
    with pytest.raises(TransportUnavailable, match="cannot write"):
        OutboxNotifier(blocker).send(email_to())


def test_a_run_delivered_to_the_outbox(tmp_path: Path) -> None:
    inputs = digest_input([exception(), exception()], outbox_dir=tmp_path)
    report = notify_run(inputs, MemoryLedger(), OutboxNotifier.from_settings(inputs.settings))
    assert [r.outcome for r in report.results] == ["sent"]
    [path] = tmp_path.glob("*.eml")
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "Sue Senior <sue.senior@probation.example>"
    assert parsed["Subject"].strip().startswith("Case records to fix in your teams: 2 open")


def test_two_emails_to_one_address_are_two_files(tmp_path: Path) -> None:
    with OutboxNotifier(tmp_path) as outbox:
        outbox.send(email_to())
        outbox.send(email_to())
    assert len(list(tmp_path.glob("sue@probation.example.*.eml"))) == 2
