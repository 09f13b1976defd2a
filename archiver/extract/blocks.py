"""Measuring a page for main-content detection: one walk gives every element its text,
link text, commas, paragraphs, images and form fields, and marks the parts whose tag,
role, visibility or class / id say they are not the article. The tree is only read.
"""

from __future__ import annotations

import re

from lxml import etree

from archiver.extract.render import BLOCK_TAGS, DROPPED_TAGS


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words of class / id values that mark a part as not the article (matched word by word:
# "ad" in `ad-slot` or `topAd`, never inside `header` or `download`).
UNLIKELY_WORDS = _words(
    """ad ads advert adverts advertisement advertising adsbygoogle adslot dfp sponsor sponsored
    promo promoted outbrain taboola zergnet comment comments commentlist disqus respond replies
    share shares sharing sharedaddy social socials subscribe subscription newsletter signup
    related relatedposts recommend recommended recommendation recommendations trending mostread
    sidebar nav navbar navigation menu breadcrumb breadcrumbs pagination pager footer masthead
    toolbar caption captions credit credits copyright byline dateline bio tags taglist hidden
    visually sr modal popup overlay cookie cookies gdpr consent toc"""
)
# Weaker words: they lower a block's score but do not make it boilerplate on their own
# (page builders name every block a "widget"; "meta" and "header" are too common).
NEGATIVE_WORDS = UNLIKELY_WORDS | _words(
    """widget widgets meta tools tool print banner follow login register author teaser rail skip
    jump popular header kicker"""
)
# Class / id words that mark the article itself; they cancel a negative word.
POSITIVE_WORDS = _words("article articlebody body content entry main post story text blog")
BOILERPLATE_TAGS = _words("nav aside footer header button select dialog menu figcaption")
# Never text; a <form> is measured though: ASP.NET pages wrap the whole page in one.
UNMEASURED_TAGS = DROPPED_TAGS - {"form"}
# What a page that renders with JavaScript shows readers without it (measured as a last resort).
NOSCRIPT_MEASURED = UNMEASURED_TAGS - {"noscript"}
BOILERPLATE_ROLES = _words(
    "navigation complementary banner contentinfo search dialog menu menubar toolbar"
)
# Lines that news templates drop between paragraphs; a block holding only one is skipped.
BOILERPLATE_LINES = re.compile(
    r"^(advertisement|advertisements?|ad|sponsored|continue reading( below)?|story continues below"
    r"( advertisement)?|article continues below( advertisement)?|scroll to continue with content"
    r"|skip (ad|advertisement)|read more|show more|load more|more stories|related"
    r"|share( this)?( article| story)?|广告|展开全文|阅读全文|点击查看更多)\W*$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
PARAGRAPH_TAGS = _words("p pre td blockquote li dd h2 h3 h4 h5 h6")
CONTAINER_TAGS = _words("div section ul ol dl table article main")
MIN_PARAGRAPH = 25
COMMAS = re.compile(r"[,，、;；]")
SENTENCE_END = re.compile(r"[.!?。！？](\s|$)")
FIELD_TAGS = _words("input textarea select button")
OWNER_TAGS = BLOCK_TAGS | PARAGRAPH_TAGS
# What marks the article's own block: its title, <main>, a declared article body.
ANCHOR_TAGS = _words("h1 main")
# Through the attributes, not a predicate on every element: 40% less time, same answer.
_DECLARED_BODY = etree.XPath("boolean(descendant-or-self::*/@itemprop[.='articleBody'])")
HEADING_TAGS = _words("h1 h2 h3 h4 h5 h6")


FIRM, SOFT = 2, 1


class Stats:
    """What one element holds (boilerplate parts inside it not counted); `own` / `own_links`
    count the text not inside a nested block element, i.e. the element as a paragraph."""

    __slots__ = (
        "anchors",
        "chars",
        "commas",
        "end",
        "flag",
        "imgs",
        "inputs",
        "junk",
        "links",
        "lis",
        "order",
        "own",
        "own_links",
        "paras",
        "score",
        "titles",
    )

    def __init__(self) -> None:
        self.chars = self.links = self.commas = self.own = self.own_links = 0
        self.paras = self.imgs = self.lis = self.inputs = self.anchors = self.titles = 0
        self.flag = self.order = self.end = 0
        self.junk = False
        self.score = 0.0

    @property
    def link_density(self) -> float:
        return self.links / self.chars if self.chars else 0.0

    def add(self, sub: Stats, tag: str) -> None:
        """Count a measured child element in."""
        self.chars += sub.chars
        self.links += sub.links
        self.commas += sub.commas
        self.imgs += sub.imgs
        self.inputs += sub.inputs
        self.anchors += sub.anchors
        self.titles += sub.titles
        self.lis += sub.lis + (tag == "li")
        self.paras += sub.paras + (tag == "p" or tag == "pre")

    def subtract(self, other: Stats) -> None:
        """Take a descendant found to be boilerplate out."""
        self.chars -= other.chars
        self.links -= other.links
        self.commas -= other.commas
        self.paras -= other.paras
        self.imgs -= other.imgs
        self.lis -= other.lis
        self.inputs -= other.inputs
        self.anchors -= other.anchors


def tag_of(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


# Class names where "hidden" hides a part of the block, not the block: Drupal's
# `field--label-hidden` (the field's label) on the field holding an article's text, and the
# CSS utility `overflow-hidden` (what overflows the box is clipped, the box is shown: a recipe
# site's steps sit in `kb-overflow-hidden`).
_SHOWN = re.compile(r"[\w-]*(?:label-|title-|overflow-?)hidden\b", re.IGNORECASE)


def _name_words(name: str) -> set[str]:
    if "hidden" in name:
        name = _SHOWN.sub(" ", name)
    return {w.lower() for w in _WORDS.findall(name)}


def class_words(el: etree._Element) -> set[str]:
    value = f"{el.get('class', '')} {el.get('id', '')}"
    return _name_words(value) if value.strip() else set()


def class_weight(el: etree._Element) -> int:
    """readability's class weight: +25 for an article-like name, -25 for a boilerplate one."""
    words = class_words(el)
    if not words:
        return 0
    if "hidden" in words and hidden_slide(el, tag_of(el)):
        words.discard("hidden")
    return 25 * bool(words & POSITIVE_WORDS) - 25 * bool(words & NEGATIVE_WORDS)


def looks_boilerplate(el: etree._Element, tag: str, named: dict[str, int] | None = None) -> int:
    """Whether the element is not the article: FIRM when its tag, role or visibility says
    so (sidebar, share bar, caption, hidden), SOFT when only its class / id does (or it is
    a form): a SOFT verdict on an element holding the title is overruled.
    `named` memoises the class / id verdict (pages repeat a few class names many times)."""
    if tag in BOILERPLATE_TAGS:
        return FIRM
    if tag == "form":
        return SOFT
    if tag == "figure":
        # Code and tables are often wrapped in <figure> (highlight.js, Hexo): those stay.
        return 0 if any(True for _ in el.iter("pre", "table", "blockquote", "code")) else FIRM
    keys = el.keys()
    if not keys:
        return 0
    # Most elements carry only a class or an id: no need to look for the rest.
    if (len(keys) > 1 or keys[0] not in ("class", "id")) and _hidden_or_by_role(el, keys):
        return FIRM
    name = f"{el.get('class', '')} {el.get('id', '')}"
    if named is not None and name in named:
        return named[name]
    words = _name_words(name)
    verdict = SOFT if words & UNLIKELY_WORDS and not words & POSITIVE_WORDS else 0
    if named is not None:
        named[name] = verdict
    return verdict


def _hidden_or_by_role(el: etree._Element, keys: list[str]) -> bool:
    if "hidden" in keys:
        return True
    if "role" in keys and el.get("role") in BOILERPLATE_ROLES:
        return True
    if "aria-hidden" in keys and el.get("aria-hidden") == "true":
        return True
    style = el.get("style", "") if "style" in keys else ""
    return "none" in style and "display:none" in style.replace(" ", "")


# Class names that hide a block until a script shows it: `hidden`, `is-hidden`, `ssr-hide`.
_HIDING_CLASS = re.compile(r"hid(e|den)\b", re.IGNORECASE)


def hidden_slide(el: etree._Element, tag: str) -> bool:
    """Whether a hidden block is a slide of the article: one of a slideshow's or a set of
    tabs' siblings of one kind, shown one at a time by a script (`<div class="slide hidden"
    style="display:none">` beside the shown `<div class="slide">`), and not named as
    boilerplate once the hiding is left out."""
    if tag in BOILERPLATE_TAGS or not _hidden(el):
        return False
    kind = _shown_kind(el)
    if not kind or _name_words(" ".join(kind)) & UNLIKELY_WORDS:
        return False
    parent = el.getparent()
    return parent is not None and any(
        sib is not el and sib.tag == el.tag and not _hidden(sib) and _shown_kind(sib) == kind
        for sib in parent
    )


def _shown_kind(el: etree._Element) -> list[str]:
    """The element's class names without those that hide it."""
    return [c for c in (el.get("class") or "").split() if not _HIDING_CLASS.search(c)]


def is_hidden(el: etree._Element) -> bool:
    """Hidden by an attribute, an inline style or a class name."""
    return el.get("hidden") is not None or el.get("aria-hidden") == "true" or _hidden(el)


def _hidden(el: etree._Element) -> bool:
    """Hidden by a class name or an inline style (not by its role or aria-hidden)."""
    style = el.get("style")
    if style and "none" in style and "display:none" in style.replace(" ", ""):
        return True
    return bool(_HIDING_CLASS.search(el.get("class") or ""))


class _Measure:
    """One walk over the tree filling `Stats` for every element outside dropped tags."""

    def __init__(
        self, body: etree._Element, lifted: frozenset[etree._Element], unmeasured: frozenset[str]
    ) -> None:
        self.body = body
        self.lifted = lifted
        self.unmeasured = unmeasured
        self.stats: dict[etree._Element, Stats] = {}
        self.named: dict[str, int] = {}
        # Elements named like boilerplate: judged after the walk, once it is known whether
        # they hold the title (then the name is a page-wide class such as "has-sidebar").
        self.soft: list[etree._Element] = []

    def walk(self, el: etree._Element, tag: str, owner: Stats, in_link: bool) -> Stats:
        stats = self.stats
        st = Stats()
        st.order = len(stats)
        stats[el] = st
        flag = 0 if self.lifted and el in self.lifted else looks_boilerplate(el, tag, self.named)
        if flag and hidden_slide(el, tag):
            flag = 0
        if flag == FIRM:
            return self._prune(el, st, FIRM)
        if flag == SOFT:
            if el is self.body or _part_of_text(el):
                flag = 0
            elif not self._may_hold_article(el):
                return self._prune(el, st, SOFT)
            else:
                self.soft.append(el)
        own = st if tag in OWNER_TAGS else owner
        link = in_link or tag == "a"
        text = el.text
        if text and not text.isspace():
            _count_text(text, st, own, link)
        for child in el:
            ctag = child.tag
            if ctag.__class__ is str:
                ctag = ctag.lower()
                if ctag not in self.unmeasured:
                    sub = self.walk(child, ctag, own, link)
                    if not sub.flag:
                        st.add(sub, ctag)
                    else:
                        st.titles += sub.titles
                elif ctag in FIELD_TAGS:
                    st.inputs += 1
            text = child.tail
            if text and not text.isspace():
                _count_text(text, st, own, link)
        if tag in ANCHOR_TAGS or (tag == "div" and el.get("itemprop") == "articleBody"):
            st.titles += 1
        elif tag == "img":
            st.imgs += 1
        elif tag == "a":
            st.anchors += 1
        st.end = len(stats) - 1
        return st

    @staticmethod
    def _prune(el: etree._Element, st: Stats, flag: int) -> Stats:
        """Boilerplate, so not measured inside: navigation, footers and named blocks are a
        good share of a page's elements."""
        st.flag = flag
        st.junk = True
        st.end = st.order
        # The title is often in a <header>: it still marks the block around it.
        st.titles = any(True for _ in el.iter(*ANCHOR_TAGS))
        return st

    @staticmethod
    def _may_hold_article(el: etree._Element) -> bool:
        """Whether a boilerplate-named element must be measured before it is judged: it
        holds the title, <main> or a declared article body (a page-wide class such as
        `has-sidebar`), or a quotation (an embedded post)."""
        return any(True for _ in el.iter(*ANCHOR_TAGS, "blockquote")) or bool(_DECLARED_BODY(el))

    def judge_soft(self, body: etree._Element) -> None:
        """Confirm the boilerplate names on elements that do not hold the title: mark their
        subtree junk and take their counts out of their ancestors'."""
        ordered = list(self.stats.values())
        for el in self.soft:
            st = self.stats[el]
            if st.titles or st.junk or el is body or mostly_quotation(el, st, self.stats):
                continue
            st.flag = SOFT
            for inner in ordered[st.order : st.end + 1]:
                inner.junk = True
            for ancestor in el.iterancestors():
                up = self.stats.get(ancestor)
                if up is None:
                    break
                up.subtract(st)


def _part_of_text(el: etree._Element) -> bool:
    """Whether a named element is a part of a heading or of code, whatever its name: a table
    of contents' anchor around a section's heading (`<h2><span class="ez-toc-section">`),
    a highlighter's token (`<pre><code><span class="token comment">`)."""
    parent = el.getparent()
    if parent is not None and tag_of(parent) in HEADING_TAGS:
        return True
    return any(True for _ in el.iterancestors("pre", "code"))


def mostly_quotation(el: etree._Element, st: Stats, stats: dict[etree._Element, Stats]) -> bool:
    """Whether the element mostly holds a quotation: an embedded post (a tweet in
    `<div class="social-embed"><blockquote>`) is quoted content, not a share bar."""
    quoted = sum(stats[q].chars for q in el.iter("blockquote") if q in stats)
    return quoted * 2 > st.chars > 0


def _count_text(text: str, st: Stats, own: Stats, link: bool) -> None:
    n = len(text) - text.count(" ") - text.count("\n") - text.count("\t") - text.count("\r")
    st.chars += n
    own.own += n
    if "," in text or "，" in text or "、" in text:
        st.commas += len(COMMAS.findall(text))
    if link:
        st.links += n
        own.own_links += n


def measure(
    body: etree._Element,
    lifted: frozenset[etree._Element] = frozenset(),
    unmeasured: frozenset[str] = UNMEASURED_TAGS,
) -> dict[etree._Element, Stats]:
    """Stats of every element under `body` (boilerplate parts marked `junk` and left out of
    their ancestors' counts; the insides of navigation, footers and the like not measured).
    `lifted`: elements whose boilerplate marks are ignored (see `content.marked_wrappers`);
    `unmeasured`: tags whose insides are not text (NOSCRIPT_MEASURED measures <noscript>)."""
    m = _Measure(body, lifted, unmeasured)
    m.walk(body, tag_of(body), Stats(), False)
    m.judge_soft(body)
    return m.stats
