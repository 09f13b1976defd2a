"""Site profiles (loading, validation, matching, first-match-wins, fallback), field sources,
and the Markdown rendering of article bodies."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin

import jsonschema
import pytest
from conftest import FETCHED_AT, FIXTURES, SITE, project_settings
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from archiver.archive.schema import SCHEMA_PATH
from archiver.crawl.spider import ArticlesSpider
from archiver.extract import parse_page
from archiver.extract.profiles import (
    Profile,
    ProfileError,
    builtin_profiles,
    find_profile,
    load_profiles,
    parse_profile,
)
from archiver.extract.render import render_body
from archiver.serialize import article_to_dict

MINIMAL = '[match]\nhosts = ["example.test"]\n'


def profile(text: str) -> Profile:
    return parse_profile(text, "test.toml", "test")


# -- loading and validation -------------------------------------------------------------
def test_builtin_profiles_load_host_specific_first() -> None:
    names = [p.name for p in builtin_profiles()]
    assert set(names) == {"cnblogs", "csdn-blog", "csdn-mirror", "wordpress"}
    with_hosts = [bool(p.hosts) for p in builtin_profiles()]
    assert with_hosts == sorted(with_hosts, reverse=True), (
        "profiles naming hosts must be tried first"
    )


def test_a_complete_profile_loads() -> None:
    p = profile(
        """
        name = "my-site"
        timezone = "Asia/Shanghai"
        [match]
        hosts = ["*.Example.test"]
        signature = ["div.post"]
        [listing]
        article_links = ["h2 a::attr(href)"]
        next_page = "a.next::attr(href)"
        pagination = [".pager"]
        [article]
        title = ["h1.t", "h1"]
        published = ["time::attr(datetime)", "span.date"]
        body = ".content"
        remove = [".ads"]
        """
    )
    assert p.name == "my-site" and p.hosts == ("*.example.test",) and p.signature == ("div.post",)
    assert p.listing.next_page == ("a.next::attr(href)",)  # a single string is a one-item list
    assert p.article.title == ("h1.t", "h1") and p.article.related_link == ("a[href]",)
    assert str(p.timezone) == "Asia/Shanghai"


@pytest.mark.parametrize(
    "text, message",
    [
        ("colour = 1\n" + MINIMAL, "test.toml: unknown keys ['colour']"),
        (MINIMAL + "[article]\ntitel = 'h1'\n", "test.toml.article: unknown keys ['titel']"),
        ('[match]\nhost = ["a.test"]\n', "test.toml.match: unknown keys ['host']"),
        (MINIMAL + "[article]\ntitle = 'h1[[x'\n", "test.toml.article.title: bad selector 'h1[[x'"),
        (
            MINIMAL + "[article]\ntitle = 'h1:no-such-class'\n",
            "test.toml.article.title: bad selector 'h1:no-such-class'",
        ),
        (
            MINIMAL + "[article]\nbody = 'div::text'\n",
            "test.toml.article.body: selector 'div::text' must select elements",
        ),
        (
            MINIMAL + "[listing]\narticle_links = 'h2 a'\n",
            "must select an attribute (e.g. `a::attr(href)`)",
        ),
        (
            MINIMAL + "[article]\ntags = [1, 2]\n",
            "test.toml.article.tags: expected a CSS selector or a list of them",
        ),
        (
            "timezone = 'Mars/Olympus'\n" + MINIMAL,
            "test.toml.timezone: expected an offset like +08:00 or a zone",
        ),
        ("timezone = '+8'\n" + MINIMAL, "test.toml.timezone"),
        ("[article]\ntitle = 'h1'\n", "test.toml.match: give hosts, a signature, or both"),
        ("name = 'Generic'\n" + MINIMAL, "test.toml.name"),
        ("name = 'generic'\n" + MINIMAL, "not 'generic'"),
        (MINIMAL + "[article\n", "test.toml: "),
        ("[match]\nhosts = 'a.test'\nsignature = 3\n", "test.toml.match.signature"),
    ],
)
def test_bad_profiles_fail_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        profile(text)
    assert message in str(caught.value)


def test_duplicate_profile_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('name = "same"\n' + MINIMAL, encoding="utf-8")
    (tmp_path / "b.toml").write_text('name = "same"\n' + MINIMAL, encoding="utf-8")
    with pytest.raises(ProfileError, match="b.toml: profile name 'same' already used by a.toml"):
        load_profiles(sorted(tmp_path.iterdir()))


def test_iana_timezone_dates_get_the_zone_offset() -> None:
    p = profile(
        'timezone = "Asia/Shanghai"\n'
        + MINIMAL
        + "[article]\ntitle = 'h1'\nbody = '#b'\npublished = 'span.d'\n"
    )
    html = (
        "<html><body><h1>T</h1><span class=d>2024-09-27 10:20:31</span><div id=b>"
        f"<p>{'正文' * 50}</p></div></body></html>"
    )
    article = parse_page(
        html, "https://example.test/a", fetched_at=FETCHED_AT, profiles=(p,)
    ).article
    assert article is not None and article.published == "2024-09-27T10:20:31+08:00"


# -- matching ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url, matched",
    [
        ("https://blog.csdn.net/u/article/details/1", True),
        ("https://someone.blog.csdn.net/article/details/1", True),
        ("https://BLOG.CSDN.NET:443/u/article/details/1", True),
        ("https://blog.csdn.net.evil.test/u/article/details/1", False),
        ("https://csdn.net/u/article/details/1", False),
    ],
)
def test_host_globs(url: str, matched: bool) -> None:
    p = profile('[match]\nhosts = ["blog.csdn.net", "*.blog.csdn.net"]\n')
    assert p.matches(url, Selector(text="<html></html>").root) is matched


def test_signature_needs_every_selector_and_the_host_when_both_are_given() -> None:
    p = profile('[match]\nhosts = ["*.test"]\nsignature = ["div.a", "div.b"]\n')
    both = Selector(text="<div class=a></div><div class=b></div>").root
    assert p.matches("https://x.test/", both)
    assert not p.matches("https://x.test/", Selector(text="<div class=a></div>").root)
    assert not p.matches("https://x.example/", both)


def test_find_profile_takes_the_first_that_matches() -> None:
    first = profile('name = "first"\n[match]\nsignature = ["div.a"]\n')
    second = profile('name = "second"\n[match]\nsignature = ["div"]\n')
    sel = Selector(text="<div class=a></div>").root
    assert find_profile((first, second), "https://x.test/", sel) is first
    assert find_profile((second, first), "https://x.test/", sel) is second
    assert find_profile((first,), "https://x.test/", Selector(text="<p></p>").root) is None


@pytest.mark.parametrize(
    "page, url, name",
    [
        (
            "csdn-blog/article-142588338.html",
            "https://blog.csdn.net/u/article/details/142588338",
            "csdn-blog",
        ),
        ("cnblogs/p-18434567.html", "https://www.cnblogs.com/linjian/p/18434567", "cnblogs"),
        # WordPress and the CSDN-mirror CMS are recognised by their markup on any host.
        ("wordpress/backups-mit-restic.html", "https://any-host.example/post/", "wordpress"),
        ("wordpress/index.html", "https://any-host.example/", "wordpress"),
        ("site/news/2024092701.html", "https://mirror.example/news/1.html", "csdn-mirror"),
        ("csdn-blog/article-142588338.html", "https://mirror.example/copy.html", None),
    ],
)
def test_builtin_profile_recognition(page: str, url: str, name: str | None) -> None:
    sel = Selector(text=(FIXTURES / page).read_text(encoding="utf-8")).root
    found = find_profile(builtin_profiles(), url, sel)
    assert (found.name if found else None) == name


# -- first match wins ------------------------------------------------------------------------
FIRST_MATCH = """<html><body>
<h1 class=second>Second title</h1><h1>Plain h1</h1>
<div class=info><span class="time">已于 2024-09-29 16:05:12 修改</span>
<span class="time blog-postTime" data-time="2024-09-28 09:14:07">\
于 2024-09-28 09:14:07 首次发布</span></div>
<div class=tags><a>x</a></div><div class=alt-tags><a>alpha</a><a>beta</a><a>alpha</a></div>
<div id=b><p>{body}</p></div></body></html>""".replace("{body}", "Body text. " * 40)


def test_a_selector_list_takes_the_first_selector_that_matches() -> None:
    p = profile(
        MINIMAL
        + """[article]
title = ["h1.missing", "h1.second", "h1"]
published = ["span.missing", "span.blog-postTime::attr(data-time)", "span.time"]
tags = ["div.none a", "div.alt-tags a", "div.tags a"]
body = ["#none", "#b"]
"""
    )
    article = parse_page(
        FIRST_MATCH, "https://example.test/a", fetched_at=FETCHED_AT, profiles=(p,)
    ).article
    assert article is not None
    assert article.title == "Second title"
    assert article.published == "2024-09-28T09:14:07"
    assert article.tags == ("alpha", "beta")  # deduplicated, page order
    assert article.extractor == "test" and article.field_sources.body == "profile"


# -- fallback --------------------------------------------------------------------------------
# A cnblogs post after a template change: #cnblogs_post_body is still there but empty, the
# text moved to a new container. The profile matches; the generic layer must find the body.
MOVED_BODY = """<html lang="zh-cn"><head><title>新模板 - 林间小径 - 博客园</title></head><body>
<div id="topics"><div class="post">
<h1 class="postTitle"><a id="cb_post_title_url" href="https://www.cnblogs.com/linjian/p/1">新模板下的文章</a></h1>
<div id="cnblogs_post_body"></div>
<article class="post-body-v2">
<p>{p}</p><p>{p}</p><p>{p}</p>
</article>
<div class="postDesc">posted @ <span id="post-date">2024-09-27 10:20</span> <a href="https://www.cnblogs.com/linjian">林间小径</a></div>
</div></div></body></html>""".replace(
    "{p}", "博客园改版之后，正文换到了一个新的容器里，旧的选择器找不到任何文字。" * 3
)
MOVED_URL = "https://www.cnblogs.com/linjian/p/1"


def test_a_profile_without_a_body_falls_back_to_the_generic_layer() -> None:
    result = parse_page(MOVED_BODY, MOVED_URL, fetched_at=FETCHED_AT)
    assert result.profile_missed and result.profile == "cnblogs" and result.extractor == "generic"
    article = result.article
    assert article is not None and article.extractor == "generic"
    assert "博客园改版之后" in article.body
    # Fields the profile still finds keep coming from it.
    assert article.title == "新模板下的文章" and article.field_sources.title == "profile"
    assert (
        article.published == "2024-09-27T10:20:00+08:00"
        and article.field_sources.published == "profile"
    )
    assert article.field_sources.body == "generic"


def test_the_spider_counts_profile_misses_by_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the crawl state goes to ./archive of the test's own folder
    crawler = get_crawler(ArticlesSpider, settings_dict=project_settings())
    crawler.stats = MemoryStatsCollector(crawler)
    spider = ArticlesSpider.from_crawler(crawler)
    crawler.spider = spider
    response = HtmlResponse(
        url=MOVED_URL, body=MOVED_BODY.encode(), encoding="utf-8", request=Request(MOVED_URL)
    )
    out = list(spider.parse_article(response))
    assert len(out) == 1 and out[0].extractor == "generic"
    assert crawler.stats.get_value("archiver/profile_miss/cnblogs") == 1
    assert crawler.stats.get_value("archiver/profile_miss/generic") is None


# -- field sources ---------------------------------------------------------------------------
GENERIC_PAGE = """<html{lang}><head>{meta}</head><body>
<h1>Heading title</h1><time datetime="2024-05-01T08:00:00+00:00">May 1</time>
<article><p>{p}</p><p>{p}</p></article></body></html>"""
BODY_EN = "A paragraph long enough for the generic layer to take it as the article body. " * 3
BODY_ZH = "这是一段足够长的中文正文，通用层会把它当作文章的主体内容来提取。" * 4


def generic_sources(lang: str = "", meta: str = "", body: str = BODY_EN) -> dict[str, str | None]:
    html = GENERIC_PAGE.format(lang=lang, meta=meta, p=body)
    article = parse_page(
        html, "https://plain.example/a", fetched_at=FETCHED_AT, profiles=()
    ).article
    assert article is not None
    return article_to_dict(article)["field_sources"]


def test_field_sources_without_metadata_are_generic_or_null() -> None:
    sources = generic_sources(body=BODY_ZH)
    assert sources["title"] == "generic" and sources["body"] == "generic"
    assert sources["published"] == "generic"  # <time datetime> in the markup
    assert sources["language"] == "generic"  # detected from the script
    for key in ("canonical_url", "description", "tags", "author", "breadcrumb", "toc", "related"):
        assert sources[key] is None, key


def test_field_sources_credit_the_metadata_layer() -> None:
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "BlogPosting", "author": {"@type": "Person", "name": "Ann Author"}},
            {"@type": "BreadcrumbList", "itemListElement": [{"name": "Home"}, {"name": "Post"}]},
        ],
    }
    meta = (
        '<meta property="og:title" content="OG title"><meta name="description" content="D">'
        '<meta property="article:published_time" content="2024-04-30T10:00:00Z">'
        '<meta name="keywords" content="a, b"><link rel="canonical" href="/canon">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    )
    sources = generic_sources(' lang="en"', meta)
    expected = dict.fromkeys(
        (
            "title",
            "published",
            "author",
            "tags",
            "description",
            "canonical_url",
            "breadcrumb",
            "language",
        ),
        "metadata",
    )
    assert {k: sources[k] for k in expected} == expected
    assert sources["body"] == "generic"


def test_schema_pins_field_source_values() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    golden = json.loads(
        (FIXTURES / "csdn-blog" / "article-142588338.article.json").read_text(encoding="utf-8")
    )
    record = golden["expected"]
    jsonschema.validate(record, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**record, "field_sources": {**record["field_sources"], "title": "guess"}}, schema
        )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**record, "field_sources": {"title": "profile"}}, schema)


# -- Markdown --------------------------------------------------------------------------------
def markdown(body: str, skip_css: str = "") -> str:
    root = Selector(text=f"<html><body><div id=root>{body}</div></body></html>").css("#root")[0]
    skip = {n.root for n in root.css(skip_css)} if skip_css else set()
    return render_body(
        root.root, skip, lambda href: urljoin("https://site.test/a/b.html", href)
    ).markdown


def test_markdown_headings_paragraphs_and_inline_markup() -> None:
    md = markdown(
        '<h2><a id="_1"></a>一、标题</h2><p>Text with <strong>bold</strong>, <em>em</em>, '
        "<code>x = 1</code>"
        ' and a <a href="../c.html">relative link</a>.<br>Second line.</p><h4>Deep</h4>'
        '<p><img src="/i.png" alt="pic"></p><hr><p>after</p>'
    )
    assert md == (
        "## 一、标题\n\n"
        "Text with **bold**, *em*, `x = 1` and a [relative "
        "link](https://site.test/c.html).\\\nSecond line.\n\n"
        "#### Deep\n\n![pic](https://site.test/i.png)\n\n---\n\nafter"
    )


def test_markdown_nested_and_ordered_lists() -> None:
    md = markdown(
        "<ul><li>one</li><li>two<ul><li>two.a</li><li>two.b</li></ul></li><li>three</li></ul>"
        '<ol start="3"><li>third</li><li><p>fourth</p><p>more</p></li></ol>'
    )
    assert md == "- one\n- two\n  - two.a\n  - two.b\n- three\n\n3. third\n4. fourth\n\n   more"


def test_markdown_code_blocks_keep_language_and_whitespace() -> None:
    md = markdown(
        '<pre class="prettyprint"><code class="prism language-java has-numbering">if (a) {\n '
        "   b();\n}\n</code>"
        '<ul class="pre-numbering"><li>1</li><li>2</li><li>3</li></ul></pre>'
        '<pre class="brush: bash; title: ; notranslate">\nls -la\n</pre>'
        "<pre><code>has ``` inside</code></pre>",
        skip_css="ul.pre-numbering",
    )
    assert md == (
        "```java\nif (a) {\n    b();\n}\n```\n\n```bash\nls -la\n```\n\n````\nhas ``` inside\n````"
    )


def test_markdown_tables_and_blockquotes() -> None:
    md = markdown(
        "<table><caption>Results</caption><thead><tr><th>name</th><th>a|b</th></tr></thead>"
        "<tbody><tr><td><p>x</p></td><td><code>1</code></td></tr><tr><td>only one</td></tr>"
        "</tbody></table>"
        "<blockquote><p>quoted</p><p>twice</p><blockquote><p>nested</p></blockquote></blockquote>"
    )
    assert md == (
        "Results\n\n| name | a\\|b |\n| --- | --- |\n| x | `1` |\n| only one | |\n\n"
        "> quoted\n>\n> twice\n>\n> > nested"
    )


def test_markdown_escapes_text_that_would_read_as_markup() -> None:
    md = markdown(
        "<p># not a heading</p><p>1. not a list</p><p>2 * 3 * 4 and snake_case and [x](y)</p>"
    )
    assert md == "\\# not a heading\n\n1\\. not a list\n\n2 \\* 3 \\* 4 and snake_case and [x\\](y)"


def test_golden_markdown_of_a_csdn_page_has_no_line_numbers() -> None:
    golden = json.loads(
        (FIXTURES / "csdn-blog" / "article-142588338.article.json").read_text(encoding="utf-8")
    )
    md = golden["expected"]["body_markdown"]
    assert "```java\n@Component\npublic class RedisLock {" in md
    assert "\n1\n2\n3" not in md and "登录后复制" not in md and "文章目录" not in md
    assert "| 方案 | 可重入 | 自动续期 | 实现难度 |" in md


def test_site_fixtures_still_use_their_profile() -> None:
    golden = json.loads((SITE / "news" / "2024092701.article.json").read_text(encoding="utf-8"))
    assert golden["expected"]["extractor"] == "csdn-mirror"


# A WordPress post whose theme writes neither h1.entry-title nor .entry-content (21 of the
# 33 WordPress pages of aeb-dev): the CMS-wide profile matches, the generic layer answers.
OTHER_THEME = """<html lang="en"><head><title>Why we moved to Restic - Home Lab</title>
<meta name="generator" content="WordPress 6.5.2">
<link rel="stylesheet" href="https://lab.example/wp-content/themes/magazine/style.css"></head>
<body class="post-template-default single single-post postid-7">
<header class="site-header"><a href="/">Home Lab</a></header>
<main><h1 class="headline">Why we moved to Restic</h1>
<div class="story-text"><p>{p}</p><p>{p}</p><p>{p}</p></div></main>
<footer>© Home Lab</footer></body></html>""".replace(
    "{p}",
    "Restic deduplicates every snapshot, so a nightly backup of the whole server takes minutes. "
    * 3,
)


def test_a_wordpress_post_in_another_theme_falls_back_to_the_generic_layer() -> None:
    result = parse_page(OTHER_THEME, "https://lab.example/restic/", fetched_at=FETCHED_AT)
    assert result.profile == "wordpress" and result.profile_missed and result.extractor == "generic"
    assert result.article is not None and result.article.title == "Why we moved to Restic"
    assert result.article.body.startswith("Restic deduplicates every snapshot")
    assert "Home Lab" not in result.article.body


@pytest.mark.parametrize(
    "body_class", ["home blog", "archive category", "search search-results", "error404"]
)
def test_wordpress_pages_that_are_not_posts_are_rejected(body_class: str) -> None:
    page = OTHER_THEME.replace("post-template-default single single-post postid-7", body_class)
    result = parse_page(page, "https://lab.example/page/2/", fetched_at=FETCHED_AT)
    assert (
        result.article is None and result.reason == "not_article" and result.profile == "wordpress"
    )


def test_reject_is_checked_like_every_selector() -> None:
    with pytest.raises(ProfileError, match=r"article.reject"):
        profile('[match]\nhosts = ["x.test"]\n[article]\nreject = ["body.blog::text"]\n')
