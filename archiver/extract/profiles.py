"""Site profiles: one TOML file per site or CMS template, loaded into frozen dataclasses.

A profile says how to recognise its pages (host globs and/or a DOM signature) and which
selectors give each field. Selectors are CSS; a list means "the first that matches wins".
Every key is checked when the file is loaded, so a typo fails loudly instead of silently
falling back to the generic layer.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import tzinfo
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import cssselect
from lxml import etree
from parsel import Selector

from archiver.extract.dates import parse_offset
from archiver.extract.select import matches
from archiver.extract.urls import site_of

if TYPE_CHECKING:
    from archiver.extract.document import Document

# What a selector must select. Fields read as elements (a body, a list item) reject
# `::text` / `::attr()`; link fields need the URL attribute itself; text fields take either.
ELEMENT, ATTRIBUTE, ANY = "elements", "an attribute", "elements, ::text or ::attr()"
TOP_KEYS = frozenset({"name", "timezone", "match", "listing", "article"})
MATCH_KEYS = frozenset({"hosts", "signature"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the key."""


def _sel(kind: str, default: tuple[str, ...] = ()) -> Any:
    return field(default=default, metadata={"selects": kind})


@dataclass(frozen=True, slots=True)
class ListingSelectors:
    """`[listing]`: how a listing page of the template lists articles and pages."""

    article_links: tuple[str, ...] = _sel(ATTRIBUTE)
    next_page: tuple[str, ...] = _sel(ATTRIBUTE)
    pagination: tuple[str, ...] = _sel(ELEMENT)


@dataclass(frozen=True, slots=True)
class ArticleSelectors:
    """`[article]`: where each field of an article page of the template is."""

    require: tuple[str, ...] = _sel(ELEMENT)
    reject: tuple[str, ...] = _sel(ELEMENT)
    title: tuple[str, ...] = _sel(ANY)
    body: tuple[str, ...] = _sel(ELEMENT)
    toc: tuple[str, ...] = _sel(ELEMENT)
    related_items: tuple[str, ...] = _sel(ELEMENT)
    related_link: tuple[str, ...] = _sel(ELEMENT, ("a[href]",))
    related_snippet: tuple[str, ...] = _sel(ANY)
    breadcrumb: tuple[str, ...] = _sel(ELEMENT)
    published: tuple[str, ...] = _sel(ANY)
    author: tuple[str, ...] = _sel(ANY)
    tags: tuple[str, ...] = _sel(ANY)
    remove: tuple[str, ...] = _sel(ELEMENT)


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    hosts: tuple[str, ...]
    signature: tuple[str, ...]
    timezone: tzinfo | None
    listing: ListingSelectors = field(default_factory=ListingSelectors)
    article: ArticleSelectors = field(default_factory=ArticleSelectors)

    def matches(self, url: str, page: Document | etree._Element) -> bool:
        """The host matches a glob (when hosts are given) and every signature selector finds
        something (when a signature is given)."""
        if self.hosts and not _host_matches(self.hosts, site_of(url).split(":")[0]):
            return False
        if isinstance(page, etree._Element):
            return all(matches(page, css) for css in self.signature)
        return all(page.css(css) for css in self.signature)


# Per process, like the profiles themselves: a crawl asks about the same few hosts all day.
@functools.lru_cache(maxsize=4096)
def _host_matches(globs: tuple[str, ...], host: str) -> bool:
    return any(fnmatch.fnmatchcase(host, glob) for glob in globs)


def _strings(value: Any, where: str, what: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise ProfileError(f"{where}: expected {what} or a list of them, got {value!r}")
    return tuple(v.strip() for v in items)


def check_selector(css: str, kind: str, where: str) -> None:
    """Raise ProfileError unless `css` is valid CSS that selects what `kind` asks for."""
    try:
        parsed = cssselect.parse(css)
        Selector(text="<html></html>").css(css)  # also rejects pseudo-classes lxml cannot run
    except Exception as exc:  # cssselect and parsel raise several unrelated types
        raise ProfileError(f"{where}: bad selector {css!r}: {exc}") from exc
    for part in parsed:
        pseudo = part.pseudo_element
        is_attr = (
            isinstance(pseudo, cssselect.parser.FunctionalPseudoElement) and pseudo.name == "attr"
        )
        ok = {
            ELEMENT: pseudo is None,
            ATTRIBUTE: is_attr,
            ANY: pseudo in (None, "text") or is_attr,
        }[kind]
        if not ok:
            example = " (e.g. `a::attr(href)`)" if kind == ATTRIBUTE else ""
            raise ProfileError(f"{where}: selector {css!r} must select {kind}{example}")


def _selectors(cls: type, table: Any, where: str) -> Any:
    if not isinstance(table, dict):
        raise ProfileError(f"{where}: expected a table, got {table!r}")
    known = {f.name: f.metadata["selects"] for f in fields(cls)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ProfileError(f"{where}: unknown keys {unknown}; known: {sorted(known)}")
    values: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        values[key] = _strings(value, f"{where}.{key}", "a CSS selector")
        for css in values[key]:
            check_selector(css, known[key], f"{where}.{key}")
    return cls(**values)


def _timezone(value: Any, where: str) -> tzinfo | None:
    if value is None:
        return None
    if isinstance(value, str):
        if offset := parse_offset(value):
            return offset
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ProfileError(
        f"{where}.timezone: expected an offset like +08:00 or a zone like Asia/Shanghai, "
        f"got {value!r}"
    )


def profile_from_dict(data: dict[str, Any], where: str, default_name: str) -> Profile:
    """A Profile from parsed TOML; `where` names the file in error messages."""
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ProfileError(f"{where}: unknown keys {unknown}; known: {sorted(TOP_KEYS)}")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not _NAME.match(name) or name == "generic":
        raise ProfileError(
            f"{where}.name: expected lower-case letters, digits, '-' or '_' (not 'generic'), "
            f"got {name!r}"
        )
    match = data.get("match", {})
    if not isinstance(match, dict):
        raise ProfileError(f"{where}.match: expected a table, got {match!r}")
    unknown = sorted(set(match) - MATCH_KEYS)
    if unknown:
        raise ProfileError(f"{where}.match: unknown keys {unknown}; known: {sorted(MATCH_KEYS)}")
    hosts = tuple(
        h.lower() for h in _strings(match.get("hosts", []), f"{where}.match.hosts", "a host glob")
    )
    signature = _strings(match.get("signature", []), f"{where}.match.signature", "a CSS selector")
    for css in signature:
        check_selector(css, ELEMENT, f"{where}.match.signature")
    if not hosts and not signature:
        # A profile that matches every page would hide the generic layer.
        raise ProfileError(f"{where}.match: give hosts, a signature, or both")
    return Profile(
        name=name,
        hosts=hosts,
        signature=signature,
        timezone=_timezone(data.get("timezone"), where),
        listing=_selectors(ListingSelectors, data.get("listing", {}), f"{where}.listing"),
        article=_selectors(ArticleSelectors, data.get("article", {}), f"{where}.article"),
    )


def parse_profile(text: str, where: str = "<profile>", default_name: str = "profile") -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{where}: {exc}") from exc
    return profile_from_dict(data, where, default_name)


def load_profile(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    return parse_profile(text, path.name, path.stem)


def load_profiles(paths: list[Path]) -> tuple[Profile, ...]:
    """Profiles in matching order: those naming hosts first (they are the more specific),
    then signature-only ones; file-name order within each group. Names must be unique."""
    profiles = [load_profile(p) for p in sorted(paths, key=lambda p: p.name)]
    seen: dict[str, str] = {}
    for path, profile in zip(sorted(paths, key=lambda p: p.name), profiles):
        if profile.name in seen:
            raise ProfileError(
                f"{path.name}: profile name {profile.name!r} already used by {seen[profile.name]}"
            )
        seen[profile.name] = path.name
    return tuple(sorted(profiles, key=lambda p: not p.hosts))


# Read-only data from package files: loading it once per process is safe and saves a TOML
# parse per page.
@functools.cache
def builtin_profiles() -> tuple[Profile, ...]:
    """The profiles shipped in `archiver/profiles/`, in matching order."""
    folder = resources.files("archiver") / "profiles"
    # Traversables, not Paths: in a zipped egg (Scrapyd) the files are zip members.
    return load_profiles([cast(Path, p) for p in folder.iterdir() if p.name.endswith(".toml")])


def find_profile(
    profiles: tuple[Profile, ...], url: str, page: Document | etree._Element
) -> Profile | None:
    """The first profile that matches the page (a Document, or an lxml tree), in the order given."""
    return next((p for p in profiles if p.matches(url, page)), None)
