from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import SPEC_EXAMPLES

SHARED = Path(__file__).resolve().parents[2] / "shared" / "spec" / "examples"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside this clone")
@pytest.mark.parametrize("name", ["people.csv", "attendance.csv", "summary.json"])
def test_the_repository_copy_of_the_spec_examples_is_current(name):
    assert (SPEC_EXAMPLES / name).read_bytes() == (SHARED / name).read_bytes()
