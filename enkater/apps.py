from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnkaterConfig(AppConfig):
    name = "enkater"
    verbose_name = _("Enkäter och effekter")
