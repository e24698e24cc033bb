"""Generation counters, bumped by the database itself on every write that a page shows.

Three kinds of counter key the page cache (core/pagecache.py):

- each member's `User.generation`: their account, readings, notes and memberships;
- each club's `Club.generation`: the club, its phases, meetings and memberships, and
  the readings, notes and accounts of its members;
- the canon's `Generation` row: papers, topics, phases and placements.

Triggers do the bumping, so every write path counts: views, services, the admin,
importers, bulk updates and the shell. They are (re)installed after every `migrate`,
because SQLite drops a table's triggers when a migration rebuilds the table.

On PostgreSQL the triggers fire once per statement and read the changed rows from
transition tables, so a bulk import bumps each counter once. SQLite has only row
triggers. Updates of the user and club rows themselves always move the counter
forward, even when Django saves an object that still holds an old value.
"""

# ruff: noqa: S608 -- every statement is built from the constants in this module, never from input.
from __future__ import annotations

from dataclasses import dataclass

CANON = "canon"

BUMP_USERS = "UPDATE accounts_user SET generation = generation + 1 WHERE id IN {user_id}"
BUMP_CLUBS = "UPDATE clubs_club SET generation = generation + 1 WHERE id IN {club_id}"
BUMP_CLUBS_OF_USERS = (
    "UPDATE clubs_club SET generation = generation + 1 WHERE id IN "
    "(SELECT club_id FROM clubs_membership WHERE user_id IN {user_id})"
)
BUMP_CLUBS_OF_MEETINGS = (
    "UPDATE clubs_club SET generation = generation + 1 WHERE id IN "
    "(SELECT club_id FROM clubs_meeting WHERE id IN {meeting_id})"
)
BUMP_CANON = (
    f"INSERT INTO core_generation (scope, value) VALUES ('{CANON}', 1) "
    "ON CONFLICT (scope) DO UPDATE SET value = core_generation.value + 1"
)

# The signed-in user with the counters that key the page cache (accounts.backends).
USER_WITH_GENERATIONS = (
    "SELECT u.*, "
    f"(SELECT value FROM core_generation WHERE scope = '{CANON}') AS canon_generation, "
    "(SELECT SUM(c.generation) FROM clubs_membership m JOIN clubs_club c ON c.id = m.club_id "
    "WHERE m.user_id = u.id) AS clubs_generation "
    "FROM accounts_user u WHERE u.id = %s"
)


@dataclass(frozen=True)
class Rule:
    table: str
    bumps: tuple[str, ...]


RULES = [
    Rule("notes_reading", (BUMP_USERS, BUMP_CLUBS_OF_USERS)),
    Rule("notes_note", (BUMP_USERS, BUMP_CLUBS_OF_USERS)),
    Rule("clubs_membership", (BUMP_USERS, BUMP_CLUBS)),
    Rule("clubs_meeting", (BUMP_CLUBS,)),
    Rule("clubs_meeting_papers", (BUMP_CLUBS_OF_MEETINGS,)),
    Rule("clubs_club_phases", (BUMP_CLUBS,)),
    *(
        Rule(table, (BUMP_CANON,))
        for table in (
            "papers_paper",
            "papers_paper_topics",
            "papers_paper_builds_on",
            "papers_topic",
            "papers_phase",
            "papers_placement",
        )
    ),
]
# Tables whose own rows carry a counter; the second item bumps what else they show in.
SELF_BUMPING = {"accounts_user": (BUMP_CLUBS_OF_USERS,), "clubs_club": ()}
EVENTS = {"INSERT": "NEW", "UPDATE": "NEW", "DELETE": "OLD"}
COLUMNS = ("user_id", "club_id", "meeting_id")


def statements(vendor: str) -> list[str]:
    """The SQL that (re)creates every trigger on this database."""
    if vendor == "postgresql":
        return _postgresql()
    if vendor == "sqlite":
        return _sqlite()
    raise NotImplementedError(f"No generation triggers for {vendor}.")


def _name(table: str, event: str) -> str:
    return f"generation_{table}_{event.lower()}"


def _postgresql() -> list[str]:
    sql = []
    for rule in RULES:
        for event, row in EVENTS.items():
            name = _name(rule.table, event)
            ids = {c: f"(SELECT {c} FROM changed)" for c in COLUMNS}
            body = "; ".join(bump.format(**ids) for bump in rule.bumps)
            sql += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {body}; RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS {name} ON {rule.table}",
                f"CREATE TRIGGER {name} AFTER {event} ON {rule.table} "
                f"REFERENCING {row} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
    for table, bumps in SELF_BUMPING.items():
        name = _name(table, "update")
        also = "".join(f" {bump.format(user_id='(NEW.id)')};" for bump in bumps)
        sql += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.generation <= OLD.generation THEN "
            f"NEW.generation := OLD.generation + 1;{also} END IF; RETURN NEW; END $$",
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return sql


def _sqlite() -> list[str]:
    sql = []
    for rule in RULES:
        for event, row in EVENTS.items():
            name = _name(rule.table, event)
            ids = {c: f"({row}.{c})" for c in COLUMNS}
            body = " ".join(f"{bump.format(**ids)};" for bump in rule.bumps)
            sql += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {event} ON {rule.table} BEGIN {body} END",
            ]
    for table, bumps in SELF_BUMPING.items():
        name = _name(table, "update")
        also = " ".join(f"{bump.format(user_id='(NEW.id)')};" for bump in bumps)
        sql += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER UPDATE ON {table} "
            f"WHEN NEW.generation <= OLD.generation BEGIN "
            f"UPDATE {table} SET generation = OLD.generation + 1 WHERE id = NEW.id; {also} END",
        ]
    return sql


def install(using: str = "default", **kwargs) -> None:
    """Create or replace every trigger; connected to `post_migrate`."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in statements(connection.vendor):
            cursor.execute(statement)
