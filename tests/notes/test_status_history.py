"""Status history: every change recorded, and dates that say where a member really is."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notes.models import Reading, Status, StatusChange
from notes.services import set_status
from papers.models import Paper

HTMX = {"HX-Request": "true"}


def history(user, paper) -> list[tuple[str, str]]:
    return list(
        StatusChange.objects.filter(user=user, paper=paper)
        .order_by("at", "pk")
        .values_list("from_status", "to_status")
    )


def test_moving_back_clears_the_later_stages_and_the_history_keeps_them(
    alice, alice_client, make_paper
) -> None:
    paper = make_paper("Attention Is All You Need")
    start = timezone.now() - timedelta(days=10)
    for day, status in enumerate(["queued", "pass1", "pass2", "pass3", "done"]):
        set_status(user=alice, paper_id=paper.pk, status=status, when=start + timedelta(days=day))
    back = set_status(user=alice, paper_id=paper.pk, status="pass2")
    assert (back.status, back.pass3_at, back.done_at) == ("pass2", None, None)
    assert back.pass2_at == start + timedelta(days=2)  # first reached, and still true
    assert back.pass1_at == start + timedelta(days=1)
    assert history(alice, paper) == [
        ("", "queued"),
        ("queued", "pass1"),
        ("pass1", "pass2"),
        ("pass2", "pass3"),
        ("pass3", "done"),
        ("done", "pass2"),
    ]

    # The status line says where I am, since when, and claims no later stage.
    page = alice_client.get(paper.get_absolute_url()).content.decode()
    line = page[page.index('class="muted status-line"') :][:400]
    when = (start + timedelta(days=2)).strftime("%b %-d")
    assert f"<strong>Pass 2</strong> since {when}" in line
    assert "Done" not in line and "Pass 3" not in line

    # The exports carry only the dates that are true.
    rows = list(csv.DictReader(io.StringIO(alice_client.get("/reading/export/csv/").text)))
    assert rows[0]["status"] == "pass2" and rows[0]["done_at"] == rows[0]["pass3_at"] == ""
    assert rows[0]["pass2_at"] == (start + timedelta(days=2)).date().isoformat()
    item = json.loads(alice_client.get("/reading/export/json/").content)[0]
    assert item["reading"]["dates"]["done"] is None
    assert [c["to"] for c in item["reading"]["history"]][-2:] == ["done", "pass2"]

    # Reaching pass 3 again is dated from now, not from the first time.
    again = set_status(user=alice, paper_id=paper.pk, status="pass3")
    assert again.pass3_at > start + timedelta(days=5)


def test_dropping_keeps_the_stages_reached_and_picking_up_again_undrops(alice, make_paper) -> None:
    paper = make_paper()
    set_status(user=alice, paper_id=paper.pk, status="pass2")
    dropped = set_status(user=alice, paper_id=paper.pk, status="dropped")
    assert dropped.pass2_at is not None and dropped.dropped_at is not None
    resumed = set_status(user=alice, paper_id=paper.pk, status="pass1")
    assert resumed.dropped_at is None and resumed.pass2_at is None
    assert history(alice, paper) == [("", "pass2"), ("pass2", "dropped"), ("dropped", "pass1")]


def test_the_same_status_again_is_not_a_change(alice, bob, make_paper) -> None:
    paper = make_paper()
    set_status(user=alice, paper_id=paper.pk, status="pass1")
    set_status(user=alice, paper_id=paper.pk, status="pass1", minutes_spent=30)
    set_status(user=bob, paper_id=paper.pk, status="pass1")
    assert history(alice, paper) == [("", "pass1")]
    assert StatusChange.objects.count() == 2


def test_a_missing_paper_records_nothing(alice) -> None:
    with pytest.raises(Paper.DoesNotExist):
        set_status(user=alice, paper_id=424242, status="done")
    assert not StatusChange.objects.exists() and not Reading.objects.exists()


def test_a_status_change_is_two_statements(alice, alice_client, make_paper) -> None:
    """The upsert as before, plus one INSERT … SELECT for the history: no reads first."""
    paper = make_paper()
    set_status(user=alice, paper_id=paper.pk, status="pass1")
    with CaptureQueriesContext(connection) as captured:
        set_status(user=alice, paper_id=paper.pk, status="pass2")
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 2, statements
    assert all(sql.lstrip().upper().startswith("INSERT") for sql in statements)
    # Through the view: the session, the user and those two.
    url = reverse("notes:status", args=[paper.pk])
    with CaptureQueriesContext(connection) as captured:
        response = alice_client.post(url, {"status": "pass3"}, headers=HTMX)
    assert response.status_code == 200 and len(captured) == 4


def test_an_import_goes_through_the_history(alice, make_paper) -> None:
    from notes.services import record_imported_reading

    paper = make_paper()
    record_imported_reading(user=alice, paper=paper, status="done", thoughts="")
    assert history(alice, paper) == [("", "done")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_history_from_the_dates(alice, make_paper) -> None:
    migrate([("notes", "0001_initial")])
    first, second = make_paper(), make_paper()
    day = timezone.now() - timedelta(days=30)
    with connection.cursor() as cursor:
        # What the old code left: a reading moved back from done to pass 2 kept its dates.
        for paper, status, stamps in [
            (first, "done", {"queued": 0, "pass1": 1, "done": 3}),
            (second, "pass2", {"pass1": 1, "pass2": 2, "pass3": 3, "done": 4}),
        ]:
            names = [f"{stage}_at" for stage in stamps]
            values = [day + timedelta(days=n) for n in stamps.values()]
            cursor.execute(
                f"INSERT INTO notes_reading (user_id, paper_id, status, updated_at, "
                f"{', '.join(names)}) VALUES (%s, %s, %s, %s{', %s' * len(names)})",
                [alice.pk, paper.pk, status, day + timedelta(days=9), *values],
            )
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert history(alice, first) == [("", "queued"), ("queued", "pass1"), ("pass1", "done")]
    assert history(alice, second) == [
        ("", "pass1"),
        ("pass1", "pass2"),
        ("pass2", "pass3"),
        ("pass3", "done"),
        ("done", "pass2"),
    ]
    moved_back = Reading.objects.get(paper=second)
    assert (moved_back.pass3_at, moved_back.done_at) == (None, None)
    assert moved_back.pass2_at == day + timedelta(days=2)
    assert Reading.objects.get(paper=first).done_at == day + timedelta(days=3)
    assert StatusChange.objects.get(
        paper=second, to_status=Status.PASS2, from_status="done"
    ).at == (day + timedelta(days=9))
