"""JSON Schema of the record, generated from the item dataclasses (`python -m archiver schema`)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import json
import types
import typing
from pathlib import Path
from typing import Any

from archiver.items import Article

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "article.schema.json"
_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def field_docs(cls: type) -> dict[str, str]:
    """The docstring written under each field of a dataclass."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, nxt in itertools.pairwise(body):
        field = isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        if field and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            docs[node.target.id] = " ".join(str(nxt.value.value).split())
    return docs


def _type_schema(tp: Any) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        non_null = [a for a in args if a is not type(None)]
        inner = _type_schema(non_null[0])
        kind = inner.get("type")
        if len(non_null) == 1 and isinstance(kind, str):
            # An enum must list null too, or `"type": [.., "null"]` alone would not admit it.
            enum = {"enum": [*inner["enum"], None]} if "enum" in inner else {}
            return {**inner, "type": [kind, "null"], **enum}
        return {"anyOf": [_type_schema(a) for a in args]}
    if origin is typing.Literal:
        return {"type": _SCALARS[type(args[0])], "enum": list(args)}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0])}
    if dataclasses.is_dataclass(tp):
        return _object_schema(tp)  # type: ignore[arg-type]
    return {"type": _SCALARS[tp]}


def _object_schema(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    props = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        props[f.name] = {**_type_schema(hints[f.name]), "description": docs.get(f.name, "")}
    return {
        "type": "object",
        "description": " ".join((cls.__doc__ or "").split()),
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


def article_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://archiver.invalid/article.schema.json",
        "title": "Article",
        **_object_schema(Article),
    }


def schema_text() -> str:
    return json.dumps(article_schema(), ensure_ascii=False, indent=2) + "\n"
