"""Boilerplate inside the chosen article element: what to skip when rendering the body.

Besides the parts `blocks.measure` marked by tag and name, these go: the title (`<h1>`),
containers that are mostly links or pictures (readability's conditional cleaning),
one-line template notes ("Advertisement"), a related-links block under its heading
("Related posts", "相关推荐"), promoted links between paragraphs ("READ MORE: …",
"Lesen Sie auch: …", a bare link to another story of the site), byline / dateline lines
above the first paragraph, link or credit lines after the last one ("Follow us on
Twitter", "（责任编辑：王磊）"), and the headings left over them.
"""

from __future__ import annotations

import re

from lxml import etree

from archiver.extract.blocks import (
    BOILERPLATE_LINES,
    CONTAINER_TAGS,
    HEADING_TAGS,
    Stats,
    class_weight,
    is_hidden,
    measure,
    mostly_quotation,
    tag_of,
)
from archiver.extract.teasers import is_teaser
from archiver.extract.urls import resolve, same_site

# Headings of a block of links to related articles (not "popular" or "latest": those are
# the same on every page).
RELATED_HEADINGS = re.compile(
    r"^(相关文章|相关推荐|相关阅读|相关新闻|推荐阅读|延伸阅读|猜你喜欢|"
    r"related (posts|articles|stories|content|coverage|news|reading)|"
    r"you (may|might) also like|read more|more stories|recommended( for you| stories)?|"
    r"more from .{1,40})\s*[:：]?$",
    re.IGNORECASE,
)
# "READ MORE: <a>Another story</a>" between paragraphs: a promoted link, not the article.
PROMO_LABEL = re.compile(
    r"^(read more|read also|also read|related|see also|see more|more|don'?t miss|watch|listen|"
    r"延伸阅读|相关阅读|推荐阅读|相关链接|相关新闻|阅读更多)\s*[:：]",
    re.IGNORECASE,
)
# Credits and the portal's notes after the article: "（责任编辑：王磊）", "Editing by …",
# "免责声明：…", "爆料电话：…", "【纠错】", "转载请注明出处": the site's template, not the story.
CREDIT_LINE = re.compile(
    r"^[(（\[【]?\s*(责任编辑|编辑|责编|审核|校对|来源"
    r"|(additional )?reporting by|editing by|compiled by"
    r"|免责声明|版权声明|爆料电话|报料电话|报料热线|新闻热线|举报电话|纠错|我要纠错|版权所有"
    r"|(本文|本站|文章)?(转载请|未经(本网|本站)?(书面)?授权)|欢迎转载|如需转载)\s*[:：】)）]?",
    re.IGNORECASE,
)
# A line opening with the template's advertising label, then a mark or the end:
# "*Werbung. Dieser Beitrag enthält …", "Anzeige, enthält Affiliate Links", "- Anzeige -",
# "Reklama" (not "Werbung nervt.": a sentence about advertising).
AD_LABEL = re.compile(
    r"^\W*(advertisement|anzeige|werbung|reklama|publicidad|publicité|pubblicità|sponsored"
    r"|gesponsert|paid (post|content)|广告)\s*([.,:;!*|\-–—(]|$)",
    re.IGNORECASE,
)
MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|"
    "oct(ober)?|nov(ember)?|dec(ember)?"
)
# A date written out in a byline / dateline: "November 18, 2019", "2018-09-16", "11/18/19",
# "2024年9月27日", "18 Nov 2019".
DATE = re.compile(
    rf"\b(({MONTHS})\.? \d{{1,2}}(st|nd|rd|th)?,? \d{{4}}|\d{{1,2}} ({MONTHS})\.?,? \d{{4}}|"
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b|\d{4}年\d{1,2}月\d{1,2}日",
    re.IGNORECASE,
)
# "By Maria Chen | May 3", "by Jeff Foust November 18, 2019", "作者：林一舟": a name after
# the label, then the end, a separator or a date (not "By the end of the day, …").
BYLINE = re.compile(
    r"^(?i:by|von|par|por|door|av|af)\s+([A-Z][\w.'’-]*\s*){1,4}($|[|,·•/\-–—(]|\d|(?i:and|und|et)\s)"
    r"|^(作者|记者|文\s*/|来源)"
)
# Where a sign-in prompt's link goes: "/account/login.html", "#login", "wp-login.php?…",
# "/signin", "/anmelden". A path, so the same in every language of the prompt.
LOGIN_HREF = re.compile(
    r"(^|[/#?&=._-])(log-?in|sign-?in|anmelden|einloggen)([/?#&._-]|$)", re.IGNORECASE
)
META_LINE_MAX = 100
# A picture's caption outside a <figure>: "<p><img><br><em>Abbildung 4: …</em></p>".
CAPTION_MAX = 300
CAPTION_TAGS = frozenset(("span", "em", "i", "small", "sub", "sup", "font"))
# A promoted link's label ("Lesen Sie auch:", "À lire aussi »"): at most this many characters.
PROMO_LABEL_MAX = 25
PROMO_TAGS = frozenset(("p", "blockquote", "h2", "h3", "h4", "h5", "h6"))
PROMO_MARKS = frozenset(":：»>›")
PROMO_TITLE_WORDS = 4
# A part of a block that is text: at least this long (and two fifths of the block).
TEXT_PART_MIN = 160
PROSE_MIN = 80
# A sentence, not a label: a clause break inside and a full stop at the end. A Chinese lead
# ("据央视新闻消息，2024年5月16日，…。") is shorter than PROSE_MIN yet no dateline.
SENTENCE = re.compile(r"[,，;；].*[.!?。！？]['\"’”」)）]?$")


class _Cleaner:
    """One pass over the root's subtree, in document order, collecting what to skip."""

    def __init__(
        self,
        root: etree._Element,
        stats: dict[etree._Element, Stats],
        skip: set[etree._Element],
        page_url: str = "",
        by_shape: bool = True,
    ) -> None:
        self.root = root
        self.page_url = page_url
        self.by_shape = by_shape
        self.stats = stats
        self.skip = set(skip)
        self.total = stats[root].chars
        # Stats are in document order: the root's subtree is one slice of them.
        top = stats[root]
        self.ordered = list(stats.items())
        inside = self.ordered[top.order : top.end + 1]
        prose = [
            st.order
            for el, st in inside
            if not st.junk and _is_prose(st) and el.tag not in HEADING_TAGS
        ]
        self.has_prose = bool(prose)
        self.first_prose = prose[0] if prose else 0
        self.last_prose = prose[-1] if prose else 0

    def run(self) -> set[etree._Element]:
        stack = list(reversed(self.root))
        while stack:
            el = stack.pop()
            st = self.stats.get(el)
            if st is None or el in self.skip:
                continue
            if self._drop(el, tag_of(el), st):
                self.skip.add(el)
            else:
                stack.extend(reversed(el))
        self.skip.update(self._trailing_headings())
        return self.skip

    def _trailing_headings(self) -> list[etree._Element]:
        """Headings after the last text kept, over parts left out: what they titled was
        boilerplate ("Zum Weiterlesen", "Das könnte dich auch interessieren" over links, a
        comment form's "Kommentieren"), whatever the language. Only in a block of prose (a
        product page's headings are most of its text)."""
        top = self.stats[self.root]
        if not self.has_prose:
            return []
        events: list[tuple[str, etree._Element]] = []
        hidden_until = top.order
        for el, st in self.ordered[top.order + 1 : top.end + 1]:
            if st.order <= hidden_until:
                continue
            if el in self.skip or st.junk:
                hidden_until = st.end
                # A hidden part is no boilerplate the heading titled (a folded answer).
                events.append(("hidden" if is_hidden(el) else "cut", el))
            elif _is_heading(el, st):
                hidden_until = st.end
                events.append(("heading", el))
            elif st.own > st.own_links or tag_of(el) == "img":
                events.append(("text", el))
        kinds = [kind for kind, _ in events]
        last_text = len(kinds) - 1 - kinds[::-1].index("text") if "text" in kinds else -1
        if "cut" not in kinds[last_text + 1 :]:
            return []
        return [el for kind, el in events[last_text + 1 :] if kind == "heading"]

    def _drop(self, el: etree._Element, tag: str, st: Stats) -> bool:
        # The page title above the text (an <h1> further down is a section heading).
        if st.flag or (tag == "h1" and st.order < self.first_prose):
            return True
        if (
            self.by_shape
            and tag in CONTAINER_TAGS
            and st.chars < self.total * 0.5
            and _mostly_not_text(el, tag, st)
            and not mostly_quotation(el, st, self.stats)
            and not self._holds_text_part(el, st)
        ):
            return True
        if tag in ("p", "div") and st.chars <= CAPTION_MAX and _image_caption(el):
            return True
        if not 0 < st.chars <= META_LINE_MAX or st.own < st.chars * 0.9:
            return False
        text = " ".join("".join(el.itertext()).split())
        if BOILERPLATE_LINES.match(text) or AD_LABEL.match(text):
            return True
        if RELATED_HEADINGS.match(text):
            self._skip_related_block(el)
            return True
        if PROMO_LABEL.match(text) and st.links * 2 >= st.chars:
            return True
        between = st.order < self.last_prose
        if _promoted_link(el, tag, st, text, self.page_url, between):
            return True
        if (
            self.by_shape
            and st.order < self.first_prose
            and (DATE.search(text) or BYLINE.match(text))
            and not SENTENCE.search(text)
        ):
            return True
        trailing = st.order > self.last_prose
        linked = self.by_shape and st.links > st.chars * 0.3
        return trailing and (linked or bool(CREDIT_LINE.match(text)) or _login_prompt(el))

    def _holds_text_part(self, el: etree._Element, st: Stats) -> bool:
        """Whether a block judged mostly not text (links, pictures, fields) holds a part that
        is text, two fifths of the block at least (a recipe's tabs: the ingredients link to
        the shop, the steps are prose); its parts are judged one by one instead. A teaser (a
        linked title over its summary) stays one block, its summary is no part of the article;
        so does a block named as boilerplate (an author box with a long biography)."""
        if st.chars < TEXT_PART_MIN * 2 or class_weight(el) < 0 or is_teaser(el, st):
            return False
        for part, inner in self.ordered[st.order + 1 : st.end + 1]:
            if (
                not inner.junk
                and inner.chars * 5 >= st.chars * 2
                and inner.chars >= TEXT_PART_MIN
                and inner.links * 5 < inner.chars
                and (inner.paras or part.tag == "p")
            ):
                return True
        return False

    def _skip_related_block(self, heading: etree._Element) -> None:
        """The links after a related-posts heading, up to the next prose paragraph; when the
        heading sits alone in a wrapper, the wrapper's followers."""
        node = heading
        while (
            node.getnext() is None
            and node.getparent() is not None
            and node.getparent() is not self.root
        ):
            node = node.getparent()
        for sib in node.itersiblings():
            st = self.stats.get(sib)
            if st is None:
                continue
            if _is_prose(st) or tag_of(sib) in HEADING_TAGS:
                break
            self.skip.add(sib)


def _promoted_link(
    el: etree._Element, tag: str, st: Stats, text: str, page_url: str, between: bool
) -> bool:
    """A paragraph that is one link after a short label ending in a colon or a guillemet
    ("Lesen Sie auch: <a>…</a>", "Czytaj też:", "VEA TAMBIÉN:", "À lire aussi »"): another
    page promoted `between` the paragraphs, whatever the language of its label (after the
    text, "参考：<a>…</a>" is a source). A paragraph that is a bare link is one too, wherever
    it is, when the link is a title (four words or more) of a page on the same site; to
    another site it is a reference, a product, a source (and a linked heading is a teaser's
    title, the body of a roundup)."""
    if tag not in PROMO_TAGS or st.anchors != 1 or st.links * 2 < st.chars:
        return False
    anchor = next(el.iter("a"))
    link = " ".join("".join(anchor.itertext()).split())
    if text == link and tag == "p" and len(link.split()) >= PROMO_TITLE_WORDS:
        target = resolve(page_url, anchor.get("href")) if page_url else None
        return target is not None and same_site(page_url, target)
    label, _, rest = text.partition(link) if link else ("", "", "")
    # Only a mark or a full stop may follow the link.
    labelled = 0 < len(label) <= PROMO_LABEL_MAX and label.rstrip()[-1:] in PROMO_MARKS
    return between and labelled and len(rest) < 4


def _login_prompt(el: etree._Element) -> bool:
    """A short line linking to the sign-in page ("Sie müssen sich <a>einloggen</a>, um …",
    "You must be <a>logged in</a> to post a comment"): the comment form's prompt, in any
    language; the link's address says what it is."""
    return any(LOGIN_HREF.search(a.get("href") or "") for a in el.iter("a"))


def _image_caption(el: etree._Element) -> bool:
    """A block that is a picture, then one inline element of text under it and nothing else
    ("<p><img><br><em><sub>Abbildung 4: …</sub></em></p>", "<div><img><span>© …</span></div>"):
    a figure without the <figure> markup, its caption or credit left out as a <figcaption>
    is."""
    kids = [kid for kid in el if isinstance(kid.tag, str)]
    if len(kids) < 2 or (el.text or "").strip():
        return False
    picture, caption = kids[0], kids[-1]
    if not (tag_of(picture) == "img" or (tag_of(picture) == "a" and _only_images(picture))):
        return False
    between = kids[1:-1]
    if any(tag_of(kid) != "br" for kid in between) or tag_of(caption) not in CAPTION_TAGS:
        return False
    # In a paragraph, words right after the picture flow beside it (a floated picture
    # opening the text): a caption goes under it, after a line break.
    if tag_of(el) == "p" and not between:
        return False
    tails = [kid.tail for kid in kids]
    return not any((tail or "").strip() for tail in tails)


def _only_images(anchor: etree._Element) -> bool:
    return any(True for _ in anchor.iter("img")) and not "".join(anchor.itertext()).strip()


def _is_heading(el: etree._Element, st: Stats) -> bool:
    """A short <h1>-<h6> without a link: a heading carrying one is the document's own
    section (a wiki's "References [edit]"), whatever follows it."""
    short = 0 < st.chars <= META_LINE_MAX and not st.paras
    return tag_of(el) in HEADING_TAGS and short and not st.links


def _is_prose(st: Stats) -> bool:
    """A real paragraph: long, few links."""
    return st.own >= PROSE_MIN and st.own_links < st.own * 0.3


def _mostly_not_text(el: etree._Element, tag: str, st: Stats) -> bool:
    """readability's conditional cleaning: a block with few commas that is mostly links,
    images, list items or form fields is not part of the article."""
    weight = class_weight(el)
    if weight < 0:
        return True
    if st.commas >= 10:
        return False
    # A code sample is text however short (`pip install x` in its copy-button wrapper).
    if st.chars and any(True for _ in el.iter("pre")):
        return False
    density = st.link_density
    if tag == "table" and density < 0.5 and (st.chars > 0 or st.imgs):
        return False
    is_list = tag in ("ul", "ol", "dl")
    return (
        (st.imgs > 1 and st.paras / st.imgs < 0.5)
        or (not is_list and st.lis - 100 > st.paras)
        or st.inputs > st.paras // 3
        or (st.chars < 25 and (st.imgs == 0 or st.imgs > 2))
        or (weight < 25 and density > 0.2)
        or (weight >= 25 and density > 0.5)
    )


def boilerplate_in(
    root: etree._Element,
    stats: dict[etree._Element, Stats],
    skip: set[etree._Element],
    page_url: str = "",
) -> set[etree._Element]:
    """`skip` plus the boilerplate parts of the chosen root (`page_url`: where links to the
    same site point)."""
    return _Cleaner(root, stats, skip, page_url).run()


def marked_in(
    root: etree._Element, skip: set[etree._Element], page_url: str = ""
) -> set[etree._Element]:
    """`skip` plus the boilerplate parts of a block a profile's selector gave: the parts
    marked by tag, role or name (a caption, a share bar, a related-posts box), the template's
    lines (a related heading and its links, a promoted link, "Advertisement"), the credits
    after the text. The guesses by shape (a block of short linked items, link lines after
    the last paragraph, a dated line above the first) are left out: they find the article
    in a page, and a template's own block holds such parts as text (a recipe's ingredients,
    a table of pros and cons, a post's list of press links)."""
    cleaned = _Cleaner(root, measure(root), skip, page_url, by_shape=False).run()
    # A picture the post shows is its own: only the figure's caption goes.
    for figure in [el for el in cleaned - skip if tag_of(el) == "figure"]:
        cleaned.discard(figure)
        cleaned.update(figure.iter("figcaption"))
    return cleaned
