from __future__ import annotations

from django.urls import path

from ombud.views import imports, people, places, trainers, users

app_name = "ombud"

# The pages that show training figures (trained, cascade reach) are routed in
# kurser/staff_urls.py, which hands them kurser's counting rules; modig/urls.py serves both lists
# under this namespace: person-list, person-export, person-detail, person-reveal, ombud-list,
# municipality-detail.
urlpatterns = [
    # staff
    path("ny/", people.person_create, name="person-create"),
    path("import/", imports.person_import, name="person-import"),
    path("<int:pk>/andra/", people.person_edit, name="person-edit"),
    path("<int:pk>/registerutdrag/", people.person_gdpr_export, name="person-gdpr-export"),
    path("<int:pk>/radera/", people.person_erase, name="person-erase"),
    # ombud
    path("ombud/ny/", trainers.ombud_create, name="ombud-create"),
    path("ombud/<int:pk>/andra/", trainers.ombud_edit, name="ombud-edit"),
    # municipalities and workplaces
    path("kommuner/", places.municipality_list, name="municipality-list"),
    path("kommuner/ny/", places.municipality_create, name="municipality-create"),
    path("kommuner/<int:pk>/andra/", places.municipality_edit, name="municipality-edit"),
    path("kommuner/<int:pk>/arbetsplatser/ny/", places.workplace_create, name="workplace-create"),
    path("arbetsplatser/<int:pk>/andra/", places.workplace_edit, name="workplace-edit"),
    path("arbetsplatser/val/", places.workplace_options, name="workplace-options"),
    # programmes
    path("program/", places.programme_list, name="programme-list"),
    path("program/nytt/", places.programme_create, name="programme-create"),
    path("program/<int:pk>/andra/", places.programme_edit, name="programme-edit"),
    # users
    path("anvandare/", users.user_list, name="user-list"),
    path("anvandare/bjud-in/", users.user_invite, name="user-invite"),
    path("anvandare/<int:pk>/andra/", users.user_edit, name="user-edit"),
    path("anvandare/<int:pk>/inaktivera/", users.user_deactivate, name="user-deactivate"),
]
