from django.urls import path

from . import discussion_views, notification_views, views, voting_views

app_name = "clubs"
urlpatterns = [
    path("clubs/", views.club_list, name="list"),
    path("clubs/new/", views.club_create, name="create"),
    path("clubs/<slug:slug>/", views.club_home, name="club"),
    path("clubs/<slug:slug>/settings/", views.club_edit, name="edit"),
    path("clubs/<slug:slug>/manage/", views.manage, name="manage"),
    path("clubs/<slug:slug>/leave/", views.leave, name="leave"),
    path("clubs/<slug:slug>/progress/", views.club_progress, name="progress"),
    path("clubs/<slug:slug>/invitations/", views.invitation_create, name="invite"),
    path(
        "clubs/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("clubs/<slug:slug>/members/<int:pk>/role/", views.member_role, name="member-role"),
    path("clubs/<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("clubs/<slug:slug>/paper-search/", views.paper_search, name="paper-search"),
    path("clubs/<slug:slug>/meetings/new/", views.meeting_edit, name="meeting-new"),
    path("clubs/<slug:slug>/meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("clubs/<slug:slug>/meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path(
        "clubs/<slug:slug>/meetings/<int:pk>/delete/", views.meeting_delete, name="meeting-delete"
    ),
    path("clubs/<slug:slug>/meetings/<int:pk>.ics", views.meeting_ics, name="meeting-ics"),
    path("clubs/<slug:slug>/meetings/<int:pk>/rsvp/", views.rsvp, name="rsvp"),
    path("clubs/<slug:slug>/meetings/<int:pk>/minutes/", discussion_views.minutes, name="minutes"),
    path(
        "clubs/<slug:slug>/meetings/<int:pk>/comments/",
        discussion_views.comment_post,
        {"kind": "meeting"},
        name="meeting-comment",
    ),
    path(
        "clubs/<slug:slug>/meetings/<int:pk>/voting/close/",
        voting_views.voting_close,
        name="voting-close",
    ),
    # Proposals and votes
    path("clubs/<slug:slug>/proposals/", voting_views.proposals, name="proposals"),
    path("clubs/<slug:slug>/proposals/new/", voting_views.propose_paper, name="propose"),
    path("clubs/<slug:slug>/proposals/<int:pk>/vote/", voting_views.vote, name="vote"),
    path(
        "clubs/<slug:slug>/proposals/<int:pk>/withdraw/",
        voting_views.proposal_withdraw,
        name="proposal-withdraw",
    ),
    path(
        "clubs/<slug:slug>/proposals/<int:pk>/review/",
        voting_views.proposal_review,
        name="proposal-review",
    ),
    path("clubs/<slug:slug>/voting/", voting_views.voting_open, name="voting-open"),
    # Discussion and questions
    path(
        "clubs/<slug:slug>/papers/<int:paper_id>/",
        discussion_views.paper_discussion,
        name="paper-discussion",
    ),
    path(
        "clubs/<slug:slug>/papers/<int:pk>/comments/",
        discussion_views.comment_post,
        {"kind": "paper"},
        name="paper-comment",
    ),
    path(
        "clubs/<slug:slug>/comments/<int:pk>/edit/",
        discussion_views.comment_edit,
        name="comment-edit",
    ),
    path(
        "clubs/<slug:slug>/comments/<int:pk>/delete/",
        discussion_views.comment_delete,
        name="comment-delete",
    ),
    path(
        "clubs/<slug:slug>/comments/<int:pk>/hide/",
        discussion_views.comment_hide,
        name="comment-hide",
    ),
    path("clubs/<slug:slug>/questions/", discussion_views.question_ask, name="question-ask"),
    path(
        "clubs/<slug:slug>/questions/vote/",
        discussion_views.question_vote,
        name="question-vote",
    ),
    path("join/<str:token>/", views.join, name="join"),
    path(
        "clubs/<slug:slug>/notifications/",
        notification_views.club_notifications,
        name="club-notifications",
    ),
    path(
        "clubs/<slug:slug>/notifications/test/",
        notification_views.test_webhook,
        name="club-notifications-test",
    ),
    path("notifications/", notification_views.preferences, name="notifications"),
    path("unsubscribe/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
    path("away/", views.away, name="away"),
    path("away/<int:pk>/delete/", views.away_delete, name="away-delete"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
