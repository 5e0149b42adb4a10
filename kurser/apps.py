from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KurserConfig(AppConfig):
    name = "kurser"
    verbose_name = _("Kurser och närvaro")

    def ready(self) -> None:
        from kurser import rollups
        from ombud.signals import people_changed

        # Person attributes change in ombud, which may not import kurser (the rollups' snapshot).
        people_changed.connect(rollups.people_changed, dispatch_uid="kurser.rollups.people_changed")
