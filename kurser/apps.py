from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KurserConfig(AppConfig):
    name = "kurser"
    verbose_name = _("Kurser och närvaro")
