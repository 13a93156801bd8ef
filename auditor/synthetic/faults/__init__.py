"""Data-quality faults, one kind per check of CHECKS.md, and their ground truth.

``inject_faults`` first shapes a few clean records onto the far side of each rule's
boundary (records that must raise nothing), then, unless faults are off, injects each
kind on its own persons and records the exceptions each fault causes.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from auditor.synthetic.caseload import Caseload
from auditor.synthetic.faults import allocation, flags, oversight, rosh, safeguarding, start
from auditor.synthetic.faults.injection import Injection
from auditor.synthetic.ground_truth import ground_truth_frame

Step = Callable[[Injection], None]

# Clean records on the boundaries (kept with --no-faults).
CLEAN_EDGES: tuple[Step, ...] = (
    safeguarding.request_exactly_90_days_before,
    safeguarding.response_chased_ten_working_days_ago,
    oversight.oversight_just_in_time,
    rosh.rosh_flag_deregistered_tomorrow,
    rosh.assessment_exactly_12_months_old,
)

# Kinds with few candidates first, so that the broad ones do not use them up.
FAULT_KINDS: dict[str, Step] = {
    "mappa_flag_missing": flags.mappa_flag_missing,
    "mappa_flag_incomplete": flags.mappa_flag_incomplete,
    "child_protection_flag_missing": rosh.child_protection_flag_missing,
    "management_oversight_overdue": oversight.management_oversight_overdue,
    "allocation_mismatch": allocation.allocation_mismatch,
    "safeguarding_response_overdue": safeguarding.safeguarding_response_overdue,
    "oasys_overdue": start.oasys_overdue,
    "rosh_flag_unsupported": rosh.rosh_flag_unsupported,
    "home_visit_missing": start.home_visit_missing,
    "flag_from_previous_order": flags.flag_from_previous_order,
    "rosh_flag_missing": rosh.rosh_flag_missing,
    "flag_review_overdue": flags.flag_review_overdue,
    "rsr_missing": allocation.rsr_missing,
    "allocation_unrecorded": allocation.allocation_unrecorded,
    "first_appointment_unrecorded": start.first_appointment_unrecorded,
    "assignment_missing": start.assignment_missing,
    "documents_missing": start.documents_missing,
    "safeguarding_checks_unlogged": safeguarding.safeguarding_checks_unlogged,
}


def inject_faults(caseload: Caseload, faults: bool, scale: float) -> tuple[Caseload, pl.DataFrame]:
    ctx = Injection.start(caseload, scale if faults else 0.0)
    for shape in CLEAN_EDGES:
        shape(ctx)
    if faults:
        for inject in FAULT_KINDS.values():
            inject(ctx)
    truth = ground_truth_frame(ctx.rows, ctx.caseload.facts.select("pid", "crn"))
    return ctx.caseload, truth
