"""Which block is the article: the generic layer's choice on small hand-written pages, one per
class of wrong choice seen on pages nobody here wrote (issue 14)."""

from __future__ import annotations

from test_body_classes import LONG_STORY
from test_generic import PROSE, generic, page

STORY = "".join(f"<p>{p}</p>" for p in PROSE)
NAV = (
    "<ul class='links'><li><a href='/a'>Rural life</a></li><li><a href='/b'>Farming</a></li>"
    "<li><a href='/c'>Forests</a></li><li><a href='/d'>Water</a></li></ul>"
)


def test_an_intro_box_named_as_text_does_not_stand_for_the_paragraphs_beside_it() -> None:
    # A page template's intro box (a short text named `intro__text`: the name wins it the vote)
    # with the story's paragraphs one level up, beside the box: the paragraphs are the article.
    html = page(
        "<div class='page'><div class='col'>"
        "<div class='intro'><h1>Night buses extended</h1>"
        "<div class='intro__text'><p>In 2024 the forum on rural transport met for the fifth "
        "time.</p></div>"
        "<div class='intro__hero'><img src='/a.jpg' alt=''></div></div>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + f"<div class='more'>{NAV}</div></div></div>"
    )
    article = generic(html)
    assert article is not None
    assert all(p in article.body for p in PROSE)
    assert "Rural life" not in article.body


def test_a_short_text_box_beside_a_teaser_list_stays_the_article() -> None:
    # The rule above does not reach for links: teasers beside a short article are no body.
    teasers = "".join(
        (
            f"<div class='teaser'><h3><a href='/s/{i}'>Another story {i}</a></h3><p>"
            f"<a href='/s/{i}'>{PROSE[i % 4]}</a></p></div>"
        )
        for i in range(6)
    )
    html = page(
        "<div class='page'><div class='col'>"
        f"<h1>Night buses extended</h1><div class='text'><p>{PROSE[0]}</p><p>{PROSE[1]}</p></div>"
        f"{teasers}</div></div>"
    )
    article = generic(html)
    assert article is not None
    assert PROSE[0] in article.body and "Another story" not in article.body


def test_a_report_in_sections_named_alike_keeps_every_section_under_its_lead() -> None:
    # The longest section's text wins the vote; the lead paragraph above the sections takes
    # the body up to their wrapper, and the shorter sections named like the first are the
    # report's too, not the page around it.
    lead = (
        "The transit authority published its yearly report on Monday, with a section on the "
        "night buses and one on the trams, both drawn from a survey of riders."
    )
    second = (
        "Tram riders, asked the same questions, were less pleased with the service, and most of "
        "them named the crowding in the morning as what they would change first."
    )
    html = page(
        "<div class='note'><h1>Yearly report on transport</h1>"
        f"<div class='lead-text'><p>{lead}</p></div><div class='sections'>"
        "<section class='part'><h2>Night buses</h2><div class='part-text'>"
        f"{STORY}</div></section>"
        f"<section class='part'><h2>Trams</h2><div class='part-text'><p>{second}</p></div>"
        f"</section></div><div class='more'>{NAV}</div></div>"
    )
    article = generic(html)
    assert article is not None
    assert article.body.startswith(lead) and PROSE[3] in article.body and second in article.body
    assert "Rural life" not in article.body


def test_the_unnamed_sections_of_a_page_builder_are_one_article() -> None:
    # A page builder puts each text block in a <section> of its own, named nothing: the long
    # one wins the vote, the short one after the picture is the article's too.
    after = (
        "At the last stop the drivers wait ten minutes for the late trains, so that nobody who "
        "works the evening shift is left standing in the cold."
    )
    html = page(
        "<main><section><h1>Night buses extended</h1></section><section><div class='rich'>"
        f"{STORY}</div></section><section><img src='/bus.jpg' alt=''></section>"
        f"<section><div class='rich'><p>{after}</p></div></section>"
        f"<section>{NAV}</section></main>"
    )
    article = generic(html)
    assert article is not None
    assert PROSE[0] in article.body and article.body.endswith(after)
    assert "Rural life" not in article.body


def test_the_story_beside_the_accordion_around_the_chosen_block_is_kept() -> None:
    # The longest text is a panel of an accordion (background notes), wrapped three deep;
    # the story's own blocks stand beside the accordion, not beside the panel. A short box
    # inside the wrappers stays out.
    story = (
        "Riders in the east waited two years for the vote, and the petition that won it was "
        "started by a nurse who works the night shift at the city hospital, she said."
    )
    more = (
        "The first new bus leaves the central station at midnight, and the last one comes back "
        "at five in the morning, in time for the early trams to take over the routes."
    )
    html = page(
        "<div class='news'><h1>Night buses extended</h1>"
        f"<div class='media'><p>{story}</p><p>{story}</p></div>"
        f"<div class='media'><p>{more}</p><p>{more}</p></div>"
        "<div id='c1'><div class='accordion'><div class='panel'>"
        "<div class='panel-heading'><a href='#notes'>Background notes</a></div>"
        f"<div class='panel-collapse' id='notes'>{LONG_STORY}</div></div></div>"
        "<div class='box'><p>Local news needs you: give what you can today.</p></div></div>"
        f"<div class='more'>{NAV}</div></div>"
    )
    article = generic(html)
    assert article is not None
    assert story in article.body and more in article.body and PROSE[3] in article.body
    assert "Rural life" not in article.body and "Local news needs you" not in article.body
