"""The names a page gives its own site: evidence that a title part or a byline names the
site, not the article (`… | St.Galler Tagblatt`, `author: jungefreiheit.de`)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from lxml import etree

from archiver.extract.cached import cached_property
from archiver.extract.document import Document
from archiver.extract.text import squash

# Labels of a host name that say nothing about the site (`www.`, `blog.`, `.co.uk`).
_GENERIC_LABELS = frozenset(
    "www www2 m mobile amp web blog blogs news home de en fr es it nl at ch uk us com net org "
    "co gov edu ac info biz io eu tv online wordpress blogspot".split()
)
# A site name is a few words (`St.Galler Tagblatt`, `Global Voices auf Deutsch`); a title part
# that holds one may add a tagline (`European Championships Munich 2022`).
_MAX_NAME_WORDS = 6
_TLD = re.compile(r"[a-z]{2,3}")
_PUBLISHER_TYPES = ("Organization", "NewsMediaOrganization", "Corporation", "WebSite")
_NAME_SEPARATOR = re.compile(r"\s+[-–—|·•»:]\s+|\s*[|｜_]\s*")
_FEED_WORD = re.compile(
    r"feed|rss|atom|comments|kommentar|commentaires|comentarios|评论", re.IGNORECASE
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_NAME_CHAR = re.compile(r"[^0-9a-z\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# Links home are at the top and bottom of a page; a few dozen links are enough to see one.
_MAX_HOME_LINKS = 400


def folded(text: str) -> str:
    """Letters and digits only, case and accents folded, umlauts spelled out as in host names
    (`Netz Für Alle` and `netzfueralle` are one name)."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_UMLAUTS))
    return _NOT_NAME_CHAR.sub("", text)


def host_labels(url: str) -> tuple[str, ...]:
    """The telling labels of the page's host (`www.tagblatt.ch` -> `tagblatt`); for an archived
    copy (`web.archive.org/web/2016/http://x.de/…`) the original's host."""
    try:
        parts = urlsplit(url)
        inner = re.search(r"/(https?://\S+)", parts.path)
        host = urlsplit(inner.group(1)).hostname if inner else parts.hostname
    except ValueError:
        return ()
    labels = [
        folded(label)
        for label in (host or "").lower().split(".")[:-1]
        if label not in _GENERIC_LABELS
    ]
    return tuple(label for label in labels if len(label) >= 3)


class SiteNames:
    """The site's names on one page: og:site_name, application-name, the JSON-LD publisher
    and website, the link home (its text or logo's alt), and the host's labels."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    @cached_property
    def names(self) -> tuple[str, ...]:
        doc = self.doc
        found: list[object] = [
            doc.meta.get(k)
            for k in ("og:site_name", "application-name", "apple-mobile-web-app-title")
        ]
        found.extend(_feed_site_names(doc))
        for obj in doc.json_ld:
            publisher = obj.get("publisher")
            if isinstance(publisher, dict):
                found.append(publisher.get("name"))
            if obj.get("@type") in _PUBLISHER_TYPES:
                found.append(obj.get("name"))
        # `og:site_name` = `Achtsam durch die Krise | Die FURCHE`: only its parts other than the
        # page's own title are names.
        own = {folded(doc.meta.get(k) or "") for k in ("og:title", "twitter:title")}
        names = {
            folded(part)
            for value in found
            if isinstance(value, str)
            for part in _NAME_SEPARATOR.split(squash(value))
        }
        return tuple(n for n in names - own if n)

    @cached_property
    def home_names(self) -> tuple[str, ...]:
        """What the links to the site's front page say (`<a href="/">Bibliothek 2.0 und mehr</a>`,
        a logo's alt text)."""
        found: set[str] = set()
        home = self.doc.absolute("/")
        for i, link in enumerate(self.doc.root.iter("a")):
            if i >= _MAX_HOME_LINKS:
                break
            href = link.get("href")
            if href and self.doc.absolute(href) == home:
                found.update(folded(t) for t in _link_names(link))
        return tuple(n for n in found if len(n) >= 3)

    @cached_property
    def labels(self) -> tuple[str, ...]:
        return host_labels(self.doc.url)

    def holds(self, text: str) -> bool:
        """Whether `text` is this site's name and nothing else (`Disfunctions.de`, `Die FURCHE`
        when og:site_name says so): such a text is no article's title or author."""
        name = folded(text)
        if not name or len(text.split()) > _MAX_NAME_WORDS:
            return False
        if name in self.names or name in self.home_names:
            return True
        labels = self.labels
        return any(
            name == label or (name.startswith(label) and _TLD.fullmatch(name[len(label) :]))
            for label in labels
        ) or (len(labels) > 1 and name in ("".join(labels), "".join(reversed(labels))))

    def named_in(self, part: str) -> bool:
        """Whether a title part after a separator names the site, maybe with a tagline
        (`St.Galler Tagblatt` on tagblatt.ch, `European Championships Munich 2022` on
        munich2022.com, `Harper's Magazine` on harpers.org)."""
        name = folded(part)
        if not name or len(part.split()) > _MAX_NAME_WORDS:
            return False
        if self.holds(part):
            return True
        known = (*self.names, *self.home_names)
        return any(len(k) >= 4 and (k in name or name in k) for k in known) or any(
            label in name for label in self.labels
        )

    def opens(self, text: str) -> bool:
        """Whether `text` starts with the host's name (`ProNATs e.V. Verein zur …` on
        pronats.de)."""
        name = folded(text)
        return any(name.startswith(label) for label in self.labels)

    def leads(self, part: str) -> bool:
        """Whether a title's first part is the site's name (`BMAS - …`, `Gregory Szorc's
        Digital Home | …`): unlike a headline that starts with it (`Greenpeace fordert den
        Kohleausstieg - Pressemitteilung`, `Welpen kaufen – Tipps …` on a site named Welpen),
        the name is most of the part."""
        name = folded(part)
        return self.holds(part) or any(
            label in name and 2 * len(label) >= len(name) for label in self.labels
        )


def _feed_site_names(doc: Document) -> list[str]:
    """The site's name in its feeds' titles (WordPress: `Bibliothek 2.0 und mehr » Feed`,
    `… » Kommentar-Feed`)."""
    names = []
    for link in doc.root.iter("link"):
        kind, title = link.get("type") or "", link.get("title") or ""
        if ("rss" in kind or "atom" in kind) and title:
            parts = _NAME_SEPARATOR.split(squash(title))
            if len(parts) > 1 and _FEED_WORD.search(parts[-1]):
                names.append(parts[0])
    return names


def _link_names(link: etree._Element) -> list[str]:
    names = [squash("".join(link.itertext()))]
    names.extend(img.get("alt") or "" for img in link.iter("img"))
    return [n for n in names if n and len(n.split()) <= _MAX_NAME_WORDS]
