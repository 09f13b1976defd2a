"""archiver/extract is pure: it never imports Scrapy, directly or through what it imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

EXTRACT = Path(__file__).resolve().parent.parent / "archiver" / "extract"


def test_extract_sources_do_not_import_scrapy() -> None:
    for path in EXTRACT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n.split(".")[0] == "scrapy" for n in names), (
                f"{path.name} imports scrapy"
            )


def test_parse_article_runs_without_loading_scrapy() -> None:
    code = (
        "import sys, archiver;"
        "a = archiver.parse_article(open('fixtures/site/news/2024092701.html','rb').read(), "
        "'https://x.test/a.html');"
        "assert a is not None; assert 'scrapy' not in sys.modules, sorted(m for m in "
        "sys.modules if 'scrapy' in m)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=EXTRACT.parent.parent)
