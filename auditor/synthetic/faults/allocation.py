"""Faults in the case allocation record: rsr_missing, allocation_unrecorded and
allocation_mismatch.

Removing a score or a decision never causes a mismatch (a missing score is no reason
for the NPS; a missing decision is no CRC decision), and a score or decision removed
from every row of an event leaves the other rule's field in place, so each fault raises
its own exception only. A mismatch is made by turning the decision of one event of a
person who needs the NPS into a CRC one, for each reason the rule lists.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.allocations import RSR_THRESHOLD, person_criteria, rsr_scored
from auditor.synthetic.facts import NO_DAY
from auditor.synthetic.faults.injection import Form, Injection, among, of, persons_of, set_where


def _allocated_due_events(ctx: Injection) -> pl.DataFrame:
    due = ctx.due_events(1, since_2014=True)
    return due.filter(among("event_id", ctx.caseload.case_allocations["event_id"]))


def _edge_forms(ctx: Injection, pids: np.ndarray, share: float) -> list[Form]:
    return [
        Form("the day after its working day ran out", share, ctx.edge_pids("fault1", pids)),
        Form(
            "sentenced on 2014-06-01, the first day the rule applies",
            share,
            ctx.edge_pids("required_fault", pids),
        ),
    ]


def rsr_missing(ctx: Injection) -> None:
    _unrecord(
        ctx,
        "rsr_missing",
        missing="no RSR score recorded",
        blank={"rsr": None, "assessed": NO_DAY},
        late="RSR score dated after the as-of date",
        dated={"assessed": pl.lit(ctx.d + 3)},
        late_rows=pl.col("rsr").is_not_null(),
    )


def allocation_unrecorded(ctx: Injection) -> None:
    _unrecord(
        ctx,
        "allocation_unrecorded",
        missing="no allocation decision recorded",
        blank={"decision": None, "decided": NO_DAY},
        late="decision dated after the as-of date",
        dated={"decided": pl.lit(ctx.d + 2)},
    )


def _unrecord(
    ctx: Injection,
    check: str,
    missing: str,
    blank: dict[str, object],
    late: str,
    dated: dict[str, object],
    late_rows: pl.Expr | None = None,
) -> None:
    """A field missing from every row of an allocated due event: ``blank`` (the
    ``missing`` form and the edge forms) or ``dated`` after D (on ``late_rows`` only)."""
    events = _allocated_due_events(ctx)
    pids = persons_of(events)
    forms = [Form(missing, 0.7, pids), Form(late, 0.2, pids), *_edge_forms(ctx, pids, 0.02)]
    frame = ctx.caseload.case_allocations
    for form, chosen in ctx.plan(check, forms).items():
        targets = events.filter(of(chosen))
        rows = among("event_id", targets["event_id"])
        if form == late:
            on = rows if late_rows is None else rows & late_rows
            frame = set_where(frame, on, **dated)
        else:
            frame = set_where(frame, rows, **blank)
        ctx.record(check, targets["pid"], targets["event_id"], f"{check}: {form}")
    ctx.update(case_allocations=frame)


def _decisions(ctx: Injection) -> pl.DataFrame:
    """The decision row of each active event (the rule's choice of allocation)."""
    d = ctx.d
    exists = (pl.col("decided") == NO_DAY) | (pl.col("decided") <= d)
    rows = ctx.caseload.case_allocations.filter(exists & pl.col("decision").is_not_null())
    latest = (
        rows.sort("event_id", "decided", "case_allocation_id", maintain_order=True)
        .group_by("event_id", maintain_order=True)
        .last()
    )
    counts = ctx.caseload.case_allocations.group_by("event_id").agg(rows=pl.len())
    active = ctx.caseload.events.filter(pl.col("is_active")).select("event_id")
    return (
        latest.join(active, on="event_id")
        .join(counts, on="event_id", how="left")
        .with_columns(score=pl.when(rsr_scored(d)).then(pl.col("rsr")))
        .sort("event_id", maintain_order=True)
    )


def allocation_mismatch(ctx: Injection) -> None:
    criteria = person_criteria(ctx.caseload.world, ctx.caseload.facts, ctx.caseload.flags)
    decided = _decisions(ctx).join(criteria, on="pid", how="left", maintain_order="left")
    high_score = (pl.col("score") > RSR_THRESHOLD).fill_null(False)
    plain = ~pl.col("nps_required")

    conditions = {
        "CRC decision with RSR above 6.89 %": high_score & plain,
        "CRC decision with an active high or very high RoSH flag": pl.col("high_rosh"),
        "CRC decision for a MAPPA case": pl.col("mappa"),
        "CRC decision for a person eligible for deportation": pl.col("deportation"),
        "escalation to the NPS not recorded": (pl.col("rows") > 1) & (pl.col("decision") == "NPS"),
        "CRC decision with RSR 6.90 %, just above the threshold": ~high_score
        & plain
        & (pl.col("decision") == "CRC")
        & pl.col("score").is_not_null(),
    }
    shares = [0.25, 0.2, 0.2, 0.1, 0.1, 0.05]
    forms = [
        Form(name, share, persons_of(decided.filter(expr)))
        for (name, expr), share in zip(conditions.items(), shares, strict=True)
    ]
    frame = ctx.caseload.case_allocations
    for form, chosen in ctx.plan("allocation_mismatch", forms).items():
        targets = (
            decided.filter(conditions[form] & of(chosen))
            .group_by("pid", maintain_order=True)
            .first()
        )
        rows = among("event_id", targets["event_id"])
        if form.startswith("escalation"):
            frame = frame.filter(~(rows & (pl.col("decision") == "NPS")))
        elif form.endswith("threshold"):
            decision_rows = among("case_allocation_id", targets["case_allocation_id"])
            frame = set_where(frame, decision_rows, rsr=pl.lit(RSR_THRESHOLD + 1))
        else:
            frame = set_where(frame, rows, decision="CRC")
        ctx.record(
            "allocation_mismatch",
            targets["pid"],
            targets["event_id"],
            f"allocation_mismatch: {form}",
        )
    ctx.update(case_allocations=frame)
