"""The committed JSON Schema is the one generated from the items, and records satisfy it."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import FIXTURES

from archiver.archive.schema import SCHEMA_PATH, schema_text
from archiver.tools import golden

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
RECORDS = [c.expected for c in golden.cases(FIXTURES) if c.kind == "article" and c.expected]


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "run: python -m archiver schema"
    )


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("record", RECORDS, ids=[r["url"] for r in RECORDS])
def test_golden_records_validate(record: dict) -> None:
    jsonschema.validate(record, SCHEMA)


def test_schema_rejects_a_broken_record() -> None:
    broken = dict(RECORDS[0])
    del broken["title"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**RECORDS[0], "toc": [{"level": "1", "text": "x", "anchor": None}]}, SCHEMA
        )
