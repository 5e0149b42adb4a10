"""enkater's pages: the survey builder (programme leaders), answering (tablet and phone), the
effect dashboard and the participant's own page. Participant pages carry a signed token and
need no account."""

from __future__ import annotations

from django.urls import path

from enkater.views import effect

app_name = "enkater"

urlpatterns: list = [
    # The effect dashboard (issue 12 item 4).
    path("effekt/", effect.effect, name="effect"),
    path("effekt/ej-svarat/", effect.effect_non_responders, name="effect-non-responders"),
]
