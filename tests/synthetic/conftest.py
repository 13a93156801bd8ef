"""Shared generated extracts (generated once per test session: small, on two cores)."""

from __future__ import annotations

import datetime as dt

import pytest

from auditor.synthetic import Synthetic, generate_extract

AS_OF = dt.date(2026, 11, 25)


@pytest.fixture(scope="session")
def faulty() -> Synthetic:
    return generate_extract(2000, 7, AS_OF)


@pytest.fixture(scope="session")
def clean() -> Synthetic:
    return generate_extract(1500, 8, AS_OF, faults=False)
