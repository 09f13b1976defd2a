"""Every fixture page against the expected JSON beside it, field by field."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from archiver.tools import golden

CASES = golden.cases(FIXTURES)


def test_fixture_set_is_complete() -> None:
    pages = [p for p in FIXTURES.rglob("*") if p.name.endswith(golden.PAGE_SUFFIXES)]
    covered = {c.page for c in CASES}
    assert pages, "no fixture pages found"
    assert sorted(set(pages) - covered) == [], "fixture pages without expected JSON beside them"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden(case: golden.GoldenCase) -> None:
    got = golden.actual(case.kind, case.page, case.input)
    if case.expected is None or got is None:
        assert got == case.expected
        return
    assert sorted(got) == sorted(case.expected), "record keys differ"
    for key in case.expected:
        assert got[key] == case.expected[key], f"field {key!r} differs"
