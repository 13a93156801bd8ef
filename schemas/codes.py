"""Code lists of the data contract (../shared/spec/DATA-CONTRACT.md) and its bundled
reference tables.

Every list here is the contract's own; the reference tables (`register_types`,
`contact_types`) are used when an extract does not carry its own.
"""

from __future__ import annotations

import polars as pl

CRN_PATTERN = r"^[A-Z][0-9]{6}$"
# The contract gives these codes a length only ("7 characters, e.g. N07A123").
STAFF_CODE_PATTERN = r"(?s)^.{7}$"
TEAM_CODE_PATTERN = r"(?s)^.{6}$"
PROVIDER_CODE_PATTERN = r"(?s)^.{3}$"

PROVIDER_TYPES = ["NPS", "CRC"]
GRADES = ["PSQ", "PSP", "PSM", "PSC", "ADM"]
GENDERS = ["M", "F", "N", "U"]
DISPOSAL_TYPES = ["CO", "SSO", "SC", "LIC"]
OFFENCE_CATEGORIES = [
    "VIOLENCE",
    "SEXUAL",
    "ACQUISITIVE",
    "DRUGS",
    "MOTORING",
    "PUBLIC_ORDER",
    "OTHER",
]
COURT_REPORT_TYPES = ["CJO", "CJF", "CJS", "PSA"]
ALLOCATION_DECISIONS = ["NPS", "CRC"]
REGISTER_LEVELS = ["M0", "M1", "M2", "M3", "RSKL", "RSKM", "RSKH", "RSKV"]
REGISTER_CATEGORIES = ["M1", "M2", "M3", "M4", "X9"]
FLAG_GROUPS = [
    "ROSH",
    "PUBLIC_PROTECTION",
    "SAFEGUARDING",
    "DOMESTIC_ABUSE",
    "WELLBEING",
    "OTHER",
]
ASSESSMENT_TYPES = ["LAYER1", "LAYER3", "ROSH_SCREENING"]
ASSESSMENT_STATUSES = ["COMPLETE", "INCOMPLETE"]
ROSH_LEVELS = ["L", "M", "H", "V"]
ROSH_AREA_LEVELS = ["L", "M", "H", "V", "N"]
CONCERNS = ["YES", "NO", "DK"]
OUTCOMES = ["ATTC", "AFTC", "AFTA", "RSSR", "APPW", "UAAB"]
CONTACT_CATEGORIES = [
    "FIRST_APPOINTMENT",
    "HOME_VISIT",
    "POLICE_CHECK_REQUEST",
    "POLICE_CHECK_RESPONSE",
    "POLICE_CHECK_CHASED",
    "CHILDREN_CHECK_REQUEST",
    "CHILDREN_CHECK_RESPONSE",
    "CHILDREN_CHECK_CHASED",
    "MANAGEMENT_OVERSIGHT",
    "OTHER",
]
DOCUMENT_TYPES = [
    "CPS_PACK",
    "PRE_CONS",
    "COURT_REPORT",
    "ORAL_REPORT_NOTES",
    "CASE_ALLOCATION",
    "RSR_CALCULATION",
    "DIVERSITY_FORM",
    "POLICE_RESPONSE",
    "CHILDREN_SERVICES_RESPONSE",
    "OTHER",
]

# RoSH flag type code -> flag level (CHECKS.md, "Flag of group G").
ROSH_FLAG_LEVELS = {"RLRH": "L", "RMRH": "M", "RHRH": "H", "RVHR": "V"}

# (code, description, flag_group, review_period_months, persists_between_orders)
_REGISTER_TYPES = [
    ("RLRH", "Low RoSH", "ROSH", 6, False),
    ("RMRH", "Medium RoSH", "ROSH", 6, False),
    ("RHRH", "High RoSH", "ROSH", 6, False),
    ("RVHR", "Very High RoSH", "ROSH", 6, False),
    ("MAPP", "MAPPA", "PUBLIC_PROTECTION", 3, False),
    ("ARSO", "Registered sex offender", "PUBLIC_PROTECTION", 12, True),
    ("AVIS", "ViSOR nominal", "PUBLIC_PROTECTION", 12, True),
    ("RCPR", "Child protection", "SAFEGUARDING", 3, False),
    ("RCCO", "Child concerns", "SAFEGUARDING", 6, False),
    ("RCHD", "Risk to children", "SAFEGUARDING", 6, False),
    ("ADVP", "Domestic abuse perpetrator", "DOMESTIC_ABUSE", 6, False),
    ("REG30", "Domestic abuse history", "DOMESTIC_ABUSE", 6, False),
    ("AV2S", "Risk to staff", "WELLBEING", 6, False),
    ("ALSH", "Self-harm / suicide risk", "WELLBEING", 6, False),
    ("RMDO", "Mental health issues", "WELLBEING", 6, False),
    ("IIOM", "IOM nominal", "OTHER", 6, False),
    ("INLL", "Lifer", "OTHER", 12, True),
]

# (code, description, category); a code may appear once per category.
_CONTACT_TYPES = [
    ("COAI", "Initial Appointment (NS)", "FIRST_APPOINTMENT"),
    ("CODI", "Initial Appointment on Doorstep (NS)", "FIRST_APPOINTMENT"),
    ("COVI", "Initial Appointment by Video (NS)", "FIRST_APPOINTMENT"),
    ("COHV", "Initial Appointment Home Visit (NS)", "FIRST_APPOINTMENT"),
    ("COHV", "Initial Appointment Home Visit (NS)", "HOME_VISIT"),
    ("CHVS", "Home Visit to Case (NS)", "HOME_VISIT"),
    ("COAP", "Planned Office Visit (NS)", "OTHER"),
    ("C369", "Police Intelligence Enquiries – Requested", "POLICE_CHECK_REQUEST"),
    ("C515", "Police Intelligence Enquiries – Response Received", "POLICE_CHECK_RESPONSE"),
    ("SFGC", "Safeguarding Enquiries Requested", "CHILDREN_CHECK_REQUEST"),
    ("SFRR", "Safeguarding Enquiries – Response Received", "CHILDREN_CHECK_RESPONSE"),
    ("XPCH", "Police Enquiries – Chased", "POLICE_CHECK_CHASED"),
    ("XSCH", "Safeguarding Enquiries – Chased", "CHILDREN_CHECK_CHASED"),
    ("MO1", "Management Oversight", "MANAGEMENT_OVERSIGHT"),
    ("CSPO", "Consultation with Manager", "MANAGEMENT_OVERSIGHT"),
    ("ERGN", "Registration", "OTHER"),
    ("ERGR", "Registration Review", "OTHER"),
    ("ERGD", "Deregistration", "OTHER"),
    ("C004", "OASys Assessment Completed", "OTHER"),
]


def bundled_register_types() -> pl.DataFrame:
    """The contract's default flag definitions."""
    return pl.DataFrame(
        _REGISTER_TYPES,
        schema={
            "register_type_code": pl.String,
            "description": pl.String,
            "flag_group": pl.String,
            "review_period_months": pl.Int64,
            "persists_between_orders": pl.Boolean,
        },
        orient="row",
    )


def bundled_contact_types() -> pl.DataFrame:
    """The contract's default contact types, one row per (code, category)."""
    return pl.DataFrame(
        _CONTACT_TYPES,
        schema={
            "contact_type_code": pl.String,
            "description": pl.String,
            "category": pl.String,
        },
        orient="row",
    )


BUNDLED_REFERENCE_TABLES = {
    "register_types": bundled_register_types,
    "contact_types": bundled_contact_types,
}
