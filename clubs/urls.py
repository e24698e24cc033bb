from django.urls import path

from . import notification_views, views

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
    path("calendar/", views.calendar_settings, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
