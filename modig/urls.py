from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.i18n import set_language

from kurser import staff_urls
from modig import accounts, views
from ombud import urls as ombud_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links; send them to the SVG in static.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.svg")), name="favicon"),
    # Choosing a password (invitation link and "Glömt lösenordet?"): our Swedish flow first,
    # Django's auth URLs for the rest (login, logout, password change).
    path("konto/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("konto/password_reset/done/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "konto/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("konto/aviseringar/", accounts.notification_settings, name="notification_settings"),  # notify
    path("konto/", include("django.contrib.auth.urls")),
    path("sprak/", set_language, name="set_language"),
    # The ombud namespace: ombud's own pages, and those of its pages that show training figures
    # with kurser's counting rules handed in (kurser/staff_urls.py; ombud may not import kurser).
    path("personal/", include((ombud_urls.urlpatterns + staff_urls.urlpatterns, ombud_urls.app_name))),
    path("kurser/", include("kurser.urls")),
    path("rapporter/", include("rapporter.urls")),
    path("enkater/", include("enkater.urls")),
    path("api/", include("api.urls")),
]
# Media files (reports, exports) are never served as static files: they contain personal data
# and are downloaded through views that check the user's scope.
