"""What surrounds an article on real sites and must stay out of its body (issue 14's
"boilerplate kept" classes), each on a small hand-written page: a Chinese portal's notes
after the story, an about-the-author box, the next article, a gallery strip, an ad-blocker
notice; and a WeChat article whose body is hidden until its script runs."""

from __future__ import annotations

from test_generic import PROSE, generic, page

STORY = "".join(f"<p>{p}</p>" for p in PROSE)
ZH = [
    "北京市交通委员会周二宣布，将把夜班公交线路延伸到东部城区，这是上班族和学生连续两年呼吁的结果。",
    "新线路将于明年一月开通，交通部门预计每晚约有四千名乘客，比现有线路多出大约三分之一。",
    "市民普遍表示欢迎，一些夜班工作者说，过去他们只能打车回家，每月的交通费用高达上千元。",
    "交通部门还表示，将根据运营情况调整发车间隔，并在主要站点增设候车亭和照明设施。",
]
ZH_STORY = "".join(f"<p>{p}</p>" for p in ZH)


def body_of(html: str, url: str = "https://news.example/2024/05/night-buses.html") -> str:
    article = generic(html, url)
    assert article is not None
    return article.body


def test_a_chinese_portals_notes_after_the_story_are_not_its_body() -> None:
    notes = [
        "免责声明：本文仅代表作者个人观点，与本网无关。",
        "爆料电话：010-12345678",
        "【纠错】",
        "本文转载请注明出处。",
        "责任编辑：李明",
    ]
    html = page(
        "<div class='article'><h1>夜班公交线路延伸到东部城区</h1>"
        f"<div class='info'>2024-05-16 09:30 来源：城市日报</div>{ZH_STORY}"
        + "".join(f"<p>{n}</p>" for n in notes)
        + "<p><a href='/'>返回首页</a></p></div>",
        head="<title>夜班公交线路延伸到东部城区_城市新闻网</title>",
    )
    body = body_of(html, "https://news.example.cn/a/20240516/1.shtml")
    assert body.endswith(ZH[-1])
    assert all(n not in body for n in notes) and "返回首页" not in body


def test_the_about_the_author_box_is_not_the_body() -> None:
    box = (
        "<div class='author-box'><h3>About the author</h3>"
        "<p>Jane Roe covers transport for City News. "
        "She lives in the east and rides the night bus twice a week.</p></div>"
    )
    body = body_of(
        page(f"<main><article><h1>Night buses extended</h1>{STORY}{box}</article></main>")
    )
    assert body.startswith(PROSE[0]) and body.endswith(PROSE[-1]) and "Jane Roe" not in body


def test_the_next_article_is_not_appended() -> None:
    following = (
        "<div class='next'><h2>Next article</h2><article><h2>Libraries open on Sundays</h2>"
        "<p>The central library and its four branches will open on Sundays from March, the "
        "city said, "
        "after a survey in which most readers asked for weekend hours.</p></article></div>"
    )
    body = body_of(
        page(f"<main><article><h1>Night buses extended</h1>{STORY}</article>{following}</main>")
    )
    assert body.endswith(PROSE[-1]) and "Libraries" not in body and "Next article" not in body


def test_a_gallery_strip_under_the_story_is_not_the_body() -> None:
    captions = [
        "The first night bus leaves the depot",
        "Riders wait at the new stop",
        "The driver checks the route",
    ]
    gallery = (
        "<div class='gallery'>"
        + "".join(
            f"<figure><img src='{i}.jpg'><figcaption>{c}</figcaption></figure>"
            for i, c in enumerate(captions)
        )
        + "</div>"
    )
    body = body_of(
        page(f"<main><article><h1>Night buses extended</h1>{STORY}{gallery}</article></main>")
    )
    assert body.endswith(PROSE[-1]) and not any(c in body for c in captions)


def test_an_ad_blocker_notice_is_not_the_body() -> None:
    notice = (
        "<div class='adblock-notice'><p>It looks like you are using an ad blocker. Please "
        "disable it to "
        "support our journalism, or subscribe for an ad-free experience.</p></div>"
    )
    body = body_of(page(f"{notice}<main><h1>Night buses extended</h1>{STORY}</main>"))
    assert body == "\n\n".join(PROSE)


def test_a_wechat_article_hidden_until_its_script_runs_is_the_body() -> None:
    # WeChat serves #js_content with `visibility: hidden` and reveals it by script.
    html = page(
        "<div id='img-content'><h1 class='rich_media_title' "
        "id='activity-name'>夜班公交线路延伸到东部城区</h1>"
        "<div id='meta_content'><span id='js_author_name'>城市交通</span></div>"
        "<div class='rich_media_content' id='js_content' style='visibility: hidden;"
        f"'>{ZH_STORY}</div></div>"
        '<script>var ct = "1715822400";</script>',
        head="<meta property='og:title' content='夜班公交线路延伸到东部城区'>",
    )
    assert body_of(html, "https://mp.weixin.qq.com/s/AbCdEf123") == "\n\n".join(ZH)
