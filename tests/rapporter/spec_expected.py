"""The ESF summary the spec's worked example must give (spec §3).

Spec §3 (updated) lists `women`, `men` and `other` in every `by_target_group` row, but
`examples/summary.json` was written before that change. Until the shared example is regenerated,
the tests take the file and add the hand-counted split below; once the file has the keys, this
adds nothing and the file alone is the expectation.
"""

from __future__ import annotations

import json

from tests.factories import SPEC_EXAMPLES

# From examples/people.csv and attendance.csv: baspersonal Anna (kvinna), Sara (kvinna from her
# personnummer) and Kim (annat); ombud Mohammed and Erik (män); lokal projektledare Lars (man
# from his personnummer). Birgitta (frånvarande) and Fatima (förhinder) are no participants.
BY_TARGET_GROUP_SEX = {
    "strateg": (0, 0, 0),
    "operativ chef": (0, 0, 0),
    "lokal projektledare": (0, 1, 0),
    "digitaliseringsombud": (0, 2, 0),
    "baspersonal": (2, 0, 1),
}


def spec_summary() -> dict:
    data = json.loads((SPEC_EXAMPLES / "summary.json").read_text(encoding="utf-8"))
    rows = []
    for row in data["by_target_group"]:
        if "women" not in row:
            women, men, other = BY_TARGET_GROUP_SEX[row["group"]]
            row = {
                "group": row["group"],
                "participants": row["participants"],
                "women": women,
                "men": men,
                "other": other,
                "participant_hours": row["participant_hours"],
            }
        rows.append(row)
    data["by_target_group"] = rows
    return data


def spec_summary_text() -> str:
    """The JSON text `esf_report --format json` must write, byte for byte."""
    return json.dumps(spec_summary(), ensure_ascii=False, indent=1)
