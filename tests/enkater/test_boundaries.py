"""`ombud ← kurser ← enkater ← rapporter`: enkater may import ombud and kurser; only rapporter
imports enkater; and enkater names the counting words by the models' choices too."""

from __future__ import annotations

import ast
import re

from tests.test_counting import COUNTING_WORDS, _sources


def test_only_rapporter_imports_enkater():
    offenders = {
        path
        for app in ("ombud", "kurser", "modig")
        for path, text in _sources(app).items()
        if re.search(r"^\s*(from|import)\s+enkater\b", text, re.M)
        or re.search(r"get_model\(\s*[\"']enkater", text)
    }
    assert offenders == set()


def test_enkater_does_not_import_rapporter():
    offenders = {
        path
        for path, text in _sources("enkater").items()
        if re.search(r"^\s*(from|import)\s+rapporter\b", text, re.M)
    }
    assert offenders == set()


def test_counting_words_are_not_hard_coded_in_enkater():
    offenders = set()
    for path, text in _sources("enkater").items():
        if path.endswith("models.py"):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and node.value in COUNTING_WORDS:
                offenders.add(f"{path}:{node.lineno}: {node.value}")
    assert offenders == set()
