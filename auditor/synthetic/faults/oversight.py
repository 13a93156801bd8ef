"""management_oversight_overdue: a case with a Very High RoSH (monthly oversight) or a
High RoSH or child protection flag (four-monthly) whose latest oversight, or the flag
itself, is older than the interval allows. Only oversight contacts change, which no
other rule reads."""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.dates import day_number, edge_month_dates
from auditor.synthetic.faults.injection import Form, Injection, among, of, set_where
from auditor.synthetic.indications import person_flags

OVERSIGHT = pl.col("kind") == "oversight"


def _overseen(ctx: Injection) -> pl.DataFrame:
    """Active persons needing oversight, with their interval and the (clean, fault)
    dates B for 'D > B + interval' of that interval."""
    per_person = person_flags(ctx.caseload.world, ctx.caseload.flags)
    rows = per_person.filter(
        pl.col("oversight_months").is_not_null() & among("pid", ctx.active_persons()["pid"])
    )
    edges = {k: edge_month_dates(ctx.caseload.world.as_of, k) for k in (1, 4)}
    months = pl.col("oversight_months")
    return rows.with_columns(
        clean=months.replace_strict({k: day_number(c) for k, (c, _) in edges.items()}),
        fault=months.replace_strict({k: day_number(f) for k, (_, f) in edges.items()}),
    )


def management_oversight_overdue(ctx: Injection) -> None:
    overseen = _overseen(ctx)
    eligible = overseen.filter(pl.col("oversight_since") <= pl.col("fault"))["pid"].to_numpy()
    forms = [
        Form("no management oversight recorded", 0.3, eligible),
        Form("last oversight longer ago than the interval", 0.35, eligible),
        Form("recent oversight recorded after the as-of date", 0.1, eligible),
        Form("recent oversight soft-deleted", 0.1, eligible),
        Form("last oversight one day too long ago", 0.15, eligible),
    ]
    for form, chosen in ctx.plan("management_oversight_overdue", forms).items():
        people = overseen.filter(of(chosen))
        _thin_oversight(ctx, form, people)
        ctx.record(
            "management_oversight_overdue",
            people["pid"],
            None,
            f"management_oversight_overdue: {form}",
        )


def _thin_oversight(ctx: Injection, form: str, people: pl.DataFrame) -> None:
    contacts = ctx.caseload.contacts.join(
        people.select("pid", "clean", "fault"), on="pid", how="left", maintain_order="left"
    )
    recent = OVERSIGHT & (pl.col("on") > pl.col("fault")).fill_null(False)
    if form.startswith("no management"):
        contacts = contacts.filter(~(OVERSIGHT & pl.col("fault").is_not_null()))
    elif form.endswith("after the as-of date"):
        contacts = set_where(contacts, recent, created=pl.lit(ctx.d + 1))
    elif form.endswith("soft-deleted"):
        contacts = set_where(contacts, recent, soft_deleted=True)
    else:
        contacts = contacts.filter(~recent)
    contacts = contacts.drop("clean", "fault")
    if form.endswith("one day too long ago"):
        contacts = add_oversight(ctx, contacts, people, people["fault"].to_numpy())
    ctx.update(contacts=contacts)


def add_oversight(
    ctx: Injection, contacts: pl.DataFrame, people: pl.DataFrame, on: np.ndarray
) -> pl.DataFrame:
    return ctx.add_contacts(contacts, people.select("pid"), "MO1", "oversight", on, hour=15)


def oversight_just_in_time(ctx: Injection) -> None:
    """Clean boundary: the latest oversight on the earliest date still in time."""
    overseen = _overseen(ctx)
    pids = overseen.filter(pl.col("oversight_since") <= pl.col("clean"))["pid"].to_numpy()
    chosen = ctx.take(pids, max(1, len(pids) // 100))
    people = overseen.filter(of(chosen))
    contacts = ctx.caseload.contacts.join(
        people.select("pid", "clean"), on="pid", how="left", maintain_order="left"
    )
    contacts = contacts.filter(
        ~(OVERSIGHT & (pl.col("on") >= pl.col("clean")).fill_null(False))
    ).drop("clean")
    ctx.update(contacts=add_oversight(ctx, contacts, people, people["clean"].to_numpy()))
