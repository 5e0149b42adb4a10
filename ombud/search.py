"""Name search that treats å, ä and ö like any other letter, on SQLite and PostgreSQL alike.

SQLite's LIKE and lower() fold only ASCII letters (`åsa` found nobody, `Åsa` 74 people), and
PostgreSQL's depend on the database's locale. So the folding is done here, in Python, once:
`Person.search` holds the normalised name (`search_text`), written by every path that writes a
name, and a query is normalised the same way (`name_condition`).

Normalised = Unicode NFC, casefolded (Å → å, not → a: Swedish letters are letters of their own),
hyphens, commas and runs of spaces as one space. Each word of the query must start a word of the
name, in any order, so the staff list's own form `Hansson, Yasmin` finds Yasmin Hansson, and so
do `yasmin hansson`, `HANS` and `yas han`.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q

_SEPARATORS = re.compile(r"[\s,;\-\u2010-\u2015]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").casefold()
    return _SEPARATORS.sub(" ", text).strip()


def search_text(first_name: str, last_name: str) -> str:
    """What `Person.search` holds for these names."""
    return normalise(f"{first_name} {last_name}")


def name_condition(q: str, *, field: str = "search", max_words: int = 5) -> Q:
    """Every word of `q` starts a word of the person's name. `field` is the lookup path to
    `Person.search` (`"person__search"` from an attendance row). An empty query matches all."""
    condition = Q()
    for word in normalise(q).split()[:max_words]:
        condition &= Q(**{f"{field}__startswith": word}) | Q(**{f"{field}__contains": f" {word}"})
    return condition
