from __future__ import annotations

from django.urls import include, path
from django.views.i18n import set_language

from modig import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("konto/", include("django.contrib.auth.urls")),
    path("sprak/", set_language, name="set_language"),
    path("personal/", include("ombud.urls")),
    path("kurser/", include("kurser.urls")),
    path("rapporter/", include("rapporter.urls")),
]
# Media files (reports, exports) are never served as static files: they contain personal data
# and are downloaded through views that check the user's scope.
