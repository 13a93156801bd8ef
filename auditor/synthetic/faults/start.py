"""Faults at the start of an order: first_appointment_unrecorded, assignment_missing,
documents_missing, oasys_overdue and home_visit_missing.

A fault neutralises every record that could satisfy the rule for the person's events
it targets, in one of the ways records go missing in practice (never made, recorded
late, recorded as something else, deleted, dated on the wrong side of the sentence,
linked to a deleted duplicate event); the ground truth is exactly those events. Records
other rules read are kept: an initial home visit (COHV) that must stop counting as a
first appointment becomes an ordinary home visit, and the other way round.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.allocations import rsr_scored
from auditor.synthetic.faults.duplicates import link_to_deleted_duplicates
from auditor.synthetic.faults.injection import (
    Form,
    Injection,
    among,
    of,
    persons_of,
    persons_with_one,
    set_where,
)

START = ["CO", "SSO", "LIC"]
FAILED = ["AFTA", "UAAB", "RSSR", "APPW"]


def first_appointment_unrecorded(ctx: Injection) -> None:
    due = ctx.due_events(1, START)
    pids = persons_of(due)
    forms = [
        Form("no first appointment recorded", 0.35, pids),
        Form("first appointment recorded as an office visit", 0.2, pids),
        Form("first appointment recorded after the as-of date", 0.15, pids),
        Form("first appointment contact soft-deleted", 0.1, pids),
        Form("first appointment linked to a deleted duplicate event", 0.1, pids),
        Form("first appointment dated the day before sentence", 0.05, persons_with_one(due)),
        Form("the day after its working day ran out", 0.05, ctx.edge_pids("fault1", pids)),
    ]
    for form, chosen in ctx.plan("first_appointment_unrecorded", forms).items():
        targets = due.filter(of(chosen))
        rows = (pl.col("kind") == "first_appointment") & of(chosen)
        rows = rows & (among("event_id", targets["event_id"]) | pl.col("event_id").is_null())
        _unrecord_first_appointments(ctx, form, rows, targets)
        ctx.record(
            "first_appointment_unrecorded",
            targets["pid"],
            targets["event_id"],
            f"first_appointment_unrecorded: {form}",
        )


def _unrecord_first_appointments(
    ctx: Injection, form: str, rows: pl.Expr, targets: pl.DataFrame
) -> None:
    contacts = ctx.caseload.contacts
    initial_visit = rows & (pl.col("contact_type_code") == "COHV")
    contacts = set_where(
        contacts, initial_visit, contact_type_code="CHVS", kind=pl.lit("home_visit")
    )
    rows = rows & (pl.col("contact_type_code") != "CHVS")
    if form.endswith("office visit"):
        contacts = set_where(contacts, rows, contact_type_code="COAP", kind=pl.lit("routine"))
    elif form.endswith("after the as-of date"):
        contacts = set_where(contacts, rows, created=pl.lit(ctx.d + 1))
    elif form.endswith("soft-deleted"):
        contacts = set_where(contacts, rows, soft_deleted=True)
    elif form.endswith("duplicate event"):
        contacts = link_to_deleted_duplicates(ctx, contacts, rows, targets)
    elif form.endswith("before sentence"):
        sentence = targets.select("pid", first_s="s")
        contacts = contacts.join(sentence, on="pid", how="left", maintain_order="left")
        contacts = set_where(contacts, rows, on=pl.col("first_s") - 1).drop("first_s")
    else:
        contacts = contacts.filter(~rows)
    ctx.update(contacts=contacts)


def assignment_missing(ctx: Injection) -> None:
    due = ctx.due_events(5)
    pids = persons_of(due)
    staff = ctx.caseload.organisation.staff
    left_today_teams = staff.filter(pl.col("role") == "left_today")["team_code"]
    forms = [
        Form("case held by the team's unallocated (…U) placeholder", 0.35, pids),
        Form("no current offender manager", 0.25, pids),
        Form("offender manager has left the service", 0.2, pids),
        Form(
            "offender manager left on the as-of date",
            0.05,
            pids if len(left_today_teams) else pids[:0],
        ),
        Form("two current offender manager rows (a data error)", 0.05, pids),
        Form("the day after five working days ran out", 0.1, ctx.edge_pids("fault5", pids)),
    ]
    for form, chosen in ctx.plan("assignment_missing", forms).items():
        _unassign(ctx, form, chosen)
        targets = due.filter(of(chosen))
        ctx.record(
            "assignment_missing", targets["pid"], targets["event_id"], f"assignment_missing: {form}"
        )


def _current_rows(ctx: Injection, chosen: np.ndarray) -> pl.Expr:
    d = ctx.d
    current = (pl.col("start") <= d) & ((pl.col("end") == -1) | (pl.col("end") > d))
    return current & ~pl.col("soft_deleted") & of(chosen)


def _unassign(ctx: Injection, form: str, chosen: np.ndarray) -> None:
    managers = ctx.caseload.offender_managers
    rows = _current_rows(ctx, chosen)
    staff = ctx.caseload.organisation.staff
    if form.startswith("no current"):
        managers = set_where(
            managers, rows, end=pl.max_horizontal(pl.col("start"), pl.lit(ctx.d - 7))
        )
    elif form.startswith("offender manager has left"):
        leavers = (
            staff.filter(pl.col("role") == "leaver")
            .group_by("team_code", maintain_order=True)
            .first()
        )
        managers = managers.join(
            leavers.select("team_code", leaver="staff_code"),
            on="team_code",
            how="left",
            maintain_order="left",
        )
        managers = set_where(managers, rows, staff_code=pl.col("leaver")).drop("leaver")
    elif form.startswith("offender manager left on"):
        gone = staff.filter(pl.col("role") == "left_today").row(0, named=True)
        managers = set_where(
            managers, rows, staff_code=gone["staff_code"], team_code=gone["team_code"]
        )
    elif form.startswith("two current"):
        twin = managers.filter(rows).with_columns(
            offender_manager_id=pl.int_range(pl.len()).cast(managers.schema["offender_manager_id"])
            + ctx.next_id(managers, "offender_manager_id"),
            start=pl.min_horizontal(pl.col("start") + 1, pl.lit(ctx.d)),
        )
        managers = pl.concat([managers, twin])
    else:  # held by the team's …U placeholder (also the edge form)
        managers = set_where(managers, rows, staff_code=pl.col("team_code") + "U")
    ctx.update(offender_managers=managers)


DOCUMENT_FORMS = {
    "CASE_ALLOCATION": (0.4, pl.lit(True)),
    "COURT_REPORT": (0.2, pl.col("court_report_type").is_in(["CJF", "CJS"]).fill_null(False)),
    "ORAL_REPORT_NOTES": (0.15, (pl.col("court_report_type") == "CJO").fill_null(False)),
    "RSR_CALCULATION": (0.25, pl.col("scored")),
}
DOCUMENT_MODES = (
    "deleted",
    "uploaded after the as-of date",
    "soft-deleted",
    "linked to a deleted duplicate event",
    "uploaded without the event the day before sentence",
)


def documents_missing(ctx: Injection) -> None:
    scored = ctx.caseload.case_allocations.filter(rsr_scored(ctx.d))
    due = ctx.due_events(5, since_2014=True).with_columns(
        scored=among("event_id", scored["event_id"])
    )
    forms = [
        Form(t, share, persons_of(due.filter(expr))) for t, (share, expr) in DOCUMENT_FORMS.items()
    ]
    forms.append(Form("edge", 0.05, ctx.edge_pids("fault5", persons_of(due))))
    for doc_type, chosen in ctx.plan("documents_missing", forms).items():
        wanted = DOCUMENT_FORMS.get(doc_type, (0, pl.lit(True)))[1]
        doc_type = "CASE_ALLOCATION" if doc_type == "edge" else doc_type
        targets = due.filter(wanted & of(chosen)).group_by("pid", maintain_order=True).first()
        modes = ctx.rng.integers(0, len(DOCUMENT_MODES), len(targets))
        for k, mode in enumerate(DOCUMENT_MODES):
            picked = targets.filter(pl.Series(modes == k))
            _remove_documents(ctx, picked, doc_type, mode)
            ctx.record(
                "documents_missing",
                picked["pid"],
                picked["event_id"],
                f"documents_missing: {doc_type} {mode}",
            )


def _remove_documents(ctx: Injection, targets: pl.DataFrame, doc_type: str, mode: str) -> None:
    documents = ctx.caseload.documents.join(
        targets.select("pid", target_s="s"), on="pid", how="left", maintain_order="left"
    )
    linked = among("event_id", targets["event_id"])
    loose = pl.col("event_id").is_null() & (pl.col("created") >= pl.col("target_s"))
    rows = (pl.col("document_type") == doc_type) & of(persons_of(targets)) & (linked | loose)
    if mode == "deleted":
        documents = documents.filter(~rows)
    elif mode == "uploaded after the as-of date":
        documents = set_where(documents, rows, created=pl.lit(ctx.d + 2))
    elif mode == "soft-deleted":
        documents = set_where(documents, rows, soft_deleted=True)
    elif mode == "linked to a deleted duplicate event":
        documents = link_to_deleted_duplicates(ctx, documents, rows, targets)
    else:
        documents = set_where(documents, rows, event_id=None, created=pl.col("target_s") - 1)
    ctx.update(documents=documents.drop("target_s"))


def oasys_overdue(ctx: Injection) -> None:
    due = ctx.due_events(20, START)
    report = ctx.caseload.assessments.filter(
        (pl.col("stage") == "report") & (pl.col("on") >= ctx.year_ago)
    )
    single = due.filter(of(ctx.single_event_persons()) & of(persons_of(report)))
    pids = persons_of(single)
    forms = [
        Form("no start-of-order OASys", 0.45, pids),
        Form("OASys started but not completed", 0.35, pids),
        Form("OASys completed the day before sentence", 0.1, pids),
        Form("the day after twenty working days ran out", 0.1, ctx.edge_pids("fault20", pids)),
    ]
    for form, chosen in ctx.plan("oasys_overdue", forms).items():
        targets = single.filter(of(chosen))
        _undo_start_assessments(ctx, form, chosen)
        ctx.record("oasys_overdue", targets["pid"], targets["event_id"], f"oasys_overdue: {form}")


def _undo_start_assessments(ctx: Injection, form: str, chosen: np.ndarray) -> None:
    frame = ctx.caseload.assessments
    rows = (
        of(chosen) & pl.col("stage").is_in(["start", "review"]) & (pl.col("status") == "COMPLETE")
    )
    if form.startswith("OASys started"):
        frame = set_where(frame, rows, status="INCOMPLETE")
    elif form.endswith("before sentence"):
        events = ctx.caseload.events.filter(pl.col("is_active") & of(chosen)).select(
            "pid", sentence="s"
        )
        frame = frame.join(events, on="pid", how="left", maintain_order="left")
        first = rows & (pl.col("stage") == "start")
        frame = set_where(frame, first, on=pl.col("sentence") - 1).filter(
            ~(rows & (pl.col("stage") == "review"))
        )
        frame = frame.drop("sentence")
    else:
        frame = frame.filter(~rows)
    ctx.update(assessments=frame)


def home_visit_missing(ctx: Injection) -> None:
    due = ctx.due_events(20, START).filter(pl.col("home_visit"))
    pids = persons_of(due)
    forms = [
        Form("no home visit", 0.4, pids),
        Form("home visit attempted, not completed", 0.3, pids),
        Form("home visit booked after the as-of date", 0.15, pids),
        Form("home visit the day before sentence", 0.05, persons_with_one(due)),
        Form("the day after twenty working days ran out", 0.1, ctx.edge_pids("fault20", pids)),
    ]
    for form, chosen in ctx.plan("home_visit_missing", forms).items():
        targets = due.filter(of(chosen))
        _undo_home_visits(ctx, form, chosen, targets)
        ctx.record(
            "home_visit_missing", targets["pid"], targets["event_id"], f"home_visit_missing: {form}"
        )


def _undo_home_visits(ctx: Injection, form: str, chosen: np.ndarray, targets: pl.DataFrame) -> None:
    contacts = ctx.caseload.contacts
    visits = of(chosen) & pl.col("contact_type_code").is_in(["CHVS", "COHV"])
    if form.endswith("not completed"):
        outcome = pl.lit(FAILED[int(ctx.rng.integers(0, len(FAILED)))])
        ctx.update(contacts=set_where(contacts, visits, outcome_code=outcome))
        return
    contacts = set_where(
        contacts,
        visits & (pl.col("contact_type_code") == "COHV"),
        contact_type_code="COAI",
        kind=pl.lit("first_appointment"),
    )
    visits = visits & (pl.col("contact_type_code") == "CHVS")
    if form.endswith("after the as-of date"):
        contacts = set_where(
            contacts, visits, on=pl.lit(ctx.d + 4), outcome_code=None, created=pl.lit(ctx.d)
        )
    elif form.endswith("before sentence"):
        sentence = targets.select("pid", first_s="s")
        contacts = contacts.join(sentence, on="pid", how="left", maintain_order="left")
        contacts = set_where(
            contacts, visits, on=pl.col("first_s") - 1, created=pl.col("first_s") - 1
        ).drop("first_s")
    else:
        contacts = contacts.filter(~visits)
    ctx.update(contacts=contacts)
