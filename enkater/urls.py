"""enkater's pages: the survey builder (programme leaders), answering (tablet and phone), the
effect dashboard and the participant's own page. Participant pages carry a signed token and
need no account."""

from __future__ import annotations

from django.urls import path

app_name = "enkater"

urlpatterns: list = []

# --- the survey builder (programme leaders; enkater/views/builder.py) -------------------------
from enkater.views import builder  # noqa: E402

urlpatterns += [
    path("byggare/", builder.builder, name="builder"),
    path("byggare/program/<int:pk>/", builder.programme_surveys, name="builder-programme"),
    path("byggare/program/<int:pk>/ny/", builder.survey_create, name="builder-survey-create"),
    path("byggare/enkat/<int:pk>/", builder.survey_edit, name="builder-survey"),
    path("byggare/enkat/<int:pk>/ta-bort/", builder.survey_delete, name="builder-survey-delete"),
    path("byggare/enkat/<int:pk>/ny-fraga/", builder.question_create, name="builder-question-create"),
    path("byggare/fraga/<int:pk>/", builder.question_edit, name="builder-question"),
    path("byggare/fraga/<int:pk>/ta-bort/", builder.question_delete, name="builder-question-delete"),
    path("byggare/fraga/<int:pk>/flytta/", builder.question_move, name="builder-question-move"),
]
