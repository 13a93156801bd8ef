"""One pandera DataFrameModel per table of the data contract.

These models are the single statement of the contract in code: column types and
nullability (used by the loaders to read each file), code lists and formats (row rules),
the key of each table (``Config.metadata["key"]``) and the references to parent rows
(a column's ``metadata["references"] = (table, column)``). The contract's arrows (→)
are exactly the references below; soft deletion cascades along them (CHECKS.md).
"""

from __future__ import annotations

from typing import Annotated, Optional

import pandera.polars as pa
import polars as pl

from schemas import codes

Decimal52 = Annotated[pl.Decimal, 5, 2]


def ref(table: str, column: str, **kwargs: object) -> object:
    """A field that refers to a parent row (an arrow in the contract)."""
    return pa.Field(metadata={"references": (table, column)}, **kwargs)  # type: ignore[arg-type]


class ContractModel(pa.DataFrameModel):
    class Config:
        strict = False  # extra columns are ignored (the contract)
        coerce = False


class Providers(ContractModel):
    provider_code: str = pa.Field(str_matches=codes.PROVIDER_CODE_PATTERN)
    provider_name: str
    provider_type: str = pa.Field(isin=codes.PROVIDER_TYPES)
    soft_deleted: bool

    class Config:
        metadata = {"key": ("provider_code",)}


class Teams(ContractModel):
    team_code: str = pa.Field(str_matches=codes.TEAM_CODE_PATTERN)
    team_name: str
    provider_code: str = ref("providers", "provider_code")
    spo_staff_code: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    soft_deleted: bool

    class Config:
        metadata = {"key": ("team_code",)}


class Staff(ContractModel):
    staff_code: str = pa.Field(str_matches=codes.STAFF_CODE_PATTERN)
    forename: str
    surname: str
    grade_code: Optional[str] = pa.Field(nullable=True, isin=codes.GRADES)  # noqa: UP045
    email: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    team_code: str = ref("teams", "team_code")
    end_date: Optional[pl.Date] = pa.Field(nullable=True)  # noqa: UP045
    soft_deleted: bool

    class Config:
        metadata = {"key": ("staff_code",)}


class Offenders(ContractModel):
    crn: str = pa.Field(str_matches=codes.CRN_PATTERN)
    forename: str
    surname: str
    date_of_birth: pl.Date
    gender: Optional[str] = pa.Field(nullable=True, isin=codes.GENDERS)  # noqa: UP045
    pnc_number: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    deportation_eligible: Optional[bool] = pa.Field(nullable=True)  # noqa: UP045
    soft_deleted: bool

    class Config:
        metadata = {"key": ("crn",)}


class OffenderManagers(ContractModel):
    offender_manager_id: int
    crn: str = ref("offenders", "crn", str_matches=codes.CRN_PATTERN)
    staff_code: str = ref("staff", "staff_code")
    team_code: str = ref("teams", "team_code")
    allocation_date: pl.Date
    end_date: Optional[pl.Date] = pa.Field(nullable=True)  # noqa: UP045
    soft_deleted: bool

    class Config:
        metadata = {"key": ("offender_manager_id",)}


class Events(ContractModel):
    event_id: int
    crn: str = ref("offenders", "crn", str_matches=codes.CRN_PATTERN)
    event_number: int = pa.Field(ge=1)
    sentence_date: pl.Date
    court_name: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    disposal_type_code: str = pa.Field(isin=codes.DISPOSAL_TYPES)
    length_months: Optional[int] = pa.Field(nullable=True, ge=0)  # noqa: UP045
    custodial_months: Optional[int] = pa.Field(nullable=True, ge=0)  # noqa: UP045
    offence_category: str = pa.Field(isin=codes.OFFENCE_CATEGORIES)
    domestic_abuse: bool
    court_report_type: Optional[str] = pa.Field(  # noqa: UP045
        nullable=True, isin=codes.COURT_REPORT_TYPES
    )
    active: bool
    termination_date: Optional[pl.Date] = pa.Field(nullable=True)  # noqa: UP045
    soft_deleted: bool

    class Config:
        metadata = {"key": ("event_id",)}


class CaseAllocations(ContractModel):
    case_allocation_id: int
    event_id: int = ref("events", "event_id")
    crn: str = ref("offenders", "crn", str_matches=codes.CRN_PATTERN)
    rsr_score: Optional[Decimal52] = pa.Field(nullable=True, ge=0, le=100)  # noqa: UP045
    rsr_assessor_date: Optional[pl.Date] = pa.Field(nullable=True)  # noqa: UP045
    allocation_decision: Optional[str] = pa.Field(  # noqa: UP045
        nullable=True, isin=codes.ALLOCATION_DECISIONS
    )
    decision_date: Optional[pl.Date] = pa.Field(nullable=True)  # noqa: UP045
    decision_staff_code: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    soft_deleted: bool

    class Config:
        metadata = {"key": ("case_allocation_id",)}


class Registrations(ContractModel):
    registration_id: int
    crn: str = ref("offenders", "crn", str_matches=codes.CRN_PATTERN)
    register_type_code: str = ref("register_types", "register_type_code")
    register_level_code: Optional[str] = pa.Field(  # noqa: UP045
        nullable=True, isin=codes.REGISTER_LEVELS
    )
    register_category_code: Optional[str] = pa.Field(  # noqa: UP045
        nullable=True, isin=codes.REGISTER_CATEGORIES
    )
    registration_date: pl.Date
    next_review_date: Optional[pl.Date] = pa.Field(nullable=True)  # noqa: UP045
    registering_staff_code: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    registering_team_code: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    deregistered: bool
    deregistration_date: Optional[pl.Date] = pa.Field(nullable=True)  # noqa: UP045
    soft_deleted: bool

    class Config:
        metadata = {"key": ("registration_id",)}


class RegistrationReviews(ContractModel):
    review_id: int
    registration_id: int = ref("registrations", "registration_id")
    review_date: Optional[pl.Date] = pa.Field(nullable=True)  # noqa: UP045
    review_date_due: Optional[pl.Date] = pa.Field(nullable=True)  # noqa: UP045
    completed: bool
    reviewing_staff_code: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    soft_deleted: bool

    class Config:
        metadata = {"key": ("review_id",)}


class RegisterTypes(ContractModel):
    register_type_code: str
    description: str
    flag_group: str = pa.Field(isin=codes.FLAG_GROUPS)
    review_period_months: Optional[int] = pa.Field(nullable=True, ge=0)  # noqa: UP045
    persists_between_orders: bool

    class Config:
        metadata = {"key": ("register_type_code",), "reference": True}


class Assessments(ContractModel):
    assessment_id: int
    crn: str = ref("offenders", "crn", str_matches=codes.CRN_PATTERN)
    event_id: Optional[int] = ref("events", "event_id", nullable=True)  # noqa: UP045
    assessment_type: str = pa.Field(isin=codes.ASSESSMENT_TYPES)
    status: str = pa.Field(isin=codes.ASSESSMENT_STATUSES)
    assessment_date: pl.Date
    rosh_screening_done: bool
    full_rosh_analysis_done: bool
    rosh_level: Optional[str] = pa.Field(nullable=True, isin=codes.ROSH_LEVELS)  # noqa: UP045
    rosh_children: Optional[str] = pa.Field(  # noqa: UP045
        nullable=True, isin=codes.ROSH_AREA_LEVELS
    )
    rosh_staff: Optional[str] = pa.Field(nullable=True, isin=codes.ROSH_AREA_LEVELS)  # noqa: UP045
    child_protection_concern: Optional[str] = pa.Field(  # noqa: UP045
        nullable=True, isin=codes.CONCERNS
    )
    self_harm_concern: Optional[str] = pa.Field(nullable=True, isin=codes.CONCERNS)  # noqa: UP045
    soft_deleted: bool

    class Config:
        metadata = {"key": ("assessment_id",)}


class Contacts(ContractModel):
    contact_id: int
    crn: str = ref("offenders", "crn", str_matches=codes.CRN_PATTERN)
    event_id: Optional[int] = ref("events", "event_id", nullable=True)  # noqa: UP045
    contact_type_code: str = ref("contact_types", "contact_type_code")
    contact_date: pl.Date
    outcome_code: Optional[str] = pa.Field(nullable=True, isin=codes.OUTCOMES)  # noqa: UP045
    staff_code: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    team_code: Optional[str] = pa.Field(nullable=True)  # noqa: UP045
    created_datetime: pl.Datetime
    soft_deleted: bool

    class Config:
        metadata = {"key": ("contact_id",)}


class ContactTypes(ContractModel):
    contact_type_code: str
    description: str
    category: str = pa.Field(isin=codes.CONTACT_CATEGORIES)

    class Config:
        metadata = {"key": ("contact_type_code", "category"), "reference": True}


class Documents(ContractModel):
    document_id: int
    crn: str = ref("offenders", "crn", str_matches=codes.CRN_PATTERN)
    event_id: Optional[int] = ref("events", "event_id", nullable=True)  # noqa: UP045
    document_type: str = pa.Field(isin=codes.DOCUMENT_TYPES)
    document_name: str
    created_datetime: pl.Datetime
    soft_deleted: bool

    class Config:
        metadata = {"key": ("document_id",)}


# In dependency order: every table comes after the tables it refers to.
MODELS: dict[str, type[ContractModel]] = {
    "providers": Providers,
    "teams": Teams,
    "staff": Staff,
    "offenders": Offenders,
    "register_types": RegisterTypes,
    "contact_types": ContactTypes,
    "offender_managers": OffenderManagers,
    "events": Events,
    "case_allocations": CaseAllocations,
    "registrations": Registrations,
    "registration_reviews": RegistrationReviews,
    "assessments": Assessments,
    "contacts": Contacts,
    "documents": Documents,
}

REFERENCE_TABLES = frozenset(
    n for n, m in MODELS.items() if getattr(m.Config, "metadata", {}).get("reference")
)
