"""Faults in RoSH and safeguarding flags: rosh_flag_unsupported, rosh_flag_missing and
child_protection_flag_missing, with their clean boundaries.

Only lower-level RoSH flags are ever added (never RHRH or RVHR, which would bring
oversight, home visit and allocation duties), and flags are only ever removed or
hidden otherwise, which can only lift other duties. Changes to assessments keep the
latest completed assessment inside the current period, with the same risk to children
and child protection concern, so no other rule sees a difference.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from auditor.synthetic.allocations import active_flag
from auditor.synthetic.facts import NO_DAY
from auditor.synthetic.faults.injection import Form, Injection, among, of, persons_of, set_where

ROSH_CODES = ["RLRH", "RMRH", "RHRH", "RVHR"]
LOWER = {"RLRH": "RLRH", "RMRH": "RLRH", "RHRH": "RMRH", "RVHR": "RMRH"}
OTHER_LEVEL = {"L": "M", "M": "H", "H": "M", "V": "H"}
SAFEGUARDING = ["RCPR", "RCCO", "RCHD"]


def current_flags(ctx: Injection, codes: list[str]) -> pl.DataFrame:
    """Active flags at D of these types, of active persons, from the current period."""
    flags = ctx.caseload.flags.filter(active_flag(ctx.d) & (pl.col("role") == "current"))
    flags = flags.filter(pl.col("register_type_code").is_in(codes))
    return flags.filter(among("pid", ctx.active_persons()["pid"]))


def remove_flags(ctx: Injection, rows: pl.Expr, how: str) -> None:
    """Take the flags off the record in one of the ways it happens."""
    flags = ctx.caseload.flags
    reviews = ctx.caseload.reviews
    gone = flags.filter(rows)["registration_id"]
    if how == "deleted":
        flags = flags.filter(~rows)
        reviews = reviews.filter(~among("registration_id", gone))
    elif how == "soft-deleted":
        flags = set_where(flags, rows, soft_deleted=True)
    elif how.startswith("registered after"):
        flags = set_where(
            flags,
            rows,
            reg=pl.lit(ctx.d + 2),
            anchor=pl.lit(ctx.d + 2),
            next_review=pl.lit(ctx.d + 60),
        )
        reviews = reviews.filter(~among("registration_id", gone))
    else:
        day = ctx.d if how.endswith("on the as-of date") else ctx.d - 20
        flags = set_where(
            flags,
            rows,
            deregistered=True,
            undated=False,
            dereg=pl.max_horizontal(pl.col("reg"), pl.lit(day)),
        )
    ctx.update(flags=flags, reviews=reviews)


REMOVALS = ("deregistered", "soft-deleted", "deleted", "registered after the as-of date")


def flags_missing(
    ctx: Injection,
    check: str,
    label: str,
    flags: pl.DataFrame,
    boundary: str,
    boundary_pids: np.ndarray | None = None,
) -> None:
    """A missing-flag fault: the chosen persons' ``flags`` removed in each of the ways of
    REMOVALS, or in the ``boundary`` way (a removal, then its case in brackets) for
    persons of ``boundary_pids`` (default: any)."""
    pids = persons_of(flags)
    forms = [Form(f"{label} {how}", 0.22, pids) for how in REMOVALS]
    forms.append(
        Form(f"{label} {boundary}", 0.12, pids if boundary_pids is None else boundary_pids)
    )
    for form, chosen in ctx.plan(check, forms).items():
        how = form.removeprefix(f"{label} ").split(" (")[0]
        remove_flags(
            ctx, among("registration_id", flags.filter(of(chosen))["registration_id"]), how
        )
        ctx.record(check, chosen, None, f"{check}: {form}")


def rosh_flag_missing(ctx: Injection) -> None:
    rosh = current_flags(ctx, ROSH_CODES)
    flags_missing(ctx, "rosh_flag_missing", "RoSH flag", rosh, "deregistered on the as-of date")


def rosh_flag_deregistered_tomorrow(ctx: Injection) -> None:
    """Clean boundary: a RoSH flag deregistered with a date after D is still active."""
    rosh = current_flags(ctx, ROSH_CODES)
    chosen = ctx.take(persons_of(rosh), max(1, rosh.height // 300))
    rows = among("registration_id", rosh.filter(of(chosen))["registration_id"])
    ctx.update(
        flags=set_where(ctx.caseload.flags, rows, deregistered=True, dereg=pl.lit(ctx.d + 1))
    )


def child_protection_flag_missing(ctx: Injection) -> None:
    concern = ctx.active_persons().filter(pl.col("child_concern"))
    flagged = current_flags(ctx, SAFEGUARDING).filter(among("pid", concern["pid"]))
    only_scores = concern.filter(
        (pl.col("child_protection_concern") != "YES") & (pl.col("rosh_children") == "M")
    )
    flags_missing(
        ctx,
        "child_protection_flag_missing",
        "safeguarding flag",
        flagged,
        "deregistered (risk to children M, no concern recorded)",
        np.intersect1d(persons_of(flagged), only_scores["pid"].to_numpy()),
    )


# --- unsupported flags ---------------------------------------------------------------


def _aged_candidates(ctx: Injection) -> pl.DataFrame:
    """Persons whose completed assessments before the cut still cover every active
    sentence: per person, the latest such assessment (to be the one left)."""
    cut = ctx.year_ago
    chain = ctx.caseload.assessments.filter(
        pl.col("stage").is_in(["report", "start", "review"])
        & (pl.col("status") == "COMPLETE")
        & (pl.col("on") < cut)
    )
    last_sentence = (
        ctx.caseload.events.filter(pl.col("is_active"))
        .group_by("pid")
        .agg(last_s=pl.col("s").max())
    )
    latest = (
        chain.sort("pid", "on", "assessment_id", maintain_order=True)
        .group_by("pid", maintain_order=True)
        .last()
    )
    layer = pl.col("assessment_type").is_in(["LAYER1", "LAYER3"])
    latest_layer = chain.filter(layer).group_by("pid").agg(layer_on=pl.col("on").max())
    return (
        latest.join(last_sentence, on="pid")
        .join(latest_layer, on="pid")
        .filter(pl.col("layer_on") >= pl.col("last_s"))
        .sort("pid", maintain_order=True)
    )


def _age_assessments(ctx: Injection, people: pl.DataFrame, how: str, move_to: int | None) -> None:
    """Leave each person's latest assessment before the cut as their latest completed
    one (optionally moved to ``move_to``): later ones are left incomplete or removed."""
    cut = ctx.year_ago
    frame = ctx.caseload.assessments
    later = (
        of(people["pid"].to_numpy())
        & (pl.col("status") == "COMPLETE")
        & (pl.col("on") >= cut)
        & (pl.col("on") <= ctx.d)
    )
    frame = (
        set_where(frame, later, status="INCOMPLETE")
        if how == "incomplete"
        else frame.filter(~later)
    )
    if move_to is not None:
        frame = set_where(
            frame, among("assessment_id", people["assessment_id"]), on=pl.lit(move_to)
        )
    ctx.update(assessments=frame)


def rosh_flag_unsupported(ctx: Injection) -> None:
    rosh = current_flags(ctx, ROSH_CODES)
    pids = persons_of(rosh)
    aged = _aged_candidates(ctx)
    aged_pids = np.intersect1d(pids, aged["pid"].to_numpy())
    forms = [
        Form("no screening or full RoSH analysis behind the flag", 0.2, pids),
        Form("latest assessment older than 12 months (reviews left incomplete)", 0.15, aged_pids),
        Form("latest assessment older than 12 months (reviews not done)", 0.1, aged_pids),
        Form("latest assessment one day older than 12 months", 0.05, aged_pids),
        Form("flag level differs from the assessment's RoSH level", 0.2, pids),
        Form("two active RoSH flags", 0.2, pids),
        Form("second RoSH flag deregistered with a date after the as-of date", 0.1, pids),
    ]
    for form, chosen in ctx.plan("rosh_flag_unsupported", forms).items():
        flags = rosh.filter(of(chosen))
        _unsupport(ctx, form, flags, aged.filter(of(chosen)))
        description = f"rosh_flag_unsupported: {form}"
        ctx.record("rosh_flag_unsupported", flags["pid"], flags["registration_id"], description)


def _unsupport(ctx: Injection, form: str, flags: pl.DataFrame, aged: pl.DataFrame) -> None:
    if form.startswith("no screening"):
        _strip_analysis(ctx, flags)
    elif form.startswith("latest assessment"):
        how = "removed" if form.endswith("not done)") else "incomplete"
        _age_assessments(ctx, aged, how, ctx.year_ago - 1 if "one day" in form else None)
    elif form.startswith("flag level"):
        _relevel_assessments(ctx, flags)
    else:
        added = _add_second_flags(ctx, flags, ctx.d + 1 if form.startswith("second") else NO_DAY)
        description = f"rosh_flag_unsupported: {form} (the added flag)"
        ctx.record("rosh_flag_unsupported", added["pid"], added["registration_id"], description)


def _relevel_assessments(ctx: Injection, flags: pl.DataFrame) -> None:
    """Every assessment of the person gives another RoSH level than the flag."""
    others = {code: OTHER_LEVEL[level] for code, level in zip(ROSH_CODES, "LMHV", strict=True)}
    level = pl.DataFrame(
        {"pid": flags["pid"], "other": flags["register_type_code"].replace_strict(others)}
    )
    frame = ctx.caseload.assessments.join(level, on="pid", how="left", maintain_order="left")
    frame = set_where(frame, pl.col("other").is_not_null(), rosh_level=pl.col("other"))
    ctx.update(assessments=frame.drop("other"))


def _strip_analysis(ctx: Injection, flags: pl.DataFrame) -> None:
    low = flags.filter(pl.col("register_type_code") == "RLRH")["pid"].to_numpy()
    frame = set_where(
        ctx.caseload.assessments, of(flags["pid"].to_numpy()), full_rosh_analysis_done=False
    )
    ctx.update(assessments=set_where(frame, of(low), rosh_screening_done=False))


def _add_second_flags(ctx: Injection, flags: pl.DataFrame, dereg: int) -> pl.DataFrame:
    all_flags = ctx.caseload.flags
    facts = ctx.caseload.facts.select("pid", "period_start")
    first = ctx.next_id(all_flags, "registration_id")
    added = (
        flags.join(facts, on="pid", how="left", maintain_order="left")
        .with_columns(
            registration_id=pl.int_range(pl.len()).cast(all_flags.schema["registration_id"])
            + first,
            register_type_code=pl.col("register_type_code").replace_strict(LOWER),
            register_level_code=pl.lit(None, dtype=pl.String),
            reg=pl.max_horizontal(pl.col("period_start"), pl.lit(ctx.d - 30)),
            dereg=pl.lit(dereg, dtype=pl.Int64),
            deregistered=pl.lit(dereg != NO_DAY),
            next_review=pl.lit(ctx.d + 45, dtype=pl.Int64),
            done=pl.lit(0, dtype=pl.Int64),
        )
        .with_columns(anchor=pl.col("reg"))
        .select(all_flags.columns)
    )
    ctx.update(flags=pl.concat([all_flags, added], how="vertical_relaxed"))
    return added


def assessment_exactly_12_months_old(ctx: Injection) -> None:
    """Clean boundary: the supporting assessment dated exactly D − 12 months."""
    rosh = current_flags(ctx, ROSH_CODES)
    aged = _aged_candidates(ctx)
    pids = np.intersect1d(persons_of(rosh), aged["pid"].to_numpy())
    chosen = ctx.take(pids, max(1, len(pids) // 50))
    _age_assessments(ctx, aged.filter(of(chosen)), "incomplete", ctx.year_ago)
