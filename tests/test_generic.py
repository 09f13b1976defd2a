"""The generic layer on hand-made pages no profile matches: body boundaries, boilerplate,
related blocks, metadata, not-an-article pages."""

from __future__ import annotations

import pytest

from archiver import Article
from archiver.extract.parse import parse_page

FETCHED_AT = "2024-09-30T08:00:00Z"
URL = "https://news.example.org/2024/09/29/story"
PROSE = [
    (
        "The city council voted on Tuesday to extend the night bus network to the eastern "
        "districts, after two years of petitions from shift workers and students."
    ),
    (
        "The new routes start in January, and the transit authority expects about 4,000 riders "
        "a night, roughly a third more than on the routes that run today."
    ),
    (
        "Council members who voted against the plan said the money, about two million a year, "
        "would be better spent on more frequent daytime service, which carries many more people."
    ),
    (
        "The authority will review the routes after six months and publish ridership figures "
        "for each stop, so that the least used ones can be moved or dropped."
    ),
]


def page(body: str, head: str = "<title>Night buses extended - City News</title>") -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{head}</head>"
        f"<body>{body}</body></html>"
    )


def article_html(extra_inside: str = "", extra_after: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PROSE)
    return page(
        "<div class='top'><a href='/'>City News</a><ul class='menu'><li>"
        "<a href='/a'>Politics</a></li>"
        "<li><a href='/b'>Transport</a></li><li><a href='/c'>Sport</a></li></ul></div>"
        "<div class='layout'><div class='main-col'><h1>Night buses extended to the east</h1>"
        f"<div class='story-body'>{paragraphs}{extra_inside}</div>{extra_after}</div>"
        "<div class='sidebar'><h3>Most read</h3><ul><li>"
        "<a href='/x'>Stadium plans unveiled</a></li>"
        "<li><a href='/y'>Library opens late on Fridays</a></li></ul></div></div>"
        "<div class='site-footer'>© 2024 City News · <a href='/privacy'>Privacy</a></div>"
    )


def generic(html: str | bytes, url: str = URL) -> Article | None:
    result = parse_page(html, url, fetched_at=FETCHED_AT, profiles=())
    return result.article


def test_body_is_the_prose_and_nothing_around_it() -> None:
    article = generic(article_html())
    assert article is not None
    assert article.body == "\n\n".join(PROSE)
    assert article.extractor == "generic"
    assert article.field_sources.body == "generic"


@pytest.mark.parametrize(
    "boilerplate",
    [
        (
            "<div class='share-bar'><a href='https://facebook.com/x'>Facebook</a> <a "
            "href='https://twitter.com/y'>Twitter</a></div>"
        ),
        "<div class='ad-slot'><p>Advertisement</p></div>",
        "<p>Advertisement</p>",
        (
            "<figure><img src='/bus.jpg'><figcaption>A night bus at the depot on "
            "Monday.</figcaption></figure>"
        ),
        (
            "<div id='comments'><h2>2 comments</h2><div class='comment'>"
            "<p>About time, the last bus leaves far too early for anyone working a late "
            "shift.</p></div></div>"
        ),
        (
            "<aside><h3>Newsletter</h3><p>Get the day's top stories in your inbox every "
            "morning at six.</p></aside>"
        ),
        (
            "<p><strong>READ MORE:</strong> <a href='/2024/08/01/buses'>Bus fares to rise in "
            "the spring</a></p>"
        ),
        # The same promoted link in any language: a short label ending in a colon or a
        # guillemet, then one link.
        "<p><em>Lesen Sie auch: <a href='/2024/08/01/tram'>Die Tram fährt bald nachts</a></em></p>",
        (
            "<blockquote><b>VEA TAMBIÉN: </b><a href='/2024/08/02/metro'>El metro abre una "
            "nueva estación</a></blockquote>"
        ),
        (
            "<p><strong>À lire aussi »</strong> <a href='/2024/08/03/velo'>Le vélo gagne du "
            "terrain en ville</a></p>"
        ),
        # The template's advertising label opening a line, in any language.
        "<p>*Werbung. Dieser Beitrag enthält Werbung für eine Fahrradmarke.</p>",
        "<p>- Anzeige -</p>",
        "<div>Anzeige, enthält Affiliate Links</div>",
        # A bare link to another story of the same site, between the paragraphs.
        "<p><a href='/2024/08/05/ferry'>The night ferry returns for the summer</a></p>",
        (
            "<p><a href='https://www.news.example.org/2024/08/06/tram'>&gt;&gt; Tram drivers "
            "vote to strike in October &lt;&lt;</a></p>"
        ),
    ],
)
def test_boilerplate_inside_the_article_is_left_out(boilerplate: str) -> None:
    # Boilerplate between the second and third paragraph, inside the article's own block.
    paragraphs = [f"<p>{p}</p>" for p in PROSE]
    inside = "".join(paragraphs[:2]) + boilerplate + "".join(paragraphs[2:])
    html = page(
        "<div class='main-col'><h1>Night buses extended</h1>"
        f"<div class='story-body'>{inside}</div></div>"
    )
    article = generic(html)
    assert article is not None
    assert article.body == "\n\n".join(PROSE)


def test_byline_and_dateline_above_the_text_are_left_out() -> None:
    byline = "<p>By Anna Berg | September 29, 2024</p>"
    html = page(
        f"<div><h1>Night buses</h1><div>{byline}"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "</div></div>"
    )
    article = generic(html)
    assert article is not None
    assert article.body == "\n\n".join(PROSE)


@pytest.mark.parametrize(
    "heading",
    ["Related posts", "You may also like", "相关推荐", "猜你喜欢", "Related articles:"],
)
def test_related_block_under_its_heading(heading: str) -> None:
    block = (
        f"<div class='box'><h3>{heading}</h3><ul>"
        "<li><a href='/2024/09/01/tram'>Tram line gets a new stop</a></li>"
        "<li><a href='/2024/08/20/bikes'>Bike lanes for the east side</a></li></ul></div>"
    )
    article = generic(article_html(extra_inside=block))
    assert article is not None
    assert [(r.title, r.url) for r in article.related] == [
        ("Tram line gets a new stop", "https://news.example.org/2024/09/01/tram"),
        ("Bike lanes for the east side", "https://news.example.org/2024/08/20/bikes"),
    ]
    assert article.field_sources.related == "generic"
    # The block sat inside the article's element: it is not part of the body.
    assert article.body == "\n\n".join(PROSE)


def test_related_blocks_are_collected_in_page_order() -> None:
    after = (
        "<section><h2>You may also like</h2><div class='card'><a href='/c1'>"
        "<h4>Port traffic record</h4></a></div>"
        "<div class='card'><a href='/c2'><h4>Tunnel lighting upgrade</h4></a></div></section>"
    )
    inside = (
        "<div><h3>Related posts</h3><ul><li><a href='/r1'>Ferry adds crossings</a></li></ul></div>"
    )
    article = generic(article_html(extra_inside=inside, extra_after=after))
    assert article is not None
    assert [r.title for r in article.related] == [
        "Ferry adds crossings",
        "Port traffic record",
        "Tunnel lighting upgrade",
    ]


def test_json_ld_and_opengraph_metadata_are_used() -> None:
    head = (
        "<title>Short title | Site</title>"
        "<meta property='og:title' content='Night buses extended to the eastern districts'>"
        "<meta property='og:url' content='https://news.example.org/canonical/night-buses'>"
        "<meta property='og:description' content='Routes start in January.'>"
        "<meta property='article:tag' content='Transport'>"
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
        '"NewsArticle",'
        ' "headline": "Night buses extended", "datePublished": "2024-09-29T06:30:00+02:00",'
        ' "author": {"@type": "Person", "name": "Anna Berg"}}</script>'
    )
    html = page("<div class='story-body'>" + "".join(f"<p>{p}</p>" for p in PROSE) + "</div>", head)
    article = generic(html)
    assert article is not None
    assert article.title == "Night buses extended to the eastern districts"
    assert article.canonical_url == "https://news.example.org/canonical/night-buses"
    assert article.published == "2024-09-29T06:30:00+02:00"
    assert article.author == "Anna Berg"
    assert article.description == "Routes start in January."
    assert article.tags == ("Transport",)
    sources = article.field_sources
    assert (sources.title, sources.published, sources.author, sources.canonical_url) == (
        "metadata",
    ) * 4


def test_relative_chinese_date_and_labelled_author_from_the_markup() -> None:
    body = (
        "<h1>城市夜间公交线路延长</h1><div class='info'><span>作者：林一舟</span>"
        "<span>发布于 3 天前</span></div>"
        "<div class='text'>" + "".join(f"<p>{p}</p>" for p in PROSE) + "</div>"
    )
    article = generic(page(body, "<title>城市夜间公交线路延长</title>"))
    assert article is not None
    assert article.published == "2024-09-27"
    assert article.author == "林一舟"
    assert (article.field_sources.published, article.field_sources.author) == ("generic", "generic")


def test_code_blocks_stay_verbatim_and_paragraphs_apart() -> None:
    code = "def f(x):\n    if x:\n        return 1\n\n    return 2"
    html = page(
        "<div class='post'><h1>Title</h1>"
        + f"<p>{PROSE[0]}</p><pre><code>{code}</code></pre><p>{PROSE[1]}</p></div>"
    )
    article = generic(html)
    assert article is not None
    assert article.body == f"{PROSE[0]}\n\n{code}\n\n{PROSE[1]}"


@pytest.mark.parametrize(
    "html",
    [
        # A blog index: linked titles, each with a summary.
        page(
            "<h1>Posts</h1><ul>"
            + "".join(
                (
                    f"<li><h2><a href='/posts/{i}/'>Post number {i} about buses</a></h2>"
                    f"<p>{PROSE[i]}</p></li>"
                )
                for i in range(4)
            )
            + "</ul>"
        ),
        # A contact page: no paragraph of prose.
        page(
            "<h1>Contact</h1><form><input name='email'><button>Send</button></form><p>Call us.</p>"
        ),
        # An empty shell that renders with JavaScript.
        page("<div id='app'></div><script>render()</script>"),
    ],
    ids=["blog-index", "contact-form", "javascript-shell"],
)
def test_not_an_article_gives_none(html: str) -> None:
    result = parse_page(html, URL, fetched_at=FETCHED_AT, profiles=())
    assert result.article is None
    assert result.reason == "not_article"


def test_page_wide_boilerplate_class_does_not_hide_the_article() -> None:
    # WordPress-style body/wrapper classes name the sidebar; the article is still found.
    html = page(
        "<div id='page' class='site has-sidebar'><h1>Night buses</h1><div class='entry'>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "</div></div>"
    )
    article = generic(html)
    assert article is not None
    assert article.body == "\n\n".join(PROSE)


def test_tree_is_not_modified() -> None:
    from archiver.extract.document import Document
    from archiver.extract.pages import ArticlePage

    html = article_html(extra_inside="<div class='share'><a href='/s'>Share</a></div>")
    doc = Document.parse(html, URL, FETCHED_AT)
    before = len(doc.selector.root.xpath("//*"))
    page_obj = ArticlePage(doc, None)
    assert page_obj.body
    assert len(doc.selector.root.xpath("//*")) == before
    assert doc.selector.css("div.share")


def test_a_short_first_paragraph_starting_with_by_is_kept() -> None:
    first = "By the end of the day, the buses were full."
    html = page(
        "<div><h1>Night buses</h1><div>"
        + f"<p>{first}</p>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "</div></div>"
    )
    article = generic(html)
    assert article is not None
    assert article.body == "\n\n".join([first, *PROSE])


def test_an_h1_inside_the_text_is_a_section_heading() -> None:
    inner = (
        f"<p>{PROSE[0]}</p><p>{PROSE[1]}</p><h1>What happens next</h1><p>{PROSE[2]}</p>"
        f"<p>{PROSE[3]}</p>"
    )
    html = page(f"<div class='post'><h1>Night buses</h1><div class='text'>{inner}</div></div>")
    article = generic(html)
    assert article is not None
    assert article.body == "\n\n".join([*PROSE[:2], "What happens next", *PROSE[2:]])


def test_related_heading_first_characters_cover_every_phrase() -> None:
    """The quick pre-check of related-links headings rules out an element by its first
    character; it must know every character a RELATED_HEADINGS phrase can start with."""
    from re import _parser  # type: ignore[attr-defined]

    from archiver.extract.boilerplate import RELATED_HEADINGS
    from archiver.extract.generic import HEADING_FIRST_CHARS

    _anchor, (_, (_, _, _, group)) = _parser.parse(RELATED_HEADINGS.pattern)[:2]
    (branch,) = group
    firsts = {chr(alternative[0][1]) for alternative in branch[1][1]}
    assert all(case in HEADING_FIRST_CHARS for c in firsts for case in (c.lower(), c.upper()))


def test_a_bare_link_paragraph_is_kept() -> None:
    # A paragraph that is only a link, with no label before it, is a reference or a source.
    link = "<p><a href='https://transit.example.org/report.pdf'>The transit report</a></p>"
    paragraphs = [f"<p>{p}</p>" for p in PROSE]
    inside = "".join(paragraphs[:2]) + link + "".join(paragraphs[2:])
    article = generic(page(f"<div><h1>Night buses</h1><div>{inside}</div></div>"))
    assert article is not None
    assert "The transit report" in article.body


@pytest.mark.parametrize("heading", ["Zum Weiterlesen", "Das könnte dich auch interessieren"])
def test_a_heading_over_left_out_links_after_the_text_goes_too(heading: str) -> None:
    # Whatever the language of the heading: nothing it titled is kept.
    links = "".join(
        f"<li><a href='/2024/08/{n}'>Another story about the {n} line</a></li>"
        for n in ("tram", "ferry", "metro")
    )
    inside = "".join(f"<p>{p}</p>" for p in PROSE) + f"<h2>{heading}</h2><ul>{links}</ul>"
    article = generic(page(f"<div><h1>Night buses</h1><div>{inside}</div></div>"))
    assert article is not None
    assert article.body == "\n\n".join(PROSE)


@pytest.mark.parametrize(
    "prompt",
    [
        "<h3>Sie müssen sich <a href='/account/login.html'>einloggen</a>, um mitzureden.</h3>",
        (
            "<p>You must be <a href='/wp-login.php?redirect_to=%2F'>logged in</a> to post a "
            "comment on this story.</p>"
        ),
        "<h4>Du musst <a href='/signin'>angemeldet</a> sein, um hier zu kommentieren!</h4>",
    ],
)
def test_a_sign_in_prompt_after_the_text_goes_with_its_heading(prompt: str) -> None:
    # The comment form's prompt, in any language: its link goes to the sign-in page.
    inside = "".join(f"<p>{p}</p>" for p in PROSE) + f"<div><h2>Kommentieren</h2>{prompt}</div>"
    article = generic(page(f"<div><h1>Night buses</h1><div>{inside}</div></div>"))
    assert article is not None
    assert article.body == "\n\n".join(PROSE)


def test_a_heading_over_a_folded_answer_after_the_text_stays() -> None:
    # A hidden part is no boilerplate: the heading over it is the page's own.
    inside = (
        "".join(f"<p>{p}</p>" for p in PROSE)
        + "<h2>When do the routes start?</h2>"
        + "<div hidden><p>In January, with the timetable change.</p></div>"
    )
    article = generic(page(f"<div><h1>Night buses</h1><div>{inside}</div></div>"))
    assert article is not None
    assert article.body.endswith("When do the routes start?")


@pytest.mark.parametrize(
    "picture",
    [
        (
            "<p><img src='/depot.jpg'><br><em><sub>Figure 2: the night depot at Harbor Road, "
            "seen from the north gate.</sub></em></p>"
        ),
        "<div class='pic'><img src='/bus.jpg'><span>© Transit Agency/Stock</span></div>",
    ],
)
def test_a_caption_under_a_picture_outside_a_figure_is_left_out(picture: str) -> None:
    # A figure without <figure> markup: its caption goes as a <figcaption> does.
    paragraphs = [f"<p>{p}</p>" for p in PROSE]
    inside = "".join(paragraphs[:2]) + picture + "".join(paragraphs[2:])
    article = generic(page(f"<div><h1>Night buses</h1><div>{inside}</div></div>"))
    assert article is not None
    assert article.body == "\n\n".join(PROSE)


def test_words_beside_a_picture_opening_a_paragraph_stay() -> None:
    # No line break: the words flow beside a floated picture, they are the text.
    opening = "<p><img class='alignleft' src='/poster.jpg'><em>And one more about buses:</em></p>"
    inside = opening + "".join(f"<p>{p}</p>" for p in PROSE)
    article = generic(page(f"<div><h1>Night buses</h1><div>{inside}</div></div>"))
    assert article is not None
    assert article.body.startswith("And one more about buses:")


def test_a_sentence_about_advertising_is_no_advertising_label() -> None:
    line = "<p>Werbung nervt, sagen die Fahrgäste.</p>"
    paragraphs = [f"<p>{p}</p>" for p in PROSE]
    inside = "".join(paragraphs[:2]) + line + "".join(paragraphs[2:])
    article = generic(page(f"<div><h1>Night buses</h1><div>{inside}</div></div>"))
    assert article is not None and "Werbung nervt" in article.body
