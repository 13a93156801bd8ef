"""The table names that do without pandera are the models' own."""

from __future__ import annotations

from schemas import TABLE_NAMES
from schemas.tables import MODELS


def test_the_table_names_are_the_models_in_their_order() -> None:
    assert tuple(MODELS) == TABLE_NAMES
