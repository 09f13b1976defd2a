"""Publication dates as pages write them (Chinese, ISO, day-first numbers, month names in English
and the European languages, relative ages) to ISO 8601."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

_ABSOLUTE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?"
    r"(?:\.\d+)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
# `September 27, 2024`, `Sept. 27th 2024`, `27 Sep 2024`, `27-Sep-2024`, `Fri, 27 Sep 2024
# 14:05:00 GMT` (a weekday is simply left out of the match), `27/Sep/2024:10:20:00 +0000`,
# `the 27th of September, 2024 at 10:20 a.m.`. Matched on lower-cased text; every repeat is
# bounded, so a long text scans linearly.
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_ENGLISH = re.compile(
    rf"\b(?:(?P<mon1>{_MONTH})\s{{0,3}}(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:\s{{1,3}}of)?[\s./-]{{0,3}}(?P<mon2>{_MONTH}))"
    r"[\s,/-]{0,4}(?P<y>(?:19|20)\d{2})\b"
    r"(?:(?:[\s,:|·-]{0,4}|[\s,]{0,3}(?:at|@)\s{0,3})"
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\.\d{1,9})?"
    r"(?:\s{0,2}(?P<ampm>[ap])\.?m\b\.?)?"
    r"(?:\s{0,2}(?P<zone>gmt|utc|ut|z)\b)?(?:\s{0,2}(?P<off>[+-]\d{1,2}(?::?\d{2})?)\b)?)?"
)
# Literal alternatives only, so re scans for their first letters in C: most date texts
# (Chinese, ISO, "阅读：1352") hold no month name and cost one fast scan.
_MONTH_HINT = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
# The day may stand before the month: `27th of Sep` is 9 characters before `sep`.
_DAY_BEFORE_MONTH = 12
_MONTH_NUMBER = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# `16.10.2019`, `1. 2. 2022`, `31.10.23` (German, Swiss, Polish, Russian ... pages), with an
# optional time (`20.10.2021 - 10:24`, `03.03.2011,&nbsp;14:17`, `am 25.08.2015 22:30`); not
# inside a longer dotted number (`1.2.3.2021`, a version).
_DOTTED = re.compile(
    r"(?<![\d.])(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>(?:19|20)\d{2}|\d{2})(?!\d|\.\d)"
    r"(?:[\s,|–-]{1,5}(?:um\s{1,2}|à\s{1,2})?(?P<H>\d{1,2})[:h](?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_SLASHED = re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])")
# Month names of the languages the suites hold besides English and Chinese (German, French,
# Spanish, Italian, Portuguese, Dutch; Russian, Ukrainian, Polish in the genitive: `15 августа
# 2016`), written day first; English ones are _ENGLISH's.
_FOREIGN_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "januar jänner janvier enero gennaio janeiro januari janv января січня stycznia",
            (
                "februar feber février fevrier febrero febbraio fevereiro februari févr "
                "февраля лютого lutego"
            ),
            "märz maerz mars marzo março marco maart mär марта березня marca",
            "avril abril aprile avr апреля квітня kwietnia",
            "mai mayo maggio maio mei мая травня maja",
            "juni juin junio giugno junho июня червня czerwca",
            "juli juillet julio luglio julho juil июля липня lipca",
            "août aout agosto augustus августа серпня sierpnia",
            "septembre septiembre setiembre settembre setembro сентября вересня września",
            "oktober octobre octubre ottobre outubro okt октября жовтня października",
            "novembre noviembre novembro ноября листопада listopada",
            "dezember décembre decembre diciembre dicembre dezembro dez déc декабря грудня grudnia",
        ),
        start=1,
    )
    for name in names.split()
}
_FOREIGN = re.compile(
    r"(?<!\w)(?P<d>\d{1,2})(?:\.|er|º|°)?\s{0,3}(?:de\s{1,3})?"
    r"(?P<mon>" + "|".join(sorted(_FOREIGN_MONTHS, key=len, reverse=True)) + r")(?!\w)\.?"
    r",?\s{0,3}(?:de\s{1,3}|del\s{1,3})?(?P<y>(?:19|20)\d{2})(?!\d)"
    r"(?:[\s,|–-]{1,5}(?:um\s{1,2}|à\s{1,2}|a las\s{1,2}|alle\s{1,2}|às\s{1,2})?"
    r"(?P<H>\d{1,2})[:h](?P<M>\d{2}))?"
)
# Articles on the web start with its first news sites; a JSON-LD 1970-01-01 is a zero timestamp.
EARLIEST = date(1990, 1, 1)
_RELATIVE = re.compile(
    r"(?P<n>\d+)\s*(?P<unit>秒|分钟|分|小时|天|日|周|星期|个月|月|年"
    r"|seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\s*(?:前|ago)",
    re.IGNORECASE,
)
_NAMED_DAY = re.compile(
    r"(?P<word>刚刚|今天|昨天|前天|just now|today|yesterday)(?:\s*(?P<H>\d{1,2}):(?P<M>\d{2}))?",
    re.IGNORECASE,
)
_UNIT_SECONDS = {
    "秒": 1,
    "second": 1,
    "分": 60,
    "分钟": 60,
    "minute": 60,
    "min": 60,
    "小时": 3600,
    "hour": 3600,
    "天": 86400,
    "日": 86400,
    "day": 86400,
    "周": 604800,
    "星期": 604800,
    "week": 604800,
}
_DAY_OFFSET = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}


def parse_offset(value: str | None) -> tzinfo | None:
    """`+08:00` / `+0800` / `Z` to a fixed tzinfo; None for no or bad value."""
    if not value:
        return None
    if value.upper() == "Z":
        return UTC
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", value.strip())
    if not m:
        return None
    delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
    return timezone(-delta if m.group(1) == "-" else delta)


def parse_fetched_at(value: str) -> datetime:
    """The record's `fetched_at` (ISO 8601, `Z` allowed) as an aware datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))  # noqa: FURB162 - as written
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(
    text: str | None, fetched_at: datetime, site_tz: tzinfo | None, *, relative: bool = True
) -> str | None:
    """An ISO 8601 date or datetime for `text`, or None when it holds no plausible date.

    Absolute dates keep the precision the page gives; `site_tz` (from the profile) is attached
    to times that carry no offset. Relative ages (`发布于 3 天前`) count back from `fetched_at`,
    unless `relative` is False (a phrase outside the article's byline: a sidebar's "1 week
    ago"). A date before 1990 or after the fetch (a zero timestamp, a copyright year, an event
    announced for next month) is skipped for the next one in the text.
    """
    if not text:
        return None
    for found in _absolute(text, site_tz):
        if _plausible(found, fetched_at):
            return found
    if not relative:
        return None
    age = _relative(text, fetched_at, site_tz)
    return age if age and _plausible(age, fetched_at) else None


def _plausible(iso: str, fetched_at: datetime) -> bool:
    # A day's slack: the page's local date can be a day ahead of the UTC fetch time.
    day = date.fromisoformat(iso[:10])
    return EARLIEST <= day <= fetched_at.date() + timedelta(days=1)


def _absolute(text: str, site_tz: tzinfo | None) -> Iterator[str]:
    """Every absolute date in `text`, form by form: ISO and Chinese first (they answered
    before the other forms were known), then day-first numbers, then month names."""
    yield from _iso_or_chinese(text, site_tz)
    yield from _day_first(text, site_tz)
    yield from _month_names(text, site_tz)


def _iso_or_chinese(text: str, site_tz: tzinfo | None) -> Iterator[str]:
    for m in _ABSOLUTE.finditer(text):
        clock = None if m["H"] is None else (int(m["H"]), int(m["M"]), int(m["S"] or 0))
        found = _iso(
            (int(m["y"]), int(m["m"]), int(m["d"])), clock, parse_offset(m["tz"]) or site_tz
        )
        if found:
            yield found


def _day_first(text: str, site_tz: tzinfo | None) -> Iterator[str]:
    """`16.10.2019`, `31.10.23`; `26/10/2018` only when the day is past 12 (`03/04/2021` is
    April 3rd in Europe and March 4th in the US)."""
    if "." in text:
        for m in _DOTTED.finditer(text):
            year = int(m["y"]) if len(m["y"]) == 4 else 2000 + int(m["y"])
            clock = None if m["H"] is None else (int(m["H"]), int(m["M"]), int(m["S"] or 0))
            found = _iso((year, int(m["m"]), int(m["d"])), clock, site_tz)
            if found:
                yield found
    if "/" in text:
        for m in _SLASHED.finditer(text):
            first, second = int(m["a"]), int(m["b"])
            day, month = (
                (first, second) if first > 12 else (second, first) if second > 12 else (0, 0)
            )
            found = _iso((int(m["y"]), month, day), None, site_tz) if day else None
            if found:
                yield found


def _month_names(text: str, site_tz: tzinfo | None) -> Iterator[str]:
    """The first English month-name date (either order) and the first in another language
    (day first: `5. Oktober 2013`, `12 de mayo de 2022`, `1er mars 2021`), earlier one first."""
    lowered = text.lower()
    found: list[tuple[int, str]] = []
    hint = _MONTH_HINT.search(lowered)
    m = _ENGLISH.search(lowered, max(0, hint.start() - _DAY_BEFORE_MONTH)) if hint else None
    if m:
        day = (int(m["y"]), _MONTH_NUMBER[(m["mon1"] or m["mon2"])[:3]], int(m["d1"] or m["d2"]))
        clock = (
            None
            if m["H"] is None
            else (_hour(int(m["H"]), m["ampm"]), int(m["M"]), int(m["S"] or 0))
        )
        iso = _iso(day, clock, _zone_offset(m["zone"], m["off"]) or site_tz)
        if iso:
            found.append((m.start(), iso))
    for m in _FOREIGN.finditer(lowered):
        iso = _iso(
            (int(m["y"]), _FOREIGN_MONTHS[m["mon"]], int(m["d"])),
            None if m["H"] is None else (int(m["H"]), int(m["M"]), 0),
            site_tz,
        )
        if iso:
            found.append((m.start(), iso))
            break
    for _, iso in sorted(found):
        yield iso


def _iso(
    day: tuple[int, int, int], clock: tuple[int, int, int] | None, tz: tzinfo | None
) -> str | None:
    """The date alone when the page gives no time (its precision), else the datetime with `tz`
    when known; None for an impossible one (`2024-02-30`, `25:00`)."""
    try:
        return (
            date(*day).isoformat()
            if clock is None
            else datetime(*day, *clock, tzinfo=tz).isoformat()
        )
    except ValueError:
        return None


def _hour(hour: int, ampm: str | None) -> int:
    """12-hour clock to 24: `12:05 AM` is 00:05, `12:05 PM` 12:05; `14:05 PM` stays 14:05."""
    if ampm is None or not 1 <= hour <= 12:
        return hour
    return hour % 12 + (12 if ampm == "p" else 0)


def _zone_offset(zone: str | None, offset: str | None) -> tzinfo | None:
    """`GMT`, `UTC+8`, `GMT+05:30`, `+0000`, `-05:00`; a bare `+8` is not read as an offset."""
    if offset is None:
        return UTC if zone else None
    sign, digits = offset[0], offset[1:].replace(":", "")
    if len(digits) <= 2:
        if zone is None:
            return None
        digits = digits.zfill(2) + "00"
    if len(digits) != 4 or int(digits[:2]) > 14 or int(digits[2:]) > 59:
        return None
    return parse_offset(f"{sign}{digits}")


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
        return (
            then.date().isoformat()
            if seconds >= 86400
            else then.replace(second=0, microsecond=0).isoformat()
        )
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
