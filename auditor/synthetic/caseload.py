"""The clean caseload: every part generated in dependency order, as work frames.

Work frames carry the person index ``pid`` and dates as day numbers (``s``, ``reg``,
``on``, ``created``…) plus the contract's other columns; ``tables.py`` turns them into
the contract's tables. Every rule of CHECKS.md holds on the clean caseload at D.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import polars as pl

from auditor.synthetic import contacts as contact_parts
from auditor.synthetic import routine
from auditor.synthetic.allocations import build_case_allocations, person_criteria, provider_types
from auditor.synthetic.assessments import build_assessments
from auditor.synthetic.documents import build_documents
from auditor.synthetic.events import assign_edges, build_events, number_events
from auditor.synthetic.facts import active_persons, person_facts
from auditor.synthetic.flags import build_flags
from auditor.synthetic.indications import event_needs, person_flags
from auditor.synthetic.managers import StaffPicker, build_offender_managers
from auditor.synthetic.organisation import Organisation, build_organisation
from auditor.synthetic.people import build_persons
from auditor.synthetic.reviews import schedule_reviews
from auditor.synthetic.world import World


@dataclass(frozen=True)
class Caseload:
    world: World
    organisation: Organisation
    facts: pl.DataFrame  # one row per person: offenders' columns + traits
    events: pl.DataFrame
    case_allocations: pl.DataFrame
    flags: pl.DataFrame
    reviews: pl.DataFrame
    assessments: pl.DataFrame
    contacts: pl.DataFrame
    documents: pl.DataFrame
    offender_managers: pl.DataFrame

    def with_frames(self, **frames: pl.DataFrame) -> Caseload:
        return replace(self, **frames)  # type: ignore[arg-type]


STAGES = (
    "organisation",
    "persons",
    "events",
    "flags",
    "allocations",
    "offender managers",
    "assessments",
    "contacts",
    "documents",
)


def build_caseload(
    world: World, persons: int, progress: Callable[[str], None] | None = None
) -> Caseload:
    """The clean caseload of ``persons`` people at the world's as-of date."""
    step = progress or (lambda name: None)
    step("organisation")
    organisation = build_organisation(world, persons)
    step("persons")
    people = build_persons(world, persons)
    people = people.with_columns(assign_edges(world, people))
    step("events")
    events = _events(world, people)
    facts = person_facts(world, people, events)
    events = events.join(
        facts.select("pid", "active_events"), on="pid", how="left", maintain_order="left"
    )
    step("flags")
    flags, reviews = schedule_reviews(world, build_flags(world, facts, events), facts)
    empty = pl.DataFrame()
    caseload = Caseload(
        world, organisation, facts, events, empty, flags, reviews, empty, empty, empty, empty
    )
    return _records(_allocated(caseload, step), step)


def _allocated(caseload: Caseload, step: Callable[[str], None]) -> Caseload:
    """Case allocations, the provider each person belongs to, and offender managers."""
    world, facts, events = caseload.world, caseload.facts, caseload.events
    step("allocations")
    criteria = person_criteria(world, facts, caseload.flags)
    court_staff = caseload.organisation.officers("NPS")["staff_code"].to_numpy()
    allocations = build_case_allocations(world, events, criteria, court_staff)
    facts = facts.with_columns(provider_types(world, facts, allocations, criteria))
    step("offender managers")
    picker = StaffPicker(caseload.organisation, world.rng("staff_picker"))
    managers = build_offender_managers(world, facts, events, picker)
    return caseload.with_frames(
        facts=facts, case_allocations=allocations, offender_managers=managers
    )


def _records(caseload: Caseload, step: Callable[[str], None]) -> Caseload:
    """Assessments, contacts and documents: what each event and flag needs."""
    world, facts = caseload.world, caseload.facts
    step("assessments")
    per_person = person_flags(world, caseload.flags)
    needs = event_needs(caseload.events, facts, per_person)
    events = caseload.events.join(needs, on="event_id", maintain_order="left")
    assessments = build_assessments(world, facts, events)
    step("contacts")
    caseload = caseload.with_frames(events=events, assessments=assessments)
    contacts = _contacts(caseload, per_person)
    step("documents")
    responses = contacts.filter(pl.col("kind").is_in(["police_response", "children_response"]))
    documents = build_documents(world, events, caseload.case_allocations, responses)
    return caseload.with_frames(contacts=contacts, documents=documents)


def _events(world: World, people: pl.DataFrame) -> pl.DataFrame:
    events = number_events(build_events(world, people), world)
    events = events.sort("s", "pid", "event_number", maintain_order=True).with_row_index(
        "event_id", offset=1
    )
    return events.with_columns(pl.col("event_id").cast(pl.Int64))


def _contacts(caseload: Caseload, per_person: pl.DataFrame) -> pl.DataFrame:
    world, events = caseload.world, caseload.events
    rng = world.rng("contacts")
    active_pids = active_persons(caseload.facts)["pid"]
    frames = [
        contact_parts.first_appointments(world, rng, events),
        contact_parts.home_visits(world, rng, events),
        contact_parts.safeguarding_checks(world, rng, events),
        contact_parts.management_oversight(world, rng, per_person, active_pids),
        routine.appointments(world, rng, events),
        routine.administrative(caseload.flags, caseload.reviews, caseload.assessments),
    ]
    frame = pl.concat(frames)
    seconds = rng.integers(8 * 3600, 18 * 3600, frame.height)
    deleted = (rng.random(frame.height) < 0.004) & (frame["kind"] == "routine").to_numpy()
    frame = frame.with_columns(at=pl.Series(seconds), soft_deleted=pl.Series(deleted))
    frame = frame.sort("created", "at", "pid", "on", maintain_order=True)
    return frame.with_row_index("contact_id", offset=1)
