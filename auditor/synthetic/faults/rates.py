"""How often each fault is injected, beside what the inspection found.

``rate`` is the share of the cases where the rule applies (the fault's candidates) that
get the fault, before ``--fault-rate-scale``. The report's own figures are far higher
for several rules (RSR missing in half of new cases); they are scaled down so that an
extract stays readable and eighteen fault kinds fit on disjoint persons. Every kind with
candidates gets at least one fault.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FaultRate:
    check: str
    rate: float
    report: str  # what the inspection found, with its paragraph


FAULT_RATES: tuple[FaultRate, ...] = (
    FaultRate("rsr_missing", 0.10, "RSR score on nDelius in only half of cases (para 2.28)"),
    FaultRate(
        "allocation_unrecorded", 0.04, "allocation late in 12 %, unclear when in 7 % (para 2.14)"
    ),
    FaultRate("allocation_mismatch", 0.04, "4 % of cases appeared wrongly allocated (para 2.12)"),
    FaultRate(
        "first_appointment_unrecorded", 0.05, "first appointments not always recorded (para 2.22)"
    ),
    FaultRate(
        "assignment_missing",
        0.05,
        "one-fifth not assigned within five working days (para 3.3, 4.1)",
    ),
    FaultRate(
        "documents_missing", 0.05, "report copy or notes on nDelius in three-quarters (para 2.28)"
    ),
    FaultRate(
        "safeguarding_checks_unlogged", 0.08, "police/children's checks rarely recorded (para 2.38)"
    ),
    FaultRate(
        "safeguarding_response_overdue", 0.08, "replies rarely recorded or chased (para 2.38)"
    ),
    FaultRate(
        "oasys_overdue",
        0.05,
        "OASys not done 4–6 weeks after sentence in over a quarter (para 3.12)",
    ),
    FaultRate(
        "home_visit_missing", 0.08, "visit done in only 5 of 35 cases needing one (para 3.23)"
    ),
    FaultRate(
        "management_oversight_overdue", 0.05, "a mixed picture of management oversight (para 4.12)"
    ),
    FaultRate(
        "rosh_flag_unsupported", 0.04, "RoSH flags not backed by an analysis (para 2.18, 2.33)"
    ),
    FaultRate("rosh_flag_missing", 0.02, "flags not completed (para 2.33, case example)"),
    FaultRate("flag_review_overdue", 0.04, "no clear review of flags (para 2.33)"),
    FaultRate(
        "flag_from_previous_order", 0.08, "many flags refer to a previous period (para 2.33)"
    ),
    FaultRate("mappa_flag_missing", 0.08, "MAPPA eligibility not recognised (para 2.12, 2.33)"),
    FaultRate("mappa_flag_incomplete", 0.05, "MAPPA flags less used, not defined (rec. 25)"),
    FaultRate(
        "child_protection_flag_missing", 0.05, "risk to children not flagged (para 2.33, 2.37)"
    ),
)

RATES = {row.check: row for row in FAULT_RATES}


def rates_for_manifest(scale: float) -> dict[str, dict[str, object]]:
    """The table as manifest.json records it, with the scale applied."""
    return {
        row.check: {"rate": round(row.rate * scale, 6), "report": row.report} for row in FAULT_RATES
    }
