"""A small extract whose exceptions reach two SPOs and a provider's unowned address, for
the tests of the morning emails.

The contract's example extract (schemas/examples.py), with an SPO for each team: Camden
(N07T01) is Sam Roe's (N07S001), Hackney (N07T02) Pat Day's (N07S002). X000001 stays with
Ann Lee in Camden; X000002 moves to Bo Hill in Hackney; X000003's allocation ended, so
their exceptions are unowned and go to provider N07's [notify.unowned] address.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import polars as pl

from auditor.config import Settings, parse_settings
from auditor.sources import write_extract
from schemas.examples import example_rows, example_table, example_tables

AS_OF = dt.date(2026, 11, 25)
CAMDEN_SPO, HACKNEY_SPO = "sam.roe@example.org", "pat.day@example.org"
UNOWNED = "n07-performance@example.org"
SPO_ADDRESSES = {CAMDEN_SPO, HACKNEY_SPO}


def email_tables(hackney_spo: str | None = HACKNEY_SPO) -> dict[str, pl.DataFrame]:
    """The tables; ``hackney_spo``: the address of Hackney's SPO, if any."""
    teams = example_rows("teams")
    teams[0]["spo_staff_code"], teams[1]["spo_staff_code"] = "N07S001", "N07S002"
    staff = [
        *example_rows("staff"),
        {"staff_code": "N07S002", "forename": "Pat", "surname": "Day", "email": hackney_spo,
         "team_code": "N07T02"},
        {"staff_code": "N07B001", "forename": "Bo", "surname": "Hill", "team_code": "N07T02"},
    ]  # fmt: skip
    managers = example_rows("offender_managers")
    managers[1] |= {"staff_code": "N07B001", "team_code": "N07T02"}
    managers[2]["end_date"] = dt.date(2026, 6, 1)
    changed = {"teams": teams, "staff": staff, "offender_managers": managers}
    return example_tables() | {name: example_table(name, rows) for name, rows in changed.items()}


def email_settings(store_url: str, folder: Path, **notify: Any) -> Settings:
    """Settings for a store, the extract written in ``folder`` and an outbox beside it."""
    write_extract(email_tables(), folder / "extract")
    return parse_settings(
        {
            "store": {"url": store_url},
            "source": {"extract_dir": str(folder / "extract")},
            "notify": {
                "outbox_dir": str(folder / "outbox"),
                "from_address": "auditor@example.org",
                "unowned": {"N07": [UNOWNED]},
                **notify,
            },
        }
    )


def email_config(folder: Path, store_url: str, notify: str = "", **tables: Any) -> Path:
    """config.toml in ``folder`` for `auditor` commands, the extract written beside it;
    ``notify``: more lines for its [notify] section; ``tables``: for email_tables."""
    write_extract(email_tables(**tables), folder / "extract")
    path = folder / "config.toml"
    path.write_text(
        f'[source]\nextract_dir = "extract"\n\n[store]\nurl = "{store_url}"\n\n'
        f'[notify]\noutbox_dir = "outbox"\nfrom_address = "auditor@example.org"\n{notify}\n\n'
        f'[notify.unowned]\nN07 = ["{UNOWNED}"]\n'
    )
    return path


def outbox(settings: Settings) -> list[EmailMessage]:
    """The emails in the outbox folder."""
    paths = sorted(settings.notify.outbox_dir.glob("*.eml"))
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]  # type: ignore[misc]


def addressees(messages: Iterable[EmailMessage]) -> Counter[str]:
    """How many of the emails went to each address."""
    return Counter(str(m["To"].addresses[0].addr_spec) for m in messages)


def by_address(messages: Iterable[EmailMessage]) -> dict[str, str]:
    """The plain text of the one email to each address."""
    texts = {}
    for message in messages:
        address = str(message["To"].addresses[0].addr_spec)
        assert address not in texts, f"two emails to {address}"
        texts[address] = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return texts
