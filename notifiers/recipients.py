"""Who receives which exception (CHECKS.md, "Owner").

- An exception with an SPO (``spo_staff_code``) goes to that SPO: key ``spo:<staff>``.
- With ``per_offender_manager``, it also goes to its offender manager
  (``om:<staff>``), unless the staff code is a team's "unallocated" placeholder (ends in
  ``U``): those cases are the SPO's to assign.
- An unowned exception (no SPO) goes to every address configured for its provider under
  ``[notify.unowned]``: key ``unowned:<address>``. One without a configured address is
  reported as a problem, never dropped silently.

A recipient key is what the ledger records per run; it names the person (or the
configured address), not their current email, so it survives an address change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Literal

import polars as pl

from auditor.config import NotifySettings

Role = Literal["spo", "offender_manager", "unowned"]
ROLE_ORDER: dict[Role, int] = {"spo": 0, "offender_manager": 1, "unowned": 2}
_PREFIX: dict[Role, str] = {"spo": "spo:", "offender_manager": "om:", "unowned": "unowned:"}
_PLAIN_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+")
# Characters that would let data reorder or hide the text around it.
BIDI_CONTROLS = r"[\x{061C}\x{200E}\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}]"


@dataclass(frozen=True)
class Recipient:
    key: str
    role: Role
    address: str | None  # None when there is no usable address
    name: str
    staff_code: str | None
    scope: tuple[str, ...]  # the SPO's teams, the officer's team, or the providers
    known: bool = True  # False for a staff code missing from the staff table


@dataclass(frozen=True)
class Problem:
    """Something the run summary must show: cases that reach nobody, or only some."""

    kind: Literal["no_email", "unknown_staff", "no_unowned_recipient"]
    subject: str  # a staff code or a provider code
    exception_count: int
    detail: str


def key_of(role: Role, identity: str) -> str:
    return _PREFIX[role] + identity


def usable_address(text: str | None) -> str | None:
    """The address if it can go in a To header, else None."""
    candidate = (text or "").strip()
    if not _PLAIN_ADDRESS.fullmatch(candidate):
        return None
    try:
        return Address(addr_spec=candidate).addr_spec
    except (ValueError, IndexError, HeaderParseError):
        return None


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Text from the data made safe to show: control characters become spaces and
    bidirectional controls (a right-to-left mark, overrides, isolates) are removed."""
    return (
        expr.str.replace_all(r"\p{Cc}", " ")
        .str.replace_all(BIDI_CONTROLS, "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def staff_name() -> pl.Expr:
    """A staff row's name as the emails show it (to greet them, or over their cases)."""
    return clean_text(pl.concat_str("forename", "surname", separator=" "))


def team_name() -> pl.Expr:
    """A team row's name as the emails show it."""
    return clean_text(pl.col("team_name"))


def routes(frame: pl.LazyFrame, settings: NotifySettings) -> pl.LazyFrame:
    """(exception_id, key): every recipient of every exception in ``frame``, which has
    the columns exception_id, staff_code, spo_staff_code, provider_code."""
    parts = [
        frame.filter(pl.col("spo_staff_code").is_not_null()).select(
            "exception_id", key=pl.lit(_PREFIX["spo"]) + pl.col("spo_staff_code")
        ),
        frame.filter(pl.col("spo_staff_code").is_null())
        .join(_unowned_addresses(settings).lazy(), on="provider_code")
        .select("exception_id", "key"),
    ]
    if settings.per_offender_manager:
        officer = pl.col("staff_code")
        parts.append(
            frame.filter(officer.is_not_null() & ~officer.str.ends_with("U")).select(
                "exception_id", key=pl.lit(_PREFIX["offender_manager"]) + officer
            )
        )
    return pl.concat(parts).unique(maintain_order=True)


def unrouted(frame: pl.LazyFrame, settings: NotifySettings) -> list[Problem]:
    """Unowned exceptions whose provider has no configured recipient."""
    configured = list(settings.unowned)
    counts = (
        frame.filter(
            pl.col("spo_staff_code").is_null()
            & (pl.col("provider_code").is_null() | ~pl.col("provider_code").is_in(configured))
        )
        .group_by("provider_code")
        .agg(count=pl.len())
        .sort("provider_code", nulls_last=True)
        .collect()
    )
    return [
        Problem(
            "no_unowned_recipient",
            provider or "",
            count,
            f"{count} unowned exception(s) of provider {provider or '(none)'} reach nobody: "
            f"add {provider or 'the provider'} = [addresses] under [notify.unowned].",
        )
        for provider, count in counts.iter_rows()
    ]


def directory(
    keys: Iterable[str], staff: pl.DataFrame, teams: pl.DataFrame, settings: NotifySettings
) -> dict[str, Recipient]:
    """The recipient behind each key."""
    people = {
        row["staff_code"]: row
        for row in staff.select(
            "staff_code",
            "email",
            "team_code",
            name=staff_name(),
        ).iter_rows(named=True)
    }
    team_names = _team_names(teams)
    result = {}
    for key in keys:
        prefix, _, identity = key.partition(":")
        if prefix == "unowned":
            providers = tuple(
                sorted(p for p, a in settings.unowned.items() if identity in _lower(a))
            )
            result[key] = Recipient(key, "unowned", usable_address(identity), "", None, providers)
            continue
        person = people.get(identity, {})
        role: Role = "spo" if prefix == "spo" else "offender_manager"
        scope = (
            tuple(sorted(team_names.get(("spo", identity), ())))
            if role == "spo"
            else tuple(team_names.get(("team", str(person.get("team_code"))), ()))
        )
        address = usable_address(person.get("email"))
        name = person.get("name") or ""
        result[key] = Recipient(key, role, address, name, identity, scope, bool(person))
    return result


def missing_address(recipient: Recipient, open_count: int) -> Problem:
    """The problem to report for a recipient who should get an email but cannot."""
    who = "SPO" if recipient.role == "spo" else "offender manager"
    if recipient.role == "unowned":
        return Problem(
            "no_unowned_recipient",
            ", ".join(recipient.scope),
            open_count,
            f"[notify.unowned] address {recipient.key.partition(':')[2]!r} is not usable: "
            f"{open_count} unowned exception(s) not emailed to it.",
        )
    if not recipient.known:
        return Problem(
            "unknown_staff",
            recipient.staff_code or recipient.key,
            open_count,
            f"{who} {recipient.staff_code} is not in the staff table: "
            f"{open_count} open exception(s) not emailed to them.",
        )
    return Problem(
        "no_email",
        recipient.staff_code or recipient.key,
        open_count,
        f"{who} {recipient.staff_code} {recipient.name} has no usable email address: "
        f"{open_count} open exception(s) not emailed to them.",
    )


def spo_keys(teams: pl.DataFrame) -> list[str]:
    """Every SPO named by a team, whether or not anything is open in their teams."""
    codes = teams.get_column("spo_staff_code").drop_nulls().unique().sort()
    return [key_of("spo", code) for code in codes]


def _unowned_addresses(settings: NotifySettings) -> pl.DataFrame:
    pairs = [
        (provider, address.strip().lower())
        for provider, addresses in settings.unowned.items()
        for address in addresses
    ]
    return pl.DataFrame(
        {
            "provider_code": [p for p, _ in pairs],
            "key": [_PREFIX["unowned"] + a for _, a in pairs],
        },
        schema={"provider_code": pl.String, "key": pl.String},
    )


def _team_names(teams: pl.DataFrame) -> dict[tuple[str, str], list[str]]:
    names: dict[tuple[str, str], list[str]] = {}
    rows = teams.select("team_code", "spo_staff_code", name=team_name()).iter_rows()
    for team_code, spo, name in rows:
        names.setdefault(("team", team_code), []).append(name)
        if spo is not None:
            names.setdefault(("spo", spo), []).append(name)
    return names


def _lower(addresses: list[str]) -> set[str]:
    return {a.strip().lower() for a in addresses}
