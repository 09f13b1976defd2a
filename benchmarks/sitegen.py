"""A deterministic seed-like article site on disk: listing pagination, articles, mirrors.

    python benchmarks/sitegen.py OUT_DIR --articles 5000

The markup is the csdn-mirror template of fixtures/site (breadcrumb 当前位置: 首页 > news >正文,
文章目录, en-space indented paragraphs, 相关文章 with leaked entities), so the crawl exercises
the real extraction path. Used by the benchmarks and by the crash drills in tests/.
"""

from __future__ import annotations

import argparse
import html
import random
from pathlib import Path

WORDS = [
    "大语言模型",
    "强化学习",
    "人类反馈",
    "奖励模型",
    "对齐",
    "微调",
    "预训练",
    "推理",
    "分布式",
    "调度",
    "任务",
    "分片",
    "数据结构",
    "数组",
    "链表",
    "哈希表",
    "前缀和",
    "坐标变换",
    "网络安全",
    "渗透测试",
    "插件",
    "效率",
    "前端",
    "框架",
    "几何体",
    "顶点",
    "缓冲区",
    "图像平移",
    "仿射变换",
    "矩阵",
    "云手机",
    "运营",
    "非阻塞",
    "通道",
    "缓冲",
    "选择器",
    "存储结构",
    "表空间",
    "日志",
    "二维码",
]
PER_PAGE = 20


def paragraph(rng: random.Random, n: int) -> str:
    return (
        "，".join("".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4))) for _ in range(n))
        + "。"
    )


def article_html(
    i: int,
    rng: random.Random,
    total: int,
    *,
    body: list[str] | None = None,
    title: str | None = None,
) -> str:
    title = title or f"第{i}篇：{rng.choice(WORDS)}与{rng.choice(WORDS)}实践"
    body = body or [paragraph(rng, rng.randint(6, 14)) for _ in range(rng.randint(4, 9))]
    headings = [f"{rng.choice(WORDS)}概述", f"{rng.choice(WORDS)}详解"]
    toc = "".join(f'<li><a href="#h{k}">{html.escape(h)}</a></li>' for k, h in enumerate(headings))
    parts = []
    for k, text in enumerate(body):
        if k in (1, 3) and (k - 1) // 2 < len(headings):
            parts.append(
                f'<h2><a id="h{(k - 1) // 2}"></a>{html.escape(headings[(k - 1) // 2])}</h2>'
            )
        parts.append(f"<p>&ensp;&ensp;&ensp;&ensp;{html.escape(text)}</p>")
    related = "".join(
        f'<li><a class="related-link" href="/news/{j}.html">第{j}篇</a>'
        f'<p class="related-desc">{html.escape(paragraph(rng, 2))}'
        "&amp;#xff0c;更多&hellip;...</p></li>"
        for j in sorted({i, *(rng.randint(1, total) for _ in range(4))})
    )
    # A backslash ends a line of the source, not of the page.
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">\
<title>{html.escape(title)} - 编程新知</title>
<link rel="canonical" href="https://www.devnews-mirror.test/news/{i}.html"></head><body>
<header class="header"><nav class="nav"><a href="/">首页</a></nav></header>
<div class="wrap main-wrap"><div class="left">
<div class="position">当前位置: <a href="/">首页</a> &gt; <a href="/">news</a> &gt;正文</div>
<div class="article"><h1 class="article-title">{html.escape(title)}</h1>
<div class="article-info"><span class="date">2024-09-{1 + i % 28:02d} 10:{i % 60:02d}:00</span>\
<span class="author">作者：作者{i % 97}</span></div>
<div class="article-content" id="article-content">\
<div class="toc"><h3>文章目录</h3><ul>{toc}</ul></div>
{"".join(parts)}</div></div>
<div class="related"><h3 class="related-title">相关文章:</h3>\
<ul class="related-list">{related}</ul></div>
</div><aside class="right"><div class="widget hot"><h3>热门文章</h3>\
<ul><li><a href="/news/1.html">第1篇</a></li></ul></div></aside></div>
<footer class="footer">Copyright &copy; 2024 编程新知</footer></body></html>"""


def listing_html(page: int, pages: int, ids: list[int]) -> str:
    items = "".join(
        f'<li class="news-item"><h2 class="news-title"><a href="/news/{i}.html">第{i}篇</a>'
        "</h2></li>"
        for i in ids
    )
    nxt = f'<a class="next" href="/news/list_{page + 1}.html">下一页</a>' if page < pages else ""
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">\
<title>news - 编程新知</title></head><body>
<header class="header"><nav class="nav"><a href="/">首页</a></nav></header>
<div class="wrap main-wrap"><div class="left">\
<div class="position">当前位置: <a href="/">首页</a> &gt; news</div>
<div class="news-list"><ul>{items}</ul></div>
<div class="pagination"><span class="current">{page}</span>{nxt}</div></div></div></body></html>"""


def generate(out: Path, articles: int, *, mirrors: int = 0, seed: int = 7) -> list[int]:
    """Write the site; return the ids of the distinct articles (mirrors excluded)."""
    rng = random.Random(seed)
    (out / "news").mkdir(parents=True, exist_ok=True)
    bodies: dict[int, list[str]] = {}
    for i in range(1, articles + 1):
        body = [paragraph(rng, rng.randint(6, 14)) for _ in range(rng.randint(4, 9))]
        bodies[i] = body
        (out / "news" / f"{i}.html").write_text(
            article_html(i, rng, articles, body=body), encoding="utf-8"
        )
    # Mirrors: the same body under another URL and title (a content farm's copy).
    for m in range(mirrors):
        i = articles + 1 + m
        source = rng.randint(1, articles)
        page = article_html(i, rng, articles, body=bodies[source], title=f"转载：第{source}篇")
        (out / "news" / f"{i}.html").write_text(page, encoding="utf-8")
    ids = list(range(1, articles + mirrors + 1))
    rng.shuffle(ids)
    pages = max(1, -(-len(ids) // PER_PAGE))
    for p in range(1, pages + 1):
        chunk = ids[(p - 1) * PER_PAGE : p * PER_PAGE]
        name = "index.html" if p == 1 else f"news/list_{p}.html"
        (out / name).write_text(listing_html(p, pages, chunk), encoding="utf-8")
    # index.html links page 2 as news/list_2.html: keep both names valid for page 1.
    (out / "news" / "list_1.html").write_text(
        listing_html(1, pages, ids[:PER_PAGE]), encoding="utf-8"
    )
    return list(range(1, articles + 1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--mirrors", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.out, args.articles, mirrors=args.mirrors, seed=args.seed)
    print(f"wrote {args.articles} articles (+{args.mirrors} mirrors) to {args.out}")


if __name__ == "__main__":
    main()
