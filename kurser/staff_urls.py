"""The staff and ombud pages that show training figures, with kurser's counting rules handed in.

The views are the ombud app's (`ombud.views`); what counts as trained and as cascade reach is
kurser's (`kurser.counting`, spec §2). The ombud app may not import kurser, so the rules reach
those views here, as the `counts` argument, and modig/urls.py serves these patterns in the
`ombud` namespace beside ombud/urls.py (same paths and names as always).
"""

from __future__ import annotations

from django.urls import path

from kurser.counting import TRAINING
from ombud.views import people, places, trainers

COUNTS = {"counts": TRAINING}

urlpatterns = [
    path("", people.person_list, COUNTS, name="person-list"),
    path("export.xlsx", people.person_list_export, COUNTS, name="person-export"),
    path("<int:pk>/", people.person_detail, COUNTS, name="person-detail"),
    path("<int:pk>/personnummer/", people.person_reveal, COUNTS, name="person-reveal"),
    path("ombud/", trainers.ombud_list, COUNTS, name="ombud-list"),
    path("kommuner/<int:pk>/", places.municipality_detail, COUNTS, name="municipality-detail"),
]
