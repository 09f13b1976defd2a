"""The generic layer's body on small hand-written pages, one per failure class seen on pages
nobody here wrote (issue 14): articles mistaken for lists, lost under boilerplate marks, cut
short, or padded with what surrounds them."""

from __future__ import annotations

from test_generic import PROSE, generic, page

from archiver.extract.parse import parse_page

STORY = "".join(f"<p>{p}</p>" for p in PROSE)


def teasers(count: int, tag: str = "li", kind: str = "", summary: int = 120) -> str:
    """Linked titles, each with a summary: what a list of other articles looks like."""
    return "".join(
        f"<{tag}{kind}><h3><a href='/story/{i}'>Another story number {i} about the city</a></h3>"
        f"<p>{(PROSE[i % 4] + ' ' + PROSE[(i + 1) % 4])[:summary]}</p></{tag}>"
        for i in range(count)
    )


# -- a list of teasers, or an article beside one --------------------------------------------
def test_a_post_with_a_linked_title_beside_the_profile_box_is_no_list() -> None:
    # A lone blog post links its own title; the sidebar's profile box is another kind of block.
    html = page(
        "<div id='wrap'><div id='content'><h2>"
        "<a href='/2024/09/buses'>Night buses extended</a></h2>"
        f"<p>{PROSE[0]} {PROSE[1]}</p></div>"
        "<div id='about'><h3><a href='/about'>About this blog</a></h3>"
        "<p>Notes on transport in the city, "
        "written by a commuter who rides the night buses.</p></div></div>"
    )
    article = generic(html)
    assert (
        article is not None and PROSE[0] in article.body and "About this blog" not in article.body
    )


def test_a_short_item_above_more_stories_is_the_article() -> None:
    # The item is shorter than the list of other stories under it, which wins the vote.
    html = page(
        "<main><article><header><h1>Night buses extended to the east</h1></header>"
        f"<div class='item'><p>{PROSE[0]}</p><p>{PROSE[1]}</p></div></article>"
        f"<section class='stream'><h2>More stories</h2><ul>{teasers(8, summary=250)}</ul>"
        "</section></main>"
    )
    article = generic(html)
    assert article is not None and article.body == f"{PROSE[0]}\n\n{PROSE[1]}"


def test_a_page_declaring_one_article_keeps_its_roundup_of_teasers() -> None:
    head = "<title>The week in transport</title><meta property='og:type' content='article'>"
    html = page(
        (
            "<main><h1>The week in transport</h1>"
            f"<div class='slides'>{teasers(5, 'section', ' class=slide', 300)}</div></main>"
        ),
        head,
    )
    article = generic(html)
    assert article is not None and "Another story number 4 about the city" in article.body
    # Without the declaration the same page is a list.
    result = parse_page(
        page(html.split("<body>")[1].split("</body>")[0]),
        "https://x.test/week",
        fetched_at="2024-09-30T08:00:00Z",
        profiles=(),
    )
    assert result.article is None and result.detail == "listing"


# -- the page itself marked as boilerplate ---------------------------------------------------
LONG_STORY = "".join(f"<p>{p} {q}</p>" for p, q in zip(PROSE, PROSE[1:] + PROSE[:1], strict=True))


def test_a_page_wide_class_naming_the_sidebar_does_not_hide_the_article() -> None:
    # The wrapper names the layout ("two columns, sidebar on the right"); no <h1> overrules it.
    html = page(
        "<div id='site' class='layoutTwoColumnsRightSidebar site'>"
        f"<div class='content'>{LONG_STORY}</div>"
        "<div class='sidebar'><ul><li><a href='/a'>Archive</a></li></ul></div></div>"
    )
    article = generic(html)
    assert (
        article is not None and article.body.startswith(PROSE[0]) and "Archive" not in article.body
    )


def test_a_header_left_open_does_not_swallow_the_article() -> None:
    # No </header>: the parser puts the rest of the page inside it, the article too.
    html = page(
        "<header><a href='/'>City News</a><nav><a href='/a'>Politics</a></nav>"
        f"<div class='story'>{LONG_STORY}</div>"
    )
    article = generic(html)
    assert (
        article is not None and article.body.startswith(PROSE[0]) and "Politics" not in article.body
    )


def test_a_header_held_open_over_a_post_gives_the_post() -> None:
    # A stray end tag keeps the post's own <header> open over its text; the page around it
    # (navigation, a long footer) holds more text than the post.
    nav = "".join(f"<a href='/f/{i}'>Forum section number {i}</a> " for i in range(30))
    footer = "".join(f"<p>{p}</p>" for p in PROSE) * 2
    html = page(
        f"<nav>{nav}</nav><div class='thread'><div class='message'>"
        "<header class='message-attribution'>"
        f"<a href='/p/1'>Sep 18</a></ul><div class='message-body'>{LONG_STORY}</div></div></div>"
        f"<footer>{footer}</footer>"
    )
    article = generic(html)
    assert (
        article is not None
        and article.body.startswith(PROSE[0])
        and "Forum section" not in article.body
    )


def test_a_footer_is_no_article_when_the_page_renders_with_javascript() -> None:
    html = page(
        f"<div id='app'></div><footer><p>{PROSE[0]}</p><p>Imprint · Privacy · Contact</p></footer>"
    )
    result = parse_page(html, "https://x.test/a", fetched_at="2024-09-30T08:00:00Z", profiles=())
    assert result.article is None and result.detail == "no_body"


# -- a block chosen for its text, then emptied by the cleaning ---------------------------------
def test_a_photo_story_in_main_is_not_thrown_away_whole() -> None:
    # Each part is three pictures and a caption: "mostly pictures" for the cleaning, all of <main>.
    parts = "".join(
        (
            f"<div class='shot'><img src='/p/{i}a.jpg'><img src='/p/{i}b.jpg'>"
            f"<img src='/p/{i}c.jpg'><p>{p}</p></div>"
        )
        for i, p in enumerate(PROSE)
    )
    html = page(
        "<header><a href='/'>City News</a></header><main>"
        f"<h1>The night buses in pictures</h1>{parts}</main>"
    )
    article = generic(html)
    assert article is not None and article.body.startswith(PROSE[0]) and PROSE[3] in article.body


def test_a_product_page_keeps_its_tabs() -> None:
    # Key / value lists in tab panes, each with a link to its leaflet: "mostly links" for the
    # cleaning, and no other text on the page.
    tabs = "".join(
        f"<div class='tab-pane' id='t{i}'><ul><li>Form: tablet</li><li>Pack: {i * 20} pieces</li>"
        f"<li><a href='/leaflet/{i}.pdf'>Package leaflet for this pack (PDF)</a></li>"
        f"<li>{p[:40]}</li></ul></div>"
        for i, p in enumerate(PROSE)
    )
    html = page(
        f"<div class='product'><h1>Night drops D4</h1><div class='tab-content'>{tabs}</div></div>"
    )
    article = generic(html)
    assert (
        article is not None and "Form: tablet" in article.body and "Pack: 60 pieces" in article.body
    )


# -- a page that renders with JavaScript -------------------------------------------------------
def test_the_text_given_to_readers_without_javascript_is_the_body() -> None:
    html = page(
        "<div class='post'><h3 class='post-title'>Night buses extended</h3><div class='post-body'>"
        "<div class='post-content' itemprop='articleBody'><script>render(post)</script>"
        f"<noscript>{STORY}</noscript>"
        "</div></div></div><noscript><p>Please enable JavaScript to see the comments.</p>"
        "</noscript>"
    )
    article = generic(html)
    assert article is not None and article.body == "\n\n".join(PROSE)
    assert "<p>" + PROSE[0] in article.body_html


def test_a_noscript_notice_alone_is_no_article() -> None:
    html = page(
        "<div id='app'></div><noscript><p>Please enable JavaScript to use this site.</p></noscript>"
    )
    result = parse_page(html, "https://x.test/a", fetched_at="2024-09-30T08:00:00Z", profiles=())
    assert result.article is None and result.detail == "no_body"


# -- the lead above the article body's container ----------------------------------------------
LEAD = (
    "Shift workers have asked for night buses for two years; from January the east of the city "
    "gets four new routes, paid for by a small rise in the parking fee."
)


def lead_page(above: str) -> str:
    # The standfirst two levels above the declared body, beside the wrapper of byline and tags.
    return page(
        f"<div class='layout'><div class='story'><h1>Night buses extended to the east</h1>{above}"
        "<div class='content'><div class='byline'>By A. Writer</div>"
        f"<div itemprop='articleBody'>{STORY}</div>"
        "<div class='tags'><a href='/t/1'>Transport</a> <a href='/t/2'>City</a></div></div></div>"
        "<div class='sidebar'><ul><li><a href='/x'>Stadium plans unveiled</a></li></ul></div></div>"
    )


def test_the_lead_above_the_article_body_is_kept() -> None:
    article = generic(lead_page(f"<div class='lead'><p>{LEAD}</p></div>"))
    assert article is not None and article.body.startswith(LEAD + "\n\n" + PROSE[0])
    assert "Transport" not in article.body


def test_a_caption_above_the_article_body_is_no_lead() -> None:
    # The photo is named as an ad, so not measured: its caption is still no lead.
    photo = (
        "<div class='box'><img class='hero-ads' src='/p.jpg'>"
        f"<div class='caption-text'>{LEAD}</div></div>"
    )
    article = generic(lead_page(photo))
    assert article is not None and article.body.startswith(PROSE[0])


# -- a short Chinese lead with a date is no dateline -------------------------------------------
ZH = [
    (
        "城市公交公司表示，从明年一月起，夜间公交线路将延伸到东部新区，方便上夜班的工人和学生出行，新线路共有四条，"
        "预计每晚乘客约四千人次，比现有夜班线路多出三分之一左右，票价保持不变，首班车于晚上十一点发车。"
    ),
    (
        "也有市民表示，这笔每年约两百万元的资金，用来增加白天班次可能会让更多人受益，希望相关部门再作研究；"
        "公交公司回应说，半年后将对新线路进行评估，并公布每个站点的客流数据，客流少的站点会调整或取消。"
    ),
]


def test_a_short_chinese_lead_sentence_with_a_date_is_kept() -> None:
    # Shorter than a Latin paragraph, with a date in it: still a sentence, not a dateline.
    lead = "据本报消息，2024年5月16日，市政府常务会议通过了夜班公交线路延伸方案。"
    html = page(
        "<div class='article'><h1>夜班公交延伸到东部新区</h1>"
        "<p>2024年5月16日 09:30 来源：城市日报</p>"
        f"<p>{lead}</p><p>{ZH[0]}</p><p>{ZH[1]}</p></div>",
        "<title>夜班公交延伸到东部新区</title>",
    )
    article = generic(html)
    assert article is not None and article.body.startswith(lead + "\n\n" + ZH[0])


# -- the lead in the article's header, between the headline and the body ----------------------
def header_page(header_extra: str) -> str:
    # The lead sits in the article's <header> under the <h1>; the body's container is its sibling.
    return page(
        "<header class='site'><a href='/'>City News</a><nav><a href='/a'>Politics</a></nav>"
        "</header>"
        "<main><article><header class='article-header'>"
        f"<h1>Night buses extended to the east</h1>{header_extra}"
        "<div class='byline'>By A. Writer, 29 September 2024</div></header>"
        f"<div class='article-text'>{STORY}</div></article></main>"
    )


def test_the_lead_in_the_article_header_is_kept() -> None:
    article = generic(header_page(f"<p class='article-lead'>{LEAD}</p>"))
    assert article is not None and article.body.startswith(LEAD + "\n\n" + PROSE[0])
    assert "A. Writer" not in article.body and "Politics" not in article.body


def test_a_deck_or_a_caption_in_the_article_header_is_no_lead() -> None:
    # A deck is the title's (reader views leave it out); a caption is the picture's.
    for extra in (
        f"<p class='dek'>{LEAD}</p>",
        f"<div class='intro'><img src='/p.jpg'><p class='photo-caption'>{LEAD}</p></div>",
    ):
        article = generic(header_page(extra))
        assert article is not None and article.body.startswith(PROSE[0])


def test_a_short_lead_in_its_own_block_before_the_body_is_kept() -> None:
    # A news template's teaser block: one sentence in a <div> around a <p>, before the body's block.
    lead = "What the riders had asked for since spring is now decided, and paid for."
    html = page(
        "<div class='news-single'><div class='article'><h3>Night buses extended</h3>"
        "<div class='news-date'>29.09.2024</div>"
        f"<div class='teaser-text'><p>{lead}</p></div><div class='news-text-wrap'>{STORY}</div>"
        "<div class='news-backlink'><a href='/news'>Back</a></div></div></div>"
    )
    article = generic(html)
    assert article is not None and article.body.startswith(lead + "\n\n" + PROSE[0])
    assert "29.09.2024" not in article.body


# -- a picture's copyright line inside the body -------------------------------------------------
def test_a_copyright_line_under_a_picture_in_the_body_is_left_out() -> None:
    picture = (
        "<div class='media'><img src='/p.jpg' alt=''>"
        "<p class='image-copyright'>Night shift photo agency, all rights reserved</p></div>"
    )
    html = page(
        "<div class='story'><h1>Night buses extended</h1>"
        f"<p>{PROSE[0]}</p>{picture}<p>{PROSE[1]}</p><p>{PROSE[2]}</p></div>"
    )
    article = generic(html)
    assert article is not None and article.body == "\n\n".join(PROSE[:3])


# -- a field whose label is hidden is shown ------------------------------------------------------
def test_a_drupal_field_with_its_label_hidden_is_kept() -> None:
    # `field--label-hidden` hides the field's label, not the field holding half of the text.
    shown = f"<div class='field field--name-intro'><p>{PROSE[0]}</p><p>{PROSE[1]}</p></div>"
    hidden = (
        f"<div class='field field--name-field-details field--label-hidden'><p>{PROSE[2]}</p>"
        f"<p>{PROSE[3]}</p></div>"
    )
    html = page(
        f"<main><div class='node'><h1>Night buses extended</h1>{shown}{hidden}</div></main>"
    )
    article = generic(html)
    assert article is not None and article.body == "\n\n".join(PROSE)


def test_a_how_to_whose_steps_clip_their_overflow_is_kept() -> None:
    # `overflow-hidden` (a CSS utility: what overflows the box is clipped) shows the box; the
    # steps of a short how-to are all of its text.
    steps = "".join(
        f"<div class='step'><span class='num'>{i}</span><p>{p}</p></div>"
        for i, p in enumerate(PROSE, 1)
    )
    html = page(
        "<div class='tips'><h1>Night buses extended</h1>"
        f"<div class='tip-steps overflow-hidden'>{steps}</div></div>"
    )
    article = generic(html)
    assert article is not None and all(p in article.body for p in PROSE)


# -- a block of links holding the steps ----------------------------------------------------------
def test_the_steps_beside_a_list_of_shop_links_are_kept() -> None:
    # A recipe's tabs: the ingredients link to the shop (a third of the text), the steps are
    # prose. The links make the tabs "mostly links"; the steps are judged on their own.
    shop = "".join(
        f"<li><a href='/shop/{i}'>{name}</a></li>"
        for i, name in enumerate(
            [
                "Rolled oats 80 grams",
                "Oat milk 300 millilitres",
                "Ground linseed two spoons",
                "Two apples sliced thinly",
                "Cinnamon and vanilla sugar",
                "Walnuts a handful roasted",
                "Maple syrup to taste",
            ]
        )
    )
    steps = [
        (
            "Bring the oat milk to a simmer with the oats and the cinnamon and stir for five "
            "minutes until the porridge is thick and creamy."
        ),
        (
            "Roast the walnuts in a dry pan, slice the apples thinly and serve them on the "
            "porridge with the linseed and a little maple syrup."
        ),
    ]
    # Links in the steps (an eighth of their text) leave them text, as they would be alone.
    linked = [
        steps[0].replace("the oat milk", "<a href='/shop/1'>the oat milk</a>"),
        steps[1].replace("a little maple syrup", "<a href='/shop/6'>a little maple syrup</a>"),
    ]
    html = page(
        f"<div class='recipe'><h1>Apple porridge</h1>{STORY}<div class='tabs'>"
        f"<div class='tab'><ul>{shop}</ul></div><div class='tab' id='preparation'>"
        + "".join(f"<div class='step'><p>{step}</p></div>" for step in linked)
        + "</div></div></div>"
    )
    article = generic(html)
    assert article is not None and all(step in article.body for step in steps)
    assert "Rolled oats" not in article.body


def test_a_paragraph_among_pictures_is_kept() -> None:
    # Three pictures and one paragraph: "mostly pictures" for the cleaning, but the paragraph
    # is most of the block's text and is prose.
    pictures = "".join(f"<img src='/bus{i}.jpg' alt=''>" for i in range(3))
    text = " ".join(PROSE[:3])
    html = page(
        f"<div class='story'><h1>Night buses extended</h1>{STORY}"
        f"<div class='row'>{pictures}<p>{text}</p></div></div>"
    )
    article = generic(html)
    assert article is not None and article.body.endswith(text)


# -- a slideshow shows one slide at a time --------------------------------------------------------
def test_the_hidden_slides_of_a_slideshow_article_are_kept() -> None:
    # A script shows one slide at a time; the others are hidden by a class and a style. They
    # are the article's text, named like the slide shown; a hidden share box stays out.
    slides = "".join(
        f"<div class='slide{' hidden' if i else ''}' style='display: {'none' if i else 'block'};'>"
        f"<h2>Stop {i + 1}</h2><p>{p}</p></div>"
        for i, p in enumerate(PROSE)
    )
    html = page(
        f"<div class='gallery'><h1>Night buses extended</h1>{slides}"
        "<div class='share hidden' style='display:none'><p>Share this slideshow with a friend "
        "who rides the night buses every week.</p></div></div>"
    )
    article = generic(html)
    assert article is not None and all(p in article.body for p in PROSE)
    assert "Share this" not in article.body


# -- a short code sample in the body --------------------------------------------------------------
def test_a_short_code_sample_in_its_wrapper_is_kept() -> None:
    # Under 25 characters in a copy-button wrapper: "mostly not text" for the cleaning.
    sample = "<div class='snippet-clipboard'><pre>pip install nightbus</pre></div>"
    html = page(
        f"<div class='readme'><h1>nightbus</h1><p>{PROSE[0]}</p>{sample}<p>{PROSE[1]}</p>"
        f"<p>{PROSE[2]}</p></div>"
    )
    article = generic(html)
    assert article is not None and "pip install nightbus" in article.body
