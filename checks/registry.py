"""The registry of checks: check name -> class. The names are stored in the database as
exception identities: never rename one."""

from __future__ import annotations

import dataclasses
from typing import Any

from checks.allocation_mismatch import AllocationMismatch
from checks.allocation_unrecorded import AllocationUnrecorded
from checks.assignment_missing import AssignmentMissing
from checks.base import SEVERITIES, Check
from checks.child_protection_flag_missing import ChildProtectionFlagMissing
from checks.documents_missing import DocumentsMissing
from checks.first_appointment_unrecorded import FirstAppointmentUnrecorded
from checks.flag_from_previous_order import FlagFromPreviousOrder
from checks.flag_review_overdue import FlagReviewOverdue
from checks.home_visit_missing import HomeVisitMissing
from checks.management_oversight_overdue import ManagementOversightOverdue
from checks.mappa_flag_incomplete import MappaFlagIncomplete
from checks.mappa_flag_missing import MappaFlagMissing
from checks.oasys_overdue import OasysOverdue
from checks.rosh_flag_missing import RoshFlagMissing
from checks.rosh_flag_unsupported import RoshFlagUnsupported
from checks.rsr_missing import RsrMissing
from checks.safeguarding_checks_unlogged import SafeguardingChecksUnlogged
from checks.safeguarding_response_overdue import SafeguardingResponseOverdue

# One line per check, in CHECKS.md's order.
REGISTRY: dict[str, type[Check]] = {
    RoshFlagUnsupported.name: RoshFlagUnsupported,
    RoshFlagMissing.name: RoshFlagMissing,
    FlagReviewOverdue.name: FlagReviewOverdue,
    FlagFromPreviousOrder.name: FlagFromPreviousOrder,
    MappaFlagMissing.name: MappaFlagMissing,
    MappaFlagIncomplete.name: MappaFlagIncomplete,
    ChildProtectionFlagMissing.name: ChildProtectionFlagMissing,
    RsrMissing.name: RsrMissing,
    AllocationUnrecorded.name: AllocationUnrecorded,
    AllocationMismatch.name: AllocationMismatch,
    FirstAppointmentUnrecorded.name: FirstAppointmentUnrecorded,
    AssignmentMissing.name: AssignmentMissing,
    DocumentsMissing.name: DocumentsMissing,
    SafeguardingChecksUnlogged.name: SafeguardingChecksUnlogged,
    SafeguardingResponseOverdue.name: SafeguardingResponseOverdue,
    OasysOverdue.name: OasysOverdue,
    HomeVisitMissing.name: HomeVisitMissing,
    ManagementOversightOverdue.name: ManagementOversightOverdue,
}

COMMON_SETTINGS = ("enabled", "severity")


def parameters(cls: type[Check]) -> dict[str, Any]:
    """A check's parameters with their defaults."""
    return {f.name: f.default for f in dataclasses.fields(cls)}


def validate_check_settings(name: str, values: dict[str, Any]) -> str | None:
    """What is wrong with one [checks.<name>] block, or None."""
    cls = REGISTRY.get(name)
    if cls is None:
        known = ", ".join(sorted(REGISTRY))
        return f"is not a known check; known checks: {known}"
    known_params = parameters(cls)
    for key, value in values.items():
        if key == "enabled":
            if not isinstance(value, bool):
                return "enabled must be true or false"
        elif key == "severity":
            if value not in (*SEVERITIES, "rule"):
                return "severity must be one of 'rule' (as CHECKS.md says), high, medium, low"
        elif key not in known_params:
            allowed = ", ".join([*COMMON_SETTINGS, *known_params])
            return f"unknown setting '{key}'; this check takes: {allowed}"
        elif not _same_kind(known_params[key], value):
            kind = type(known_params[key]).__name__
            return f"{key} must be a {kind} (default {known_params[key]!r}), not {value!r}"
        elif isinstance(value, int) and not isinstance(value, bool) and value < 0:
            # every whole-number parameter counts days, working days or months
            return f"{key} must be 0 or more (default {known_params[key]!r}), not {value!r}"
    try:
        build_check(name, values)
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def build_check(name: str, values: dict[str, Any]) -> Check:
    """An instance of a check with the parameters of its [checks.<name>] block."""
    cls = REGISTRY[name]
    params = {k: v for k, v in values.items() if k not in COMMON_SETTINGS}
    for key, default in parameters(cls).items():
        if key in params and isinstance(default, tuple):
            params[key] = tuple(params[key])
    return cls(**params)
