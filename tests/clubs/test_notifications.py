"""Digests, reminders and club webhooks, sent to a real SMTP server and a real HTTP server.

The club meets in Berlin on Thursday 2026-12-10 at 17:00 (16:00 UTC); the digest goes
on Monday 2026-12-07 at 08:00 Berlin time (07:00 UTC).
"""

import io
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clubs.models import Club, Delivery, Meeting, Membership, Role, SentMessage
from clubs.notifications import send_due
from notes.models import Note, Reading
from tests.servers import SmtpInbox, WebhookReceiver

MEETING = datetime(2026, 12, 10, 16, 0, tzinfo=UTC)
DIGEST = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
REMINDER = MEETING - timedelta(hours=24)


def at(moment: datetime, minutes: int = 0) -> str:
    return (moment + timedelta(minutes=minutes)).isoformat()


def run(moment: str) -> str:
    out = io.StringIO()
    call_command("send_notifications", "--now", moment, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def smtp_server():
    inbox = SmtpInbox().start()
    yield inbox
    inbox.stop()


@pytest.fixture
def inbox(smtp_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.SITE_URL = "https://club.example.org"
    settings.NOTIFY_PRIVATE_WEBHOOKS = True
    smtp_server.clear()
    smtp_server.refuse.clear()
    return smtp_server


@pytest.fixture
def hooks():
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def week(club, alice, bob, make_user, make_paper):
    """Alice organizes, Bob and Dana are members; Alice is ready (pass 1), the others not."""
    club.time_zone = "Europe/Berlin"
    club.save()
    dana = make_user("dana")
    Membership.objects.create(club=club, user=dana, role=Role.MEMBER)
    paper = make_paper("Deep Residual Learning")
    meeting = Meeting.objects.create(club=club, starts_at=MEETING, presenter=alice)
    meeting.papers.add(paper)
    Reading.objects.create(user=alice, paper=paper, status="pass2")
    Reading.objects.create(user=bob, paper=paper, status="queued")
    Note.objects.create(user=bob, paper=paper, pass1="bob's private thought about residuals")
    return meeting


def test_the_digest_goes_on_monday_morning_in_the_club_time_zone(inbox, week):
    assert "sent 0" in run(at(DIGEST, -1))
    assert not inbox.messages

    assert "sent 3" in run(at(DIGEST))
    assert sorted(m["To"] for m in inbox.messages) == [
        "alice@example.org",
        "bob@example.org",
        "dana@example.org",
    ]
    message = inbox.to("bob@example.org")[0]
    assert message["Subject"] == "[Reading Group] Journal Club this week: Deep Residual Learning"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "meets Thursday, December 10 at 17:00 (Europe/Berlin)" in text
    assert "Presenter: Alice" in text and "Expected before the meeting: Pass 1" in text
    assert "Deep Residual Learning: To read" in text, "where the member stands"
    assert "Ready: 1 of 3 (Alice)" in text
    meeting_url = f"https://club.example.org{week.get_absolute_url()}"
    assert meeting_url in text and f'href="{meeting_url}"' in html
    for part in (text, html, str(message)):
        assert "private thought" not in part


def test_running_again_or_late_sends_nothing_twice(inbox, week):
    run(at(DIGEST))
    assert len(inbox.messages) == 3
    assert "sent 0, failed 0, already sent or held 3" in run(at(DIGEST, 30))
    assert len(inbox.messages) == 3
    assert SentMessage.objects.filter(kind="digest", status=Delivery.SENT).count() == 3


def test_a_digest_more_than_a_day_overdue_is_dropped(inbox, week):
    run(at(DIGEST, 24 * 60 + 1))
    assert not inbox.messages and not SentMessage.objects.exists()


def test_the_reminder_goes_to_members_below_the_pass_and_again_when_the_meeting_moves(inbox, week):
    run(at(REMINDER, -1))
    assert not [m for m in inbox.messages if "Reminder" in m["Subject"]]
    run(at(REMINDER))
    reminders = [m for m in inbox.messages if "Reminder" in m["Subject"]]
    assert sorted(m["To"] for m in reminders) == ["bob@example.org", "dana@example.org"]
    assert (
        reminders[0]["Subject"] == "[Reading Group] Reminder: Journal Club meets Thu Dec 10, 17:00"
    )
    run(at(REMINDER, 5))
    assert len([m for m in inbox.messages if "Reminder" in m["Subject"]]) == 2

    week.starts_at = MEETING + timedelta(hours=2)
    week.save()
    inbox.clear()
    run(at(REMINDER, 2 * 60))
    assert sorted(m["To"] for m in inbox.messages) == ["bob@example.org", "dana@example.org"]
    assert "19:00" in inbox.messages[0]["Subject"]


def test_one_click_unsubscribe_without_signing_in(inbox, week, bob):
    run(at(DIGEST))
    message = inbox.to("bob@example.org")[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<https://club\.example\.org(/\S+)>", message["List-Unsubscribe"].strip())[
        1
    ]
    assert url in message.get_body(("plain",)).get_content()

    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(url)
    assert page.status_code == 200 and "Stop the weekly digest from Journal Club" in page.text
    assert Membership.objects.get(user=bob).wants_digest, "a GET (a link scanner) changes nothing"
    done = anonymous.post(url, "List-Unsubscribe=One-Click", content_type="text/plain")
    assert done.status_code == 200 and "no longer gets the weekly digest" in done.text
    membership = Membership.objects.get(user=bob)
    assert not membership.wants_digest and membership.wants_reminders

    inbox.clear()
    Meeting.objects.create(club=week.club, starts_at=MEETING + timedelta(days=7))
    run(at(DIGEST + timedelta(days=7)))
    assert sorted(m["To"] for m in inbox.messages) == ["alice@example.org", "dana@example.org"]


def test_a_forged_unsubscribe_token_changes_nothing(inbox, week, bob):
    response = Client().post("/unsubscribe/not-a-token/")
    assert response.status_code == 400 and "This link does not work" in response.text
    assert Membership.objects.get(user=bob).wants_digest


def test_a_refused_recipient_does_not_stop_the_others_and_is_retried(inbox, week):
    inbox.refuse.add("bob@example.org")
    output = run(at(DIGEST))
    assert "sent 2, failed 1" in output and "No such mailbox" in output
    failed = SentMessage.objects.get(status=Delivery.FAILED)
    assert failed.recipient == f"user:{week.club.memberships.get(user__username='bob').user_id}"

    inbox.refuse.clear()
    assert "sent 1, failed 0" in run(at(DIGEST, 10))
    assert len(inbox.to("bob@example.org")) == 1
    assert SentMessage.objects.get(pk=failed.pk).attempts == 2


def test_a_mail_server_that_is_down_is_retried_up_to_the_limit(inbox, week, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    settings.EMAIL_PORT = 1  # nothing listens there
    assert "failed 3" in run(at(DIGEST))
    assert "failed 3" in run(at(DIGEST, 10))
    settings.EMAIL_PORT = inbox.port
    assert "sent 0" in run(at(DIGEST, 20)), "two attempts were the limit"
    assert not inbox.messages
    assert set(SentMessage.objects.values_list("attempts", flat=True)) == {2}


def test_the_club_chat_gets_the_events_its_organizer_chose(inbox, week, hooks, alice_client):
    settings_url = reverse("clubs:club-notifications", args=[week.club.slug])
    response = alice_client.post(
        settings_url,
        {"reminder_hours": 24, "webhook_url": hooks.url(), "webhook_events": ["reminder"]},
    )
    assert response.status_code == 302
    test = alice_client.post(reverse("clubs:club-notifications-test", args=[week.club.slug]))
    assert "Test message sent" in alice_client.get(test["Location"]).text
    assert hooks.requests[-1]["payload"]["title"] == "Reading Group: test message"

    hooks.requests.clear()
    run(at(REMINDER))
    assert len(hooks.requests) == 1
    payload = hooks.requests[0]["payload"]
    assert payload["title"] == "Journal Club meets Thu Dec 10, 17:00"
    assert "Ready: 1 of 3" in payload["message"]
    assert "private thought" not in str(payload)
    run(at(REMINDER, 5))
    assert len(hooks.requests) == 1


def test_a_meeting_scheduled_after_the_chat_was_connected_is_announced(inbox, week, hooks):
    club = week.club
    club.webhook_url = hooks.url()
    club.webhook_events = ["scheduled"]
    club.webhook_since = DIGEST - timedelta(days=3)
    club.save()
    week.created_at = DIGEST - timedelta(days=4)  # before the chat: not announced
    week.save()
    later = Meeting.objects.create(
        club=club, starts_at=MEETING + timedelta(days=7), created_at=DIGEST - timedelta(hours=1)
    )
    run(at(DIGEST))
    assert [r["payload"]["title"] for r in hooks.requests] == [
        "Journal Club: meeting scheduled for Thu Dec 17, 17:00"
    ]
    assert later.get_absolute_url() in hooks.requests[0]["payload"]["message"]


def test_a_failing_or_hanging_webhook_never_blocks_the_email_and_is_retried(inbox, week, hooks):
    club = week.club
    club.webhook_url = hooks.url(rto="1", cto="1")
    club.webhook_events = ["reminder"]
    club.save()
    hooks.status = 500
    assert "sent 2, failed 1" in run(at(REMINDER))
    assert len(inbox.messages) == 2
    hooks.status, hooks.delay = 200, 2.5
    assert "failed 1" in run(at(REMINDER, 5)), "a read timeout is a failure"
    hooks.delay = 0
    assert "sent 1" in run(at(REMINDER, 10))
    assert SentMessage.objects.get(kind="hook-reminder").status == Delivery.SENT


def test_webhooks_into_the_server_network_are_refused(week, alice_client, settings):
    settings.NOTIFY_PRIVATE_WEBHOOKS = False
    url = reverse("clubs:club-notifications", args=[week.club.slug])
    for address in ("json://127.0.0.1:8000/x", "json://localhost/x", "json://10.0.0.2/x"):
        response = alice_client.post(url, {"reminder_hours": 24, "webhook_url": address})
        assert "inside this server" in response.text, address
    response = alice_client.post(url, {"reminder_hours": 24, "webhook_url": "not a url"})
    assert "not a chat address" in response.text
    assert Club.objects.get(pk=week.club.pk).webhook_url == ""


def test_the_webhook_address_is_shown_only_to_organizers(week, hooks, bob_client, alice_client):
    club = week.club
    club.webhook_url = hooks.url("/secret-path-4711")
    club.save()
    assert (
        "secret-path-4711"
        in alice_client.get(reverse("clubs:club-notifications", args=[club.slug])).text
    )
    for url in (club.get_absolute_url(), week.get_absolute_url()):
        assert "secret-path-4711" not in bob_client.get(url).text
    assert bob_client.get(reverse("clubs:club-notifications", args=[club.slug])).status_code == 403


def test_members_choose_per_club_and_kind(week, bob, bob_client, make_user):
    other = Club.objects.create(name="Second Club", slug="second")
    Membership.objects.create(club=other, user=bob)
    page = bob_client.get(reverse("clubs:notifications"))
    assert "Second Club" in page.text and "Journal Club" in page.text
    mine = {m.club.slug: m for m in Membership.objects.filter(user=bob)}
    bob_client.post(
        reverse("clubs:notifications"),
        {f"digest-{mine['second'].pk}": "on", f"reminders-{mine['journal-club'].pk}": "on"},
    )
    mine = {m.club.slug: m for m in Membership.objects.filter(user=bob)}
    assert (mine["journal-club"].wants_digest, mine["journal-club"].wants_reminders) == (
        False,
        True,
    )
    assert (mine["second"].wants_digest, mine["second"].wants_reminders) == (True, False)


def test_now_must_be_a_moment_with_an_offset(db):
    with pytest.raises(CommandError, match="not an ISO 8601"):
        run("next thursday")
    with pytest.raises(CommandError, match="UTC offset"):
        run("2026-12-03T17:00:00")


def test_queries_do_not_grow_with_the_members_of_a_club(inbox, week, make_user):
    def queries() -> int:
        SentMessage.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            send_due(DIGEST)
        return len(captured)

    few = queries()
    for n in range(12):
        Membership.objects.create(club=week.club, user=make_user(f"extra{n}"))
    assert queries() == few
    assert len(inbox.messages) == 3 + 15


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_two_runs_at_once_send_each_message_once(inbox, club, alice, bob, make_user, make_paper):
    for n in range(20):
        Membership.objects.create(club=club, user=make_user(f"member{n}"))
    club.time_zone = "Europe/Berlin"
    club.save()
    Meeting.objects.create(club=club, starts_at=MEETING).papers.add(make_paper("A paper"))
    barrier = threading.Barrier(2)
    reports = []

    def one_run() -> None:
        try:
            barrier.wait()
            reports.append(send_due(DIGEST))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports) == 22
    assert len(inbox.messages) == 22
    assert len({m["To"] for m in inbox.messages}) == 22


def test_the_chat_hears_when_voting_opens_and_the_digest_asks_for_votes(inbox, week, hooks):
    """The vote on the meeting's paper: announced once to the club's chat when it opens,
    and in the digest while it is open; a round past its time is settled by the run."""
    from clubs.models import Proposal, VotingRound
    from papers.models import Paper

    club = week.club
    club.webhook_url = hooks.url()
    club.webhook_events = ["voting"]
    club.webhook_since = DIGEST - timedelta(days=3)
    club.save()
    week.papers.clear()
    voting = VotingRound.objects.create(
        meeting=week, opened_at=DIGEST - timedelta(hours=2), closes_at=MEETING - timedelta(days=1)
    )
    chosen = Proposal.objects.create(meeting=week, paper=Paper.objects.get())
    run(at(DIGEST))
    assert [r["payload"]["title"] for r in hooks.requests] == [
        "Journal Club: vote on what to read for Thu Dec 10, 17:00"
    ]
    assert (
        "Propose a paper and vote until Wed Dec 9, 17:00" in hooks.requests[0]["payload"]["message"]
    )
    text = inbox.to("bob@example.org")[0].get_body(("plain",)).get_content()
    assert "The club is voting on what to read until Wednesday, December 9 at 17:00" in text
    assert f"https://club.example.org/clubs/{club.slug}/proposals/#meeting-{week.pk}" in text
    run(at(DIGEST, 30))
    assert len(hooks.requests) == 1  # once
    run(at(MEETING - timedelta(hours=20)))
    voting.refresh_from_db()
    assert voting.winner == chosen and list(week.papers.all()) == [chosen.paper]
