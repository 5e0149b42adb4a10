"""enkater's pages: the survey builder (programme leaders), answering (tablet and phone), the
effect dashboard and the participant's own page. Participant pages carry a signed token and
need no account."""

from __future__ import annotations

from django.urls import path

from enkater.views import answer, effect

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
]
