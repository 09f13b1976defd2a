"""Site profiles: one TOML file per site or CMS template, loaded into frozen dataclasses.

A profile says how to recognise its pages (host globs and a DOM signature) and which
selectors give each field. Selectors are CSS; a list means "first that matches wins".
"""

from __future__ import annotations

import fnmatch
import functools
import tomllib
from dataclasses import dataclass, field, fields
from datetime import tzinfo
from importlib import resources
from pathlib import Path
from typing import Any

from parsel import Selector

from archiver.extract.dates import parse_offset
from archiver.extract.urls import site_of


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class ListingSelectors:
    article_links: tuple[str, ...] = ()
    next_page: tuple[str, ...] = ()
    pagination: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticleSelectors:
    require: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    toc: tuple[str, ...] = ()
    related_items: tuple[str, ...] = ()
    related_link: tuple[str, ...] = ("a[href]",)
    related_snippet: tuple[str, ...] = ()
    breadcrumb: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    hosts: tuple[str, ...]
    signature: tuple[str, ...]
    timezone: tzinfo | None
    listing: ListingSelectors = field(default_factory=ListingSelectors)
    article: ArticleSelectors = field(default_factory=ArticleSelectors)

    def matches(self, url: str, selector: Selector) -> bool:
        """Host glob matches (when given) and every signature selector finds something."""
        host = site_of(url).split(":")[0]
        if self.hosts and not any(fnmatch.fnmatch(host, glob) for glob in self.hosts):
            return False
        return all(selector.css(css) for css in self.signature)


def _selectors(cls: type, table: dict[str, Any], where: str) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(table) - known
    if unknown:
        raise ProfileError(f"{where}: unknown keys {sorted(unknown)}")
    values: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise ProfileError(f"{where}.{key}: expected a selector or a list of selectors")
        for css in items:
            try:
                Selector(text="<html></html>").css(css)
            except Exception as exc:  # cssselect raises several unrelated types
                raise ProfileError(f"{where}.{key}: bad selector {css!r}: {exc}") from exc
        values[key] = tuple(items)
    return cls(**values)


def load_profile(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    match = data.get("match", {})
    tz_name = data.get("timezone")
    tz = parse_offset(tz_name)
    if tz_name and tz is None:
        raise ProfileError(f"{path}: timezone must look like +08:00, got {tz_name!r}")
    return Profile(
        name=data.get("name") or path.stem,
        hosts=tuple(match.get("hosts", ())),
        signature=tuple(match.get("signature", ())),
        timezone=tz,
        listing=_selectors(ListingSelectors, data.get("listing", {}), f"{path.name}:listing"),
        article=_selectors(ArticleSelectors, data.get("article", {}), f"{path.name}:article"),
    )


# Read-only data from package files: loading it once per process is safe and saves a TOML
# parse per page.
@functools.cache
def builtin_profiles() -> tuple[Profile, ...]:
    """The profiles shipped in `archiver/profiles/`, in file-name order."""
    folder = resources.files("archiver") / "profiles"
    paths = sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml"))
    return tuple(load_profile(p) for p in paths)


def find_profile(profiles: tuple[Profile, ...], url: str, selector: Selector) -> Profile | None:
    return next((p for p in profiles if p.matches(url, selector)), None)
