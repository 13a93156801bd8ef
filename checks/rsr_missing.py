"""rsr_missing: an active event whose RSR score is not on nDelius after sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from checks.base import Grain
from checks.unrecorded_allocation_field import UnrecordedAllocationField


@dataclass(frozen=True)
class RsrMissing(UnrecordedAllocationField):
    """An active event with no RSR score recorded by the working day after sentence.

    Raise for an active event with ``sentence_date ≥ required_from`` when
    ``D > wd(sentence_date, within_working_days)`` and no case allocation of the event has a
    non-null ``rsr_score`` (a score exists at D when its rsr_assessor_date is null or ≤ D).

    The report, para 2.6: "NOMS guidance is that the RSR score is calculated in every case
    [...] Once completed, the RSR calculation needs to be saved and then uploaded onto
    nDelius, and the score has to be manually entered onto nDelius as well." Para 2.28: "In
    only half of the cases was the RSR score on nDelius." (Recommendation 35.)
    """

    name: ClassVar[str] = "rsr_missing"
    title: ClassVar[str] = "RSR score not recorded"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "medium"
    paragraphs: ClassVar[tuple[str, ...]] = ("para 2.6", "para 2.28")

    column: ClassVar[str] = "rsr_score"
    missing_text: ClassVar[str] = "RSR score not recorded"
