"""Generation counters, bumped by the database itself on every write that a page shows.

Three kinds of counter key the page cache (core/pagecache.py):

- each member's `User.generation`: their account, readings, notes and memberships;
- each club's `Club.generation`: the club, its phases, meetings and memberships, the
  readings and notes of its members, and the names of its members and presenters;
- the canon's `Generation` row: papers, topics, phases and placements.

Triggers do the bumping, so every write path counts: views, services, the admin,
importers, bulk updates and the shell. An update bumps both the row's old and new owners
(a meeting moved to another club bumps both clubs). Updates of the user and club rows
themselves always move the counter forward, even when Django saves an object that still
holds an old value.

On PostgreSQL the triggers fire once per statement and read the changed rows from
transition tables, so a bulk import bumps each counter once; TRUNCATE starts a new epoch.
SQLite has only row triggers.

`migrate` drops the triggers before it runs (a table rebuilt by a migration must not
carry them) and installs them again afterwards, also when a migration fails. Installing
starts a new epoch, moving the canon's counter to the clock: after a migration or a
restore, no key can repeat one that a running process stored a page under.

Every trigger locks members' rows before clubs' rows (a rename's trigger runs on the
member's row already). One order means two triggers never wait on each other in a
deadlock (a transaction that updates a club row itself before its members' rows still
can), and it closes a race on PostgreSQL: a note saved while its author is joining a
club waits on the author's row until the join commits, so its next statement, which
bumps the author's clubs, sees the new club too.
"""

# ruff: noqa: S608 -- every statement is built from the constants in this module, never from input.
from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction

CANON = "canon"
PREFIX = "generation_"
# What other members see of a member (User.__str__): renaming bumps their clubs.
SHOWN_NAME = ("username", "first_name", "last_name", "display_name")

BUMP_USERS = "UPDATE accounts_user SET generation = generation + 1 WHERE id IN {user_id}"
BUMP_CLUBS = "UPDATE clubs_club SET generation = generation + 1 WHERE id IN {club_id}"
BUMP_CLUBS_OF_USERS = (
    "UPDATE clubs_club SET generation = generation + 1 WHERE id IN "
    "(SELECT club_id FROM clubs_membership WHERE user_id IN {user_id})"
)
# A name shows wherever its owner is a member, presents or leads a discussion.
BUMP_CLUBS_NAMING_USERS = (
    "UPDATE clubs_club SET generation = generation + 1 WHERE id IN "
    "(SELECT club_id FROM clubs_membership WHERE user_id IN {user_id} "
    "UNION SELECT club_id FROM clubs_meeting WHERE presenter_id IN {user_id} "
    "UNION SELECT club_id FROM clubs_meeting WHERE discussion_lead_id IN {user_id})"
)
BUMP_CLUBS_OF_MEETINGS = (
    "UPDATE clubs_club SET generation = generation + 1 WHERE id IN "
    "(SELECT club_id FROM clubs_meeting WHERE id IN {meeting_id})"
)
BUMP_CANON = (
    f"INSERT INTO core_generation (scope, value) VALUES ('{CANON}', 1) "
    "ON CONFLICT (scope) DO UPDATE SET value = core_generation.value + 1"
)
# A new epoch sets the canon's counter to the clock in microseconds (or one past its
# value, if that is higher). A restored backup brings back old, lower counters; the clock
# has moved past every value in use before, since bumps come far slower than a tick.
NEW_EPOCH = {
    "postgresql": (
        f"INSERT INTO core_generation (scope, value) VALUES ('{CANON}', {{now}}) ON CONFLICT "
        "(scope) DO UPDATE SET value = GREATEST(core_generation.value + 1, {now})"
    ).format(now="(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"),
    "sqlite": (
        f"INSERT INTO core_generation (scope, value) VALUES ('{CANON}', {{now}}) ON CONFLICT "
        "(scope) DO UPDATE SET value = MAX(core_generation.value + 1, {now})"
    ).format(now="CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"),
}

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
    # Members before clubs, always (see the module's docstring).
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
# Tables whose own rows carry a counter.
SELF_BUMPING = ("accounts_user", "clubs_club")
EVENTS = ("INSERT", "UPDATE", "DELETE")
COLUMNS = ("user_id", "club_id", "meeting_id")


def statements(vendor: str) -> list[str]:
    """The SQL that creates every trigger on this database."""
    if vendor == "postgresql":
        return _postgresql()
    if vendor == "sqlite":
        return _sqlite()
    raise NotImplementedError(f"No generation triggers for {vendor}.")


def _name(table: str, event: str) -> str:
    return f"{PREFIX}{table}_{event.lower()}"


def _renamed(new: str = "NEW", old: str = "OLD") -> str:
    return " OR ".join(f"{new}.{f} IS DISTINCT FROM {old}.{f}" for f in SHOWN_NAME)


def _postgresql() -> list[str]:
    sql = []
    for rule in RULES:
        for event in EVENTS:
            name = _name(rule.table, event)
            if event == "UPDATE":
                rows = "(SELECT {c} FROM changed UNION SELECT {c} FROM replaced)"
                referencing = "REFERENCING OLD TABLE AS replaced NEW TABLE AS changed"
            else:
                rows = "(SELECT {c} FROM changed)"
                referencing = (
                    f"REFERENCING {'OLD' if event == 'DELETE' else 'NEW'} TABLE AS changed"
                )
            ids = {c: rows.format(c=c) for c in COLUMNS}
            body = " ".join(f"{bump.format(**ids)};" for bump in rule.bumps)
            sql += [
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {body} RETURN NULL; END $$",
                f"CREATE TRIGGER {name} AFTER {event} ON {rule.table} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
    renamed = BUMP_CLUBS_NAMING_USERS.format(user_id="(NEW.id)")
    for table in SELF_BUMPING:
        name = _name(table, "update")
        also = f" IF {_renamed()} THEN {renamed}; END IF;" if table == "accounts_user" else ""
        sql += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.generation <= OLD.generation THEN "
            f"NEW.generation := OLD.generation + 1;{also} END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    epoch = f"{PREFIX}new_epoch"
    sql.append(
        f"CREATE FUNCTION {epoch}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {NEW_EPOCH['postgresql']}; RETURN NULL; END $$"
    )
    for table in [*(rule.table for rule in RULES), *SELF_BUMPING]:
        sql.append(
            f"CREATE TRIGGER {_name(table, 'truncate')} AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {epoch}()"
        )
    return sql


def _sqlite() -> list[str]:
    sql = []
    for rule in RULES:
        for event in EVENTS:
            rows = {"INSERT": "(NEW.{c})", "UPDATE": "(OLD.{c}, NEW.{c})", "DELETE": "(OLD.{c})"}
            ids = {c: rows[event].format(c=c) for c in COLUMNS}
            body = " ".join(f"{bump.format(**ids)};" for bump in rule.bumps)
            sql.append(
                f"CREATE TRIGGER {_name(rule.table, event)} AFTER {event} ON {rule.table} "
                f"BEGIN {body} END"
            )
    for table in SELF_BUMPING:
        sql.append(
            f"CREATE TRIGGER {_name(table, 'update')} AFTER UPDATE ON {table} "
            f"WHEN NEW.generation <= OLD.generation BEGIN "
            f"UPDATE {table} SET generation = OLD.generation + 1 WHERE id = NEW.id; END"
        )
    renamed = _renamed().replace("IS DISTINCT FROM", "IS NOT")
    sql.append(
        f"CREATE TRIGGER {_name('accounts_user', 'rename')} AFTER UPDATE ON accounts_user "
        f"WHEN NEW.generation <= OLD.generation AND ({renamed}) BEGIN "
        f"{BUMP_CLUBS_NAMING_USERS.format(user_id='(NEW.id)')}; END"
    )
    return sql


def _existing(cursor, vendor: str) -> list[str]:
    """DROP statements for every generation trigger and function now in the database."""
    pattern = PREFIX.replace("_", "\\_") + "%"
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s",
            [pattern],
        )
        drops = [f'DROP TRIGGER "{name}" ON {table}' for name, table in cursor.fetchall()]
        cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE %s", [pattern])
        return drops + [f'DROP FUNCTION "{name}"()' for (name,) in cursor.fetchall()]
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ESCAPE '\\'",
        [pattern],
    )
    return [f'DROP TRIGGER "{name}"' for (name,) in cursor.fetchall()]


def installed(using: str = "default") -> bool:
    """Whether the triggers are in the database."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return bool(_existing(cursor, connection.vendor))


def uninstall(using: str = "default", **kwargs) -> None:
    """Drop every trigger; connected to `pre_migrate`."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in _existing(cursor, connection.vendor):
            cursor.execute(statement)


def install(using: str = "default", **kwargs) -> None:
    """Replace every trigger and start a new epoch; connected to `post_migrate`.

    Does nothing more than drop them while the counters' columns are missing (when
    migrations were rolled back).
    """
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in _existing(cursor, connection.vendor):
            cursor.execute(statement)
        tables = set(connection.introspection.table_names(cursor))
        if not {"core_generation", *SELF_BUMPING} <= tables or not all(
            "generation"
            in {c.name for c in connection.introspection.get_table_description(cursor, t)}
            for t in SELF_BUMPING
        ):
            return
        for statement in statements(connection.vendor):
            cursor.execute(statement)
        cursor.execute(NEW_EPOCH[connection.vendor])
