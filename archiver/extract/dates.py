"""Publication dates as pages write them (Chinese and ISO forms, relative ages) to ISO 8601."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo

_ABSOLUTE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?"
    r"(?:\.\d+)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_RELATIVE = re.compile(
    r"(?P<n>\d+)\s*(?P<unit>秒|分钟|分|小时|天|日|周|星期|个月|月|年"
    r"|seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\s*(?:前|ago)",
    re.IGNORECASE,
)
_NAMED_DAY = re.compile(r"(?P<word>刚刚|今天|昨天|前天|just now|today|yesterday)(?:\s*(?P<H>\d{1,2}):(?P<M>\d{2}))?", re.I)
_UNIT_SECONDS = {
    "秒": 1, "second": 1, "分": 60, "分钟": 60, "minute": 60, "min": 60,
    "小时": 3600, "hour": 3600, "天": 86400, "日": 86400, "day": 86400,
    "周": 604800, "星期": 604800, "week": 604800,
}
_DAY_OFFSET = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}


def parse_offset(value: str | None) -> tzinfo | None:
    """`+08:00` / `+0800` / `Z` to a fixed tzinfo; None for no or bad value."""
    if not value:
        return None
    if value.upper() == "Z":
        return timezone.utc
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", value.strip())
    if not m:
        return None
    delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
    return timezone(-delta if m.group(1) == "-" else delta)


def parse_fetched_at(value: str) -> datetime:
    """The record's `fetched_at` (ISO 8601, `Z` allowed) as an aware datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_date(text: str | None, fetched_at: datetime, site_tz: tzinfo | None) -> str | None:
    """An ISO 8601 date or datetime for `text`, or None when it holds no date.

    Absolute dates keep the precision the page gives; `site_tz` (from the profile) is attached
    to times that carry no offset. Relative ages (`发布于 3 天前`) count back from `fetched_at`.
    """
    if not text:
        return None
    return _absolute(text, site_tz) or _relative(text, fetched_at, site_tz)


def _absolute(text: str, site_tz: tzinfo | None) -> str | None:
    m = _ABSOLUTE.search(text)
    if not m:
        return None
    try:
        day = date(int(m["y"]), int(m["m"]), int(m["d"]))
        if m["H"] is None:
            return day.isoformat()
        moment = datetime(day.year, day.month, day.day, int(m["H"]), int(m["M"]), int(m["S"] or 0))
    except ValueError:
        return None
    tz = parse_offset(m["tz"]) or site_tz
    return (moment.replace(tzinfo=tz) if tz else moment).isoformat()


def _relative(text: str, fetched_at: datetime, site_tz: tzinfo | None) -> str | None:
    local_now = fetched_at.astimezone(site_tz) if site_tz else fetched_at
    m = _RELATIVE.search(text)
    if m:
        n = int(m["n"])
        unit = m["unit"].lower().rstrip("s") if m["unit"].isascii() else m["unit"]
        if unit in {"个月", "月", "month"}:
            return _shift_months(local_now.date(), n).isoformat()
        if unit in {"年", "year"}:
            return _shift_months(local_now.date(), 12 * n).isoformat()
        seconds = _UNIT_SECONDS.get(unit)
        if seconds is None or n > 100_000:
            return None
        then = local_now - timedelta(seconds=n * seconds)
        # "3 天前" is only as precise as a day; "5 小时前" as a minute.
        return then.date().isoformat() if seconds >= 86400 else then.replace(second=0, microsecond=0).isoformat()
    m = _NAMED_DAY.search(text)
    if m:
        word = m["word"].lower()
        if word in {"刚刚", "just now"}:
            return local_now.replace(microsecond=0).isoformat()
        day = local_now.date() - timedelta(days=_DAY_OFFSET[word])
        if m["H"] is None:
            return day.isoformat()
        moment = datetime(day.year, day.month, day.day, int(m["H"]) % 24, int(m["M"]) % 60)
        return moment.replace(tzinfo=local_now.tzinfo).isoformat()
    return None


def _shift_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    return date(max(year, 1), month + 1, min(day.day, 28))
