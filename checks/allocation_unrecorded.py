"""allocation_unrecorded: an active event with no allocation decision on nDelius."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from checks.base import Grain
from checks.unrecorded_allocation_field import UnrecordedAllocationField


@dataclass(frozen=True)
class AllocationUnrecorded(UnrecordedAllocationField):
    """An active event with no allocation decision recorded by the day after sentence.

    Raise for an active event with ``sentence_date ≥ required_from`` when
    ``D > wd(sentence_date, within_working_days)`` and no case allocation of the event has a
    non-null ``allocation_decision`` (a decision exists at D when its decision_date is null
    or ≤ D).

    The report, para 2.11: "it was hard in many cases to identify what the allocation
    decision was and the basis for it. There are boxes on nDelius which should be used to
    confirm the allocation decision but these were rarely used." Para 2.14: "Of the cases we
    inspected 81% were allocated to the correct agency in the required timescale, i.e. by
    the day after sentence. [...] in 7% it was not clear exactly when the case was
    allocated."
    """

    name: ClassVar[str] = "allocation_unrecorded"
    title: ClassVar[str] = "Allocation decision not recorded"
    grain: ClassVar[Grain] = "event"
    severity_rule: ClassVar[str] = "medium"
    paragraphs: ClassVar[tuple[str, ...]] = ("para 2.11", "para 2.14")

    column: ClassVar[str] = "allocation_decision"
    missing_text: ClassVar[str] = "Allocation decision (NPS or CRC) not recorded"
