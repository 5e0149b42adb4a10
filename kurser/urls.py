from __future__ import annotations

from django.urls import path

from kurser import views, walkin_views

app_name = "kurser"

urlpatterns = [
    path("", views.index, name="index"),
    # ombud
    path("mina/", views.my_sessions, name="my-sessions"),
    path("rackvidd/", views.my_reach, name="my-reach"),
    path("ej-utbildade/", views.untrained, name="untrained"),
    # leaders
    path("tillfallen/", views.session_list, name="session-list"),
    path("att-godkanna/", views.approval_list, name="approval-list"),
    path("att-godkanna/markerade/", views.session_approve_bulk, name="session-approve-bulk"),
    path("statistik/", views.statistics, name="statistics"),
    # one session
    path("tillfallen/nytt/", views.session_create, name="session-create"),
    path("tillfallen/<int:pk>/", views.session_detail, name="session-detail"),
    path("tillfallen/<int:pk>/narvaro/", views.session_attendance, name="session-attendance"),
    path(
        "tillfallen/<int:pk>/narvaro/skicka/",
        views.session_attendance_submit,
        name="session-attendance-submit",
    ),
    path(
        "tillfallen/<int:pk>/narvaro/lage/", views.session_attendance_state, name="session-attendance-state"
    ),
    path("tillfallen/<int:pk>/sok/", views.session_person_search, name="session-person-search"),
    path("tillfallen/<int:pk>/bjud-in/", views.session_invite, name="session-invite"),
    path("tillfallen/<int:pk>/anmalningslista/", views.session_signup_sheet, name="session-signup-sheet"),
    path("tillfallen/<int:pk>/installt/", views.session_cancel, name="session-cancel"),
    path("tillfallen/<int:pk>/flytta/", views.session_move, name="session-move"),  # notify
    path("tillfallen/<int:pk>/genomford/", views.session_mark_held, name="session-mark-held"),
    path("tillfallen/<int:pk>/godkann/", views.session_approve, name="session-approve"),
    path("tillfallen/<int:pk>/qr/", views.session_qr, name="session-qr"),
    # walk-ins not in the register (issue 13 item 3)
    path("tillfallen/<int:pk>/narvaro/ny-deltagare/", walkin_views.session_walkin, name="session-walkin"),
    path("tillfalliga/", walkin_views.temporary_list, name="temporary-list"),
    path("tillfalliga/<int:pk>/", walkin_views.temporary_detail, name="temporary-detail"),
    path("tillfalliga/<int:pk>/sla-ihop/", walkin_views.temporary_merge, name="temporary-merge"),
    path("tillfalliga/<int:pk>/komplettera/", walkin_views.temporary_complete, name="temporary-complete"),
    # participant, no login
    path("incheckning/<str:token>/", views.checkin_view, name="checkin"),
]
