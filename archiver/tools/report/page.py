"""The report as one self-contained HTML page: inline CSS and SVG, no script, no external URL."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from archiver.archive.drift import SiteCoverage
from archiver.tools.report.charts import BAD, GOOD, hbar_chart, stacked_columns
from archiver.tools.report.data import MAX_SITES, ReportData

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;
  margin:24px;color:#222;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:14px;margin:16px 0 4px} .meta{color:#666} .empty{color:#888;font-style:italic}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px} .card.bad b{color:#d62728}
svg text{font-size:12px;fill:#333} svg text.value{fill:#555} svg text.tick{font-size:10px}
svg .axis{stroke:#999}
.legend{margin:4px 0 10px} .key{margin-right:14px;white-space:nowrap}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px}
table{border-collapse:collapse;margin:6px 0 14px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right} th{background:#f5f5f5}
td:first-child,th:first-child{text-align:left}
.drift{border:2px solid #d62728;background:#fff4f4;border-radius:6px;padding:8px 14px;margin:8px 0}
.drift ul{margin:4px 0} .ok{color:#2a7d2a} td.low{background:#fbd3d3} td.mid{background:#fdf0c8}
td.high{background:#d9f0d3}
"""


def _card(label: str, value: int, bad: bool = False) -> str:
    return f'<div class="card{" bad" if bad and value else ""}"><b>{value}</b>{escape(label)}</div>'


def _reasons(title: str, counts: Counter[str]) -> str:
    rows = [(k, float(v), str(v)) for k, v in counts.most_common()]
    return f"<h3>{escape(title)}</h3>" + hbar_chart(rows, label=title)


def _drift_section(data: ReportData) -> str:
    if not data.drift:
        note = "" if len(data.runs) >= 2 else " (drift needs at least two crawl runs in runs/)"
        return (
            f'<p class="ok">No field went missing in a site\'s latest run{escape(note)}.</p>'
            + _misses_section(data)
        )
    items = []
    for flag in data.drift:
        links = ", ".join(f'<a href="{escape(u)}">{escape(u)}</a>' for u in flag.examples) or "-"
        items.append(
            f"<li><b>{escape(flag.site)}</b>: <code>{escape(flag.field)}</code> "
            f"in {flag.now:.0%} of "
            f"{flag.records} records of run {escape(flag.run)} (was {flag.before:.0%} before). "
            f"Examples: {links}</li>"
        )
    return (
        f'<div class="drift"><b>Layout drift</b><ul>{"".join(items)}</ul></div>'
        + _misses_section(data)
    )


def _misses_section(data: ReportData) -> str:
    """Profiles whose selectors no longer fit some pages of the latest run."""
    if not data.profile_misses:
        return ""
    items = "".join(f"<li>{escape(m.message())}</li>" for m in data.profile_misses)
    style = "drift" if any(m.new for m in data.profile_misses) else "meta"
    return f'<div class="{style}"><b>Profile misses</b><ul>{items}</ul></div>'


def _coverage_chart(
    site: str, cov: SiteCoverage, fields: tuple[str, ...], flagged: set[tuple[str, str]]
) -> str:
    rows = [
        (name, cov.share(name) * 100, f"{cov.share(name):.0%} ({cov.present[name]}/{cov.records})")
        for name in fields
    ]
    colors = [BAD if (site, name) in flagged else GOOD for name in fields]
    return f"<h3>{escape(site)} — {cov.records} records</h3>" + hbar_chart(
        rows, label=f"field coverage of {site}", max_value=100, colors=colors
    )


def _cell(share: float) -> str:
    level = "low" if share < 0.1 else "mid" if share < 0.5 else "high"
    return f'<td class="{level}">{share:.0%}</td>'


def _history_table(
    site: str, history: list[tuple[str, SiteCoverage]], fields: tuple[str, ...]
) -> str:
    head = "".join(
        f'<th title="{escape(run)}">{escape(run.split("-")[1] if "-" in run else run)}<br>'
        f"{cov.records} rec.</th>"
        for run, cov in history
    )
    body = "".join(
        f"<tr><td>{escape(name)}</td>{''.join(_cell(cov.share(name)) for _r, cov in history)}</tr>"
        for name in fields
    )
    return f"<h3>{escape(site)}</h3><table><tr><th>field</th>{head}</tr>{body}</table>"


def _runs_table(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return '<p class="empty">No run summaries in runs/ (crawls write one at their end).</p>'
    rows = []
    for run in runs[-30:]:
        stats = run.get("stats", {})
        dropped = sum(v for k, v in stats.items() if k.startswith("dropped/"))
        failed = sum(v for k, v in stats.items() if k.startswith("failed/"))
        rows.append(
            f"<tr><td>{escape(str(run.get('run')))}</td><td>{escape(str(run.get('started')))}</td>"
            f"<td>{escape(str(run.get('finish_reason')))}</td><td>{run.get('pages_seen', 0)}</td>"
            f"<td>{stats.get('archived', 0)}</td><td>{dropped}</td><td>{failed}</td>"
            f"<td>{len(run.get('drift', []))}</td></tr>"
        )
    return (
        "<table><tr><th>run</th><th>started</th><th>finish</th><th>pages</th><th>archived</th>"
        f"<th>dropped</th><th>failed</th><th>drift</th></tr>{''.join(rows)}</table>"
    )


def render(data: ReportData) -> str:
    sites = data.sites[:MAX_SITES]
    flagged = {(f.site, f.field) for f in data.drift}
    per_site = [(s, float(data.coverage[s].records), str(data.coverage[s].records)) for s in sites]
    series = {s: data.per_day.get(s, Counter()) for s in sites}
    more = (
        f"<p class='meta'>{len(data.sites) - len(sites)} more sites not charted.</p>"
        if len(data.sites) > len(sites)
        else ""
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>archiver report — {escape(data.archive)}</title><style>{CSS}</style></head><body>",
        (
            f"<h1>Archive report</h1><p class='meta'>{escape(data.archive)} · "
            f"generated {escape(data.generated)}</p>"
        ),
        _cards(data),
        "<h2 id='drift'>Layout drift</h2>",
        _drift_section(data),
        "<h2 id='sites'>Records per site</h2>",
        hbar_chart(per_site, label="records per site"),
        more,
        "<h2 id='days'>Records per day (fetched_at)</h2>",
        stacked_columns(data.days, series, label="records per day"),
        "<h2 id='coverage'>Field coverage per site</h2>",
        (
            "<p class='meta'>Share of the site's records with a value (not null, not empty); "
            "red: flagged as drift.</p>"
        ),
        *(_coverage_chart(s, data.coverage[s], data.fields, flagged) for s in sites),
        "<h2 id='history'>Coverage by run</h2>",
        *(
            _history_table(s, data.run_coverage[s], data.fields)
            for s in sites
            if s in data.run_coverage
        ),
        "" if data.run_coverage else "<p class='empty'>No run summaries yet.</p>",
        _reasons_section(data),
        "<h2 id='runs'>Crawl runs</h2>",
        _runs_table(data.runs),
        "</body></html>\n",
    ]
    return "".join(parts)


def _cards(data: ReportData) -> str:
    duplicates = sum(v for k, v in data.dropped.items() if "duplicate" in k)
    cards = [
        _card("records", data.records),
        _card("sites", len(data.coverage)),
        _card("crawl runs", len(data.runs)),
        _card("duplicates dropped", duplicates),
        _card("pages failed", sum(data.failed.values()), bad=True),
        _card("drift warnings", len(data.drift), bad=True),
    ]
    if data.unreadable.count:
        cards.append(_card("unreadable archive lines", data.unreadable.count, bad=True))
    return "<div class='cards'>" + "".join(cards) + "</div>"


def _reasons_section(data: ReportData) -> str:
    return "".join(
        [
            (
                "<h2 id='reasons'>Dropped, skipped and failed</h2>"
                "<p class='meta'>Summed over the crawl runs in runs/.</p>"
            ),
            _reasons("records dropped, by reason", data.dropped),
            _reasons("pages skipped, by reason", data.skipped),
            _reasons("not articles, by why", data.not_article),
            _reasons("pages failed, by reason", data.failed),
        ]
    )
