"""A seeded sandbox world: owners in three teams, contacts, and a week of NPS answers.

Deterministic for a given seed, so the demo and the tests see the same world every run. It talks
to any source and CRM fake through ``syncd.sandbox.fakes``, so it names no vendor.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syncd.sandbox.fakes import CompanyFake, CrmFake, SourceFake

#: The contact property holding the company's customer id; the packaged ``demo.toml`` matches by it.
CUSTOMER_ID = "customer_id"
#: Share of answers given through a link that carries the customer id but no email.
NO_EMAIL_SHARE = 0.08
#: Client companies the contacts work for (in CRMs whose fake holds companies).
COMPANIES = 20

TEAMS: dict[str, Sequence[tuple[str, str, str]]] = {
    "Support": (("sam", "Sam", "Ortiz"), ("priya", "Priya", "Nair"), ("lee", "Lee", "Chen")),
    "Customer Success": (
        ("ana", "Ana", "Silva"),
        ("tom", "Tom", "Berg"),
        ("ruth", "Ruth", "Okafor"),
    ),
    "Customer Marketing": (("mia", "Mia", "Kowalski"), ("joe", "Joe", "Adams")),
}
COMMENTS = {
    "detractor": (
        "Support took three days to answer.",
        "Billing is confusing.",
        "The export keeps failing.",
    ),
    "passive": ("Good, but onboarding was slow.", "Fine overall; reporting could be better."),
    "promoter": ("Love the new dashboard!", "Your team is fantastic.", "Saves us hours."),
}


@dataclass(slots=True)
class World:
    """What was seeded, for the demo's narrative and the tests' assertions."""

    owners: dict[str, str] = field(default_factory=dict)  # owner id -> team
    contacts: dict[str, str] = field(default_factory=dict)  # email -> contact id
    responses: dict[str, str] = field(default_factory=dict)  # response id -> email
    unknown_emails: set[str] = field(default_factory=set)
    malformed: set[str] = field(default_factory=set)
    late_comments: list[str] = field(default_factory=list)  # response ids to comment on later
    without_email: set[str] = field(default_factory=set)  # answered with a customer id only
    companies: dict[str, str] = field(default_factory=dict)  # company id -> name


@dataclass(frozen=True, slots=True)
class Answer:
    """One sandbox answer as drawn, before it is published to the survey tool."""

    index: int
    email: str
    score: int
    comment: str | None
    #: How long before ``now`` the answer was given, in a world seeded all at once.
    age: timedelta
    #: Its comment arrives later, as an update to the answer.
    late: bool
    #: Given through a link that carries the customer id but no email.
    without_email: bool


def seed(
    source: SourceFake,
    crm: CrmFake,
    *,
    now: datetime,
    responses: int = 300,
    seed_value: int = 7,
) -> World:
    """A world whose answers all exist at once: the last week's, as a first sync finds them."""
    world, answers = seed_people(crm, responses=responses, seed_value=seed_value)
    for answer in answers:
        publish(source, world, answer, now - answer.age)
    seed_malformed(source, world, now - timedelta(hours=2))
    return world


def seed_people(
    crm: CrmFake, *, responses: int = 300, seed_value: int = 7
) -> tuple[World, list[Answer]]:
    """Owners and contacts in the CRM, and the answers they will give (not yet published)."""
    rng = random.Random(seed_value)
    world = World()
    _seed_owners(crm, world)
    crm.define_property("contacts", CUSTOMER_ID, unique=True)
    csms = [oid for oid, team in world.owners.items() if team == "Customer Success"]
    answers = [_draw_answer(crm, world, rng, index, csms) for index in range(responses)]
    if isinstance(crm, CompanyFake):
        _seed_companies(crm, world)
    return world, answers


def _seed_companies(crm: CompanyFake, world: World) -> None:
    """Each contact works for one of ``COMPANIES`` clients (by its number: the draws stay put)."""
    ids = []
    for number in range(COMPANIES):
        name = f"Client {number + 1:02d}"
        ids.append(crm.add_company(name))
        world.companies[ids[-1]] = name
    for email, contact_id in world.contacts.items():
        index = int(email.removeprefix("customer").split("@")[0])
        crm.set_primary_company(contact_id, ids[index % COMPANIES])


def _seed_owners(crm: CrmFake, world: World) -> None:
    for team, people in TEAMS.items():
        for handle, first, last in people:
            owner_id = crm.add_owner(f"{handle}@acme.example", first, last, teams=[team])
            world.owners[owner_id] = team


def _draw_answer(
    crm: CrmFake,
    world: World,
    rng: random.Random,
    index: int,
    csms: Sequence[str],
) -> Answer:
    email = f"customer{index:03d}@client.example"
    if rng.random() < 0.05:
        world.unknown_emails.add(email)  # answered the survey, but is not in the CRM
    else:
        owner = rng.choice(csms) if rng.random() < 0.7 else None
        world.contacts[email] = crm.add_contact(
            email, owner_id=owner, firstname=f"C{index}", **{CUSTOMER_ID: _customer_id(index)}
        )
    score = rng.choices(range(11), weights=(2, 1, 1, 2, 2, 3, 4, 8, 10, 14, 12))[0]
    category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    late = rng.random() < 0.15
    comment = None if late or rng.random() < 0.3 else rng.choice(COMMENTS[category])
    # Mostly the last week (a first sync catches up), a third within the last hour.
    age = (
        timedelta(minutes=rng.uniform(1, 60))
        if rng.random() < 0.35
        else timedelta(hours=rng.uniform(1, 24 * 7))
    )
    without_email = rng.random() < NO_EMAIL_SHARE
    return Answer(index, email, score, comment, age, late, without_email)


def publish(source: SourceFake, world: World, answer: Answer, at: datetime) -> str:
    """The survey tool receives ``answer``, given at ``at``; returns its id."""
    response_id = source.add_response(
        email=None if answer.without_email else answer.email,
        score=answer.score,
        comment=answer.comment,
        created_at=at,
        name=f"Customer {answer.index}",
        person_properties={CUSTOMER_ID: _customer_id(answer.index)},
    )
    world.responses[response_id] = answer.email  # whose answer it is, even without an email
    if answer.without_email:
        world.without_email.add(response_id)
    if answer.late:
        world.late_comments.append(response_id)
    return response_id


def _customer_id(index: int) -> str:
    return f"C-{index:04d}"


def seed_malformed(source: SourceFake, world: World, at: datetime) -> None:
    """Four answers syncd must quarantine: a score out of range, text, none, nobody."""
    cases: list[tuple[str | None, object, dict[str, object]]] = [
        ("bad.score@client.example", 14, {}),
        ("text.score@client.example", "ten", {}),
        (None, 8, {"person": None}),  # no email and no person: nobody to find in the CRM
        ("no.score@client.example", None, {}),
    ]
    for email, score, overrides in cases:
        response_id = source.add_response(
            email=email, score=score, created_at=at, overrides=overrides
        )
        world.malformed.add(response_id)


def add_late_comments(source: SourceFake, world: World, rng: random.Random) -> int:
    """The comments that arrive minutes after the score, as Delighted sends them."""
    for response_id in world.late_comments:
        source.update_response(response_id, comment=rng.choice(sum(COMMENTS.values(), ())))
    return len(world.late_comments)


def work_tasks(crm: CrmFake, rng: random.Random) -> dict[str, int]:
    """Sandbox CRM users work their queues: finish some tasks, start others, hand a few on."""
    counts = {"completed": 0, "in_progress": 0, "reassigned": 0}
    owner_ids = [owner["id"] for owner in crm.owners()]
    for task in crm.tasks():
        roll = rng.random()
        if roll < 0.55:
            crm.complete_task(task["id"])
            counts["completed"] += 1
        elif roll < 0.75:
            crm.start_task(task["id"])
            counts["in_progress"] += 1
        elif roll < 0.8:
            crm.reassign_task(task["id"], rng.choice(owner_ids))
            counts["reassigned"] += 1
    return counts
