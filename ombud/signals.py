"""Signals the ombud app sends; other apps connect to them (ombud imports none of them).

`people_changed(person_ids=[…])`: persons' attributes (municipality, gender, target group, birth
date, temporary) may have changed, sent inside the writer's transaction after the write: by
`person_update`, `person_complete`, `ombud_appoint` and the people import (only the updated
persons). kurser connects its rollups to it (`kurser.apps.KurserConfig.ready`), which refresh the
persons whose counted attributes changed, in the same transaction.
"""

from __future__ import annotations

from django.dispatch import Signal

people_changed = Signal()
