"""A profile's body block keeps its text but loses the parts its markup marks as boilerplate
(WordPress's `.entry-content` on any host holds captions, share buttons, related posts); and
names inside a heading or code never hide it (issue 14)."""

from __future__ import annotations

from test_generic import PROSE, generic, page

from archiver.extract.parse import parse_page

WP_HEAD = "<title>Night buses</title><meta name='generator' content='WordPress 6.4'>"


def wordpress(inside: str) -> str:
    return page(
        "<article class='post'><h1 class='entry-title'>Night buses extended</h1>"
        f"<div class='entry-content'>{inside}</div></article>",
        head=WP_HEAD,
    )


def test_a_profile_body_loses_captions_share_bars_and_related_posts() -> None:
    html = wordpress(
        f"<p>{PROSE[0]}</p>"
        "<figure><img src='/bus.jpg' alt='A night bus'><figcaption>Photo: Ann Lee / City "
        "News</figcaption></figure>"
        f"<p>{PROSE[1]}</p>"
        "<div class='social-share'><a href='https://facebook.com/x'>Share</a> "
        "<a href='https://pinterest.com/y'>Pin it</a></div>"
        f"<p>{PROSE[2]}</p>"
        "<h3>Related posts</h3><ul><li><a href='/2024/08/tram'>Tram line gets a new stop</a></li>"
        "<li><a href='/2024/07/bikes'>Bike lanes for the east side</a></li></ul>"
    )
    result = parse_page(html, "https://blog.example.net/night-buses/", fetched_at="2024-09-30")
    article = result.article
    assert article is not None and article.extractor == "wordpress"
    assert article.body == "\n\n".join(PROSE[:3])
    # The picture is the post's own: only its caption goes.
    assert "<img" in article.body_html and "Ann Lee" not in article.body_html


def test_a_profile_body_keeps_its_short_linked_items_and_a_trailing_source() -> None:
    # What the generic layer guesses by shape (a list of short linked items, a link line after
    # the last paragraph) is the post's own text inside the block its template marks.
    ingredients = "".join(
        f"<li><a href='/shop/{n}'>{n}</a> 200 g</li>" for n in ("flour", "sugar", "butter")
    )
    html = wordpress(
        f"<p>{PROSE[0]}</p><ul>{ingredients}</ul><p>{PROSE[1]}</p>"
        "<p>Source: <a href='https://transit.example.org/report'>the transit report</a></p>"
    )
    result = parse_page(html, "https://blog.example.net/night-buses/", fetched_at="2024-09-30")
    article = result.article
    assert article is not None and article.extractor == "wordpress"
    assert "flour 200 g" in article.body and "Source: the transit report" in article.body


def test_names_inside_a_heading_or_code_do_not_hide_them() -> None:
    # A table of contents' anchor around a heading; a highlighter's comment token.
    html = page(
        "<div><h1>Night buses</h1><div class='story'>"
        f"<p>{PROSE[0]}</p>"
        "<h2><span class='ez-toc-section' id='routes'>The new routes</span></h2>"
        f"<p>{PROSE[1]}</p>"
        "<pre><code>buses = plan()\n<span class='token comment'># night only</span>\n</code></pre>"
        f"<p>{PROSE[2]}</p></div></div>"
    )
    article = generic(html)
    assert article is not None
    assert "The new routes" in article.body and "# night only" in article.body


def test_a_profile_body_loses_a_bare_link_to_another_post_after_the_text() -> None:
    # The link lines after the text are a guess by shape the profile's block is spared; a
    # paragraph that is only the title of another post of the same site is no such guess.
    html = wordpress(
        "".join(f"<p>{p}</p>" for p in PROSE[:3])
        + "<blockquote><p><a href='https://blog.example.net/tram-drivers-strike/'>Tram "
        "drivers vote to strike in October</a></p></blockquote>"
    )
    result = parse_page(html, "https://www.blog.example.net/night-buses/", fetched_at="2024-09-30")
    article = result.article
    assert article is not None and article.extractor == "wordpress"
    assert article.body == "\n\n".join(PROSE[:3])
