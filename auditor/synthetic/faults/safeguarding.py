"""Faults in police and children's services checks: safeguarding_checks_unlogged and
safeguarding_response_overdue, with their clean boundaries.

A request removed from the log never causes an overdue response (there is no request
left to answer), and a response removed never makes a check unlogged. Responses are
only removed for a person with a single request of that kind in the lookback year, so
the one request they answered is the one exception.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.contacts import CHECK_CODES
from auditor.synthetic.dates import day_number, edge_sentence_dates, wd
from auditor.synthetic.faults.injection import (
    Form,
    Injection,
    among,
    of,
    persons_of,
    persons_with_one,
    set_where,
)

KINDS = ("police", "children")


def _logged(ctx: Injection, kind: str) -> pl.DataFrame:
    """Contacts of this work kind that exist at D (dated and recorded by D, not deleted)."""
    return ctx.caseload.contacts.filter(
        (pl.col("kind") == kind)
        & ~pl.col("soft_deleted")
        & (pl.col("created") <= ctx.d)
        & (pl.col("on") <= ctx.d)
    )


def _chase_edges(ctx: Injection) -> tuple[int, int]:
    """(clean, fault) dates T for 'D > wd(T, 10)': the same edges as sentence dates."""
    clean, fault = edge_sentence_dates(ctx.caseload.world.as_of, 10)
    return day_number(clean), day_number(fault)


def safeguarding_checks_unlogged(ctx: Injection) -> None:
    due = ctx.due_events(5)
    police = persons_of(due.filter(pl.col("police")))
    children = persons_of(due.filter(pl.col("children")))
    single = np.intersect1d(persons_of(due), ctx.single_event_persons())
    forms = [
        (Form("police check not logged", 0.3, police), ("police",), "deleted"),
        (Form("children's services check not logged", 0.3, children), ("children",), "deleted"),
        (Form("neither check logged", 0.15, police), KINDS, "deleted"),
        (Form("police request recorded after the as-of date", 0.1, police), ("police",), "late"),
        (
            Form("children's services request soft-deleted", 0.05, children),
            ("children",),
            "soft-deleted",
        ),
        (
            Form(
                "police check requested 91 days before sentence",
                0.1,
                np.intersect1d(police, single),
            ),
            ("police",),
            "early",
        ),
    ]
    plan = ctx.plan("safeguarding_checks_unlogged", [f for f, _, _ in forms])
    for form, kinds, mode in forms:
        chosen = plan[form.name]
        for kind in kinds:
            _unlog(ctx, chosen, kind, mode, due)
        indicated = pl.any_horizontal(pl.col(k) for k in kinds)
        targets = due.filter(of(chosen) & indicated)
        ctx.record(
            "safeguarding_checks_unlogged",
            targets["pid"],
            targets["event_id"],
            f"safeguarding_checks_unlogged: {form.name}",
        )


def _unlog(ctx: Injection, chosen: np.ndarray, kind: str, mode: str, due: pl.DataFrame) -> None:
    contacts = ctx.caseload.contacts
    rows = of(chosen) & (pl.col("kind") == f"{kind}_request")
    if mode == "late":
        contacts = set_where(contacts, rows, created=pl.lit(ctx.d + 1))
    elif mode == "soft-deleted":
        contacts = set_where(contacts, rows, soft_deleted=True)
    elif mode == "early":
        contacts = _move_requests(ctx, chosen, kind, due, -91)
    else:
        contacts = contacts.filter(~rows)
    ctx.update(contacts=contacts)


def _move_requests(
    ctx: Injection, chosen: np.ndarray, kind: str, due: pl.DataFrame, days: int
) -> pl.DataFrame:
    """Date the requests of the due events ``days`` from the first sentence; answers
    still to come after D are brought forward a week after the new request date, so
    that no response falls overdue."""
    first = (
        due.filter(of(chosen)).group_by("pid", maintain_order=True).agg(first_s=pl.col("s").min())
    )
    contacts = ctx.caseload.contacts.join(first, on="pid", how="left", maintain_order="left")
    moved = pl.col("first_s") + days
    requests = (
        (pl.col("kind") == f"{kind}_request") & among("event_id", due["event_id"]) & of(chosen)
    )
    contacts = set_where(contacts, requests, on=moved, created=moved)
    late = (pl.col("on") > ctx.d) | (pl.col("created") > ctx.d)
    answers = (pl.col("kind") == f"{kind}_response") & of(chosen) & late
    contacts = set_where(contacts, answers, on=moved + 7, created=moved + 7)
    return contacts.drop("first_s")


def request_exactly_90_days_before(ctx: Injection) -> None:
    """Clean boundary: the only police requests dated exactly 90 days before sentence."""
    due = ctx.due_events(5).filter(pl.col("police"))
    single = persons_with_one(due)
    chosen = ctx.take(single, max(1, len(single) // 200))
    ctx.update(contacts=_move_requests(ctx, chosen, "police", due, -90))


# --- responses --------------------------------------------------------------------


def _single_requests(ctx: Injection, kind: str) -> pl.DataFrame:
    """Active persons' only request of this kind in the lookback year, with T."""
    d = ctx.d
    active = ctx.active_persons()["pid"]
    requests = _logged(ctx, f"{kind}_request").filter(
        (pl.col("on") >= d - 365) & among("pid", active)
    )
    requests = requests.filter(pl.len().over("pid") == 1).select(
        "pid", "contact_id", "event_id", r="on"
    )
    chases = _logged(ctx, f"{kind}_chase")
    latest = requests.join(chases.select("pid", c="on"), on="pid", how="left").filter(
        pl.col("c").is_null() | (pl.col("c") >= pl.col("r"))
    )
    latest = latest.group_by("pid", "contact_id", "event_id", "r", maintain_order=True).agg(
        c=pl.col("c").max()
    )
    return latest.with_columns(T=pl.max_horizontal("r", "c")).sort("pid", maintain_order=True)


def safeguarding_response_overdue(ctx: Injection) -> None:
    _, fault_t = _chase_edges(ctx)
    for kind in KINDS:
        single = _single_requests(ctx, kind)
        overdue = single.filter(pl.Series(ctx.d > wd(single["T"].to_numpy(), 10)))
        chased = np.maximum(overdue["T"].to_numpy(), wd(overdue["r"].to_numpy(), 5))
        long_ago = overdue.filter(pl.Series(ctx.d > wd(chased, 10)))
        label = "police" if kind == "police" else "children's services"
        pids = persons_of(overdue)
        forms = [
            (Form(f"{label} response never recorded", 0.5, pids), None),
            (Form(f"{label} response soft-deleted", 0.1, pids), None),
            (Form(f"{label} response recorded after the as-of date", 0.1, pids), None),
            (
                Form(f"{label} request chased, still no response", 0.2, persons_of(long_ago)),
                "chase",
            ),
            (
                Form(
                    f"{label} request chased eleven working days ago",
                    0.1,
                    persons_of(single.filter(pl.col("T") <= fault_t)),
                ),
                fault_t,
            ),
        ]
        plan = ctx.plan("safeguarding_response_overdue", [f for f, _ in forms])
        for form, chase in forms:
            chosen = plan[form.name]
            requests = single.filter(of(chosen))
            _unanswer(ctx, kind, requests, form.name, chase)
            ctx.record(
                "safeguarding_response_overdue",
                requests["pid"],
                requests["contact_id"],
                f"safeguarding_response_overdue: {form.name}",
            )


def _unanswer(ctx: Injection, kind: str, requests: pl.DataFrame, form: str, chase: object) -> None:
    contacts = ctx.caseload.contacts.join(
        requests.select("pid", request_on="r"), on="pid", how="left", maintain_order="left"
    )
    rows = (pl.col("kind") == f"{kind}_response") & (
        pl.col("on") >= pl.col("request_on")
    ).fill_null(False)
    if form.endswith("soft-deleted"):
        contacts = set_where(contacts, rows, soft_deleted=True)
    elif form.endswith("after the as-of date"):
        contacts = set_where(contacts, rows, created=pl.lit(ctx.d + 1))
    else:
        contacts = contacts.filter(~rows)
    contacts = contacts.drop("request_on")
    if chase == "chase":
        contacts = add_chases(ctx, contacts, requests, kind, wd(requests["r"].to_numpy(), 5))
    elif chase is not None:
        contacts = add_chases(ctx, contacts, requests, kind, np.full(requests.height, chase))
    ctx.update(contacts=contacts)


def add_chases(
    ctx: Injection, contacts: pl.DataFrame, requests: pl.DataFrame, kind: str, on: np.ndarray
) -> pl.DataFrame:
    _, code, _ = CHECK_CODES[kind]
    return ctx.add_contacts(contacts, requests, code, f"{kind}_chase", on, hour=11)


def response_chased_ten_working_days_ago(ctx: Injection) -> None:
    """Clean boundary: no response yet, chased exactly ten working days before D."""
    clean_t, _ = _chase_edges(ctx)
    single = _single_requests(ctx, "children")
    pids = persons_of(single.filter(pl.col("T") <= clean_t))
    chosen = ctx.take(pids, max(1, len(pids) // 100))
    requests = single.filter(of(chosen))
    _unanswer(ctx, "children", requests, "never recorded", clean_t)
