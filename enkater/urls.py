"""enkater's pages: the survey builder (programme leaders), answering (tablet and phone), the
effect dashboard and the participant's own page. Participant pages carry a signed token and
need no account."""

from __future__ import annotations

from django.urls import path

from enkater.views import answer, builder, effect, participant, tablet

app_name = "enkater"

urlpatterns: list = [
    # The effect dashboard (issue 12 item 4).
    path("effekt/", effect.effect, name="effect"),
    path("effekt/ej-svarat/", effect.effect_non_responders, name="effect-non-responders"),
    # the participant's phone, no account: a personal link, or the session's survey QR code
    path("svar/<str:token>/", answer.answer, name="answer"),
    path("tillfalle/<str:token>/", answer.session_surveys, name="session"),
    # the ombud's screen: the session's survey QR code
    path("tillfallen/<int:pk>/qr/", answer.session_qr, name="session-qr"),
    # answering on the ombud's tablet at the end of a session (issue 12 item 2)
    path("tillfalle/<int:pk>/surfplatta/", tablet.session_tablet, name="session-tablet"),
    path("tillfalle/<int:pk>/surfplatta/svar/", tablet.session_tablet_submit, name="session-tablet-submit"),
]

# The participant's own page and the monthly confirmation (no account: a signed link), and the
# staff's list of confirmed months with each participant's link to hand out.
urlpatterns += [
    path("mig/<str:token>/", participant.participant_page, name="participant"),
    path("mig/<str:token>/bekrafta/", participant.participant_confirm, name="participant-confirm"),
    path("bekraftelser/", participant.confirmation_list, name="confirmation-list"),
    path("bekraftelser/lank/<int:pk>/", participant.person_participant_link, name="person-participant-link"),
]

# The survey builder (programme leaders).
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
