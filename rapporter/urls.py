from __future__ import annotations

from django.urls import path

from rapporter import views

app_name = "rapporter"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("effektkort/", views.dashboard_effect_card, name="dashboard-effect-card"),
    path("rapporter/", views.report_list, name="report-list"),
    path("rapporter/<int:pk>/ladda-ner/", views.report_download, name="report-download"),
    path("rapporter/<int:pk>/forsok-igen/", views.report_retry, name="report-retry"),
    path("rapporter/<int:pk>/skapa-pa-nytt/", views.report_reissue, name="report-reissue"),
    path("manader/", views.months, name="months"),
]
