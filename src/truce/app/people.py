"""Personal data kept apart from the ledger (people.db, encrypted per person), one function
each: register people, forget a person. The ledger itself names people only by pseudonym.

Time is an argument (``now``): the interface reads the clock, never these functions.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from truce.app.ledger_schemas import ForgetOut, PeopleOut, PersonOut
from truce.ledger.directory import LedgerDir


def add_people(directory: Path, file: Path) -> PeopleOut:
    """Register the people of a CSV file (role, ref, then any fields) and give each one's
    pseudonym. The whole file is checked first and stored in one transaction: a bad row stores
    nothing. Registering someone again gives the same pseudonym."""
    from truce.ledger.people import People, read_people_csv

    with LedgerDir.open(directory):
        rows = read_people_csv(file)
        with People.open(directory) as people:
            pids = people.add_all(rows)
    return PeopleOut(
        people=[
            PersonOut(where=row.where, role=row.role, pseudonym=pid)
            for row, pid in zip(rows, pids, strict=True)
        ]
    )


def forget_person(directory: Path, person: str, *, now: datetime) -> ForgetOut:
    """Erase a person's personal data (destroy their key, vacuum the database); the pseudonym
    stays a valid id and the log still verifies. Forgetting again is safe."""
    from truce.ledger.people import People

    at = now.isoformat()
    with LedgerDir.open(directory), People.open(directory) as people:
        people.forget(person, at)
    return ForgetOut(person=person, at=at)


def known_people(d: LedgerDir) -> dict[str, set[str]] | None:
    """Pseudonyms registered in people.db by role (None when the ledger keeps no personal
    data), forgotten people included: their pseudonyms stay valid ids."""
    if not (d.path / "people.db").exists():
        return None
    from truce.ledger.people import People

    known: dict[str, set[str]] = {"captive": set(), "prisoner": set()}
    with People.open(d.path) as people:
        for p in people.export(include_personal=False):
            known.setdefault(str(p["role"]), set()).add(str(p["pseudonym"]))
        for p in people.forgotten():  # the role went with the data; the id stays valid
            for ids in known.values():
                ids.add(p["pseudonym"])
    return known


def personal_data(d: LedgerDir) -> list[dict[str, object]]:
    """The personal fields of the people the ledger's events name (pseudonym, role, fields),
    as `truce export --include-personal` adds them; empty when the ledger keeps none. Forgotten
    people have no fields left and are not listed."""
    from truce.ledger.export import referenced_people

    if not (d.path / "people.db").exists():
        return []
    from truce.ledger.people import People

    with People.open(d.path) as people:
        return people.export(include_personal=True, only=referenced_people(d.all_records))


def keeps_personal_data(d: LedgerDir) -> bool:
    """Whether the ledger keeps personal data at all (a people.db beside it)."""
    return (d.path / "people.db").exists()


__all__ = ["add_people", "forget_person", "keeps_personal_data", "known_people", "personal_data"]
