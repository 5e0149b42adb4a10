"""Lookups shared by the handlers: municipalities and workplaces, one query each per import."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ombud.importing.values import fold
from ombud.models import Municipality, Workplace

if TYPE_CHECKING:
    from ombud.importing.engine import ImportResult

NEW_WORKPLACES = _("Nya arbetsplatser: %(names)s.")


class MunicipalityLookup:
    """Registered municipalities by 4-digit code or (folded) name; one query."""

    def __init__(self) -> None:
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.names: dict[int, str] = {}
        for pk, code, name in Municipality.objects.values_list("pk", "code", "name"):
            self.by_code[code] = pk
            self.by_name[fold(name)] = pk
            self.names[pk] = name

    def get(self, text: str) -> int | None:
        if text.isdigit():
            return self.by_code.get(text)
        return self.by_name.get(fold(text))


class WorkplaceLookup:
    """Workplaces by (municipality, folded name); unknown ones are queued for creation.

    New workplaces are created in bulk per batch when writing; in a dry run they get negative
    placeholder ids so that the rest of the validation can proceed.
    """

    def __init__(self) -> None:
        self.ids: dict[tuple[int, str], int] = {
            (m, fold(n)): pk for pk, m, n in Workplace.objects.values_list("pk", "municipality_id", "name")
        }
        self.pending: dict[tuple[int, str], Workplace] = {}
        self.created_names: list[str] = []
        self._placeholder = 0

    def want(self, municipality_id: int, name: str, sector: str = "") -> tuple[int, str]:
        key = (municipality_id, fold(name))
        if key not in self.ids and key not in self.pending:
            self.pending[key] = Workplace(municipality_id=municipality_id, name=name, sector=sector)
        return key

    def flush(self, *, write: bool) -> None:
        if not self.pending:
            return
        objs = list(self.pending.values())
        if write:
            now = timezone.now()
            for obj in objs:
                obj.created_at = now
            Workplace.objects.bulk_create(objs)
            for key, obj in self.pending.items():
                self.ids[key] = obj.pk
        else:
            for key in self.pending:
                self._placeholder -= 1
                self.ids[key] = self._placeholder
        self.created_names.extend(obj.name for obj in objs)
        self.pending.clear()

    def note(self, result: ImportResult) -> None:
        if self.created_names:
            shown = ", ".join(self.created_names[:20])
            if len(self.created_names) > 20:
                shown += " …"
            result.notes.append(str(NEW_WORKPLACES) % {"names": shown})
