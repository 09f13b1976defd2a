"""Publication dates: English month-name forms beside the Chinese / ISO ones and relative ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from archiver.extract.dates import parse_date

FETCHED = datetime(2024, 9, 30, 8, 0, tzinfo=UTC)
CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("September 27, 2024", "2024-09-27"),
        ("Sep 27 2024", "2024-09-27"),
        ("Sept. 27, 2024", "2024-09-27"),
        ("SEPTEMBER 27TH, 2024", "2024-09-27"),
        ("27 Sep 2024", "2024-09-27"),
        ("27. September 2024", "2024-09-27"),
        ("27-Sep-2024", "2024-09-27"),
        ("the 27th of September, 2024", "2024-09-27"),
        ("Posted on June 3, 2024 by admin", "2024-06-03"),
        ("Friday, 27 September 2024", "2024-09-27"),
        ("2 Dec. 2023", "2023-12-02"),  # (a date after the fetch is refused: see below)
        ("Published:\u00a0May\u00a05,\u00a02024", "2024-05-05"),
    ],
)
def test_month_name_dates_keep_date_precision(text: str, expected: str) -> None:
    assert parse_date(text, FETCHED, CST) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Sept. 27, 2024 10:20 AM", "2024-09-27T10:20:00+08:00"),
        ("Sep 27, 2024 10:20 PM", "2024-09-27T22:20:00+08:00"),
        ("Sep 27th 2024 12:05am", "2024-09-27T00:05:00+08:00"),
        ("Sep 27th 2024 12:05 p.m.", "2024-09-27T12:05:00+08:00"),
        ("Updated: Oct. 1, 2024, 9:03 p.m.", "2024-10-01T21:03:00+08:00"),
        ("the 27th of September, 2024 at 10:20 a.m.", "2024-09-27T10:20:00+08:00"),
        ("27 Sep 2024 14:05:31", "2024-09-27T14:05:31+08:00"),
        ("September 27, 2024 | 14:05", "2024-09-27T14:05:00+08:00"),
    ],
)
def test_times_without_offset_get_the_site_timezone(text: str, expected: str) -> None:
    assert parse_date(text, FETCHED, CST) == expected
    assert parse_date(text, FETCHED, None) == expected.removesuffix("+08:00")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Friday, 27 September 2024 14:05 GMT", "2024-09-27T14:05:00+00:00"),
        ("Fri, 27 Sep 2024 14:05:00 +0000", "2024-09-27T14:05:00+00:00"),
        ("Sep 27, 2024 10:20 UTC", "2024-09-27T10:20:00+00:00"),
        ("27-SEP-2024 10:20:30.123Z", "2024-09-27T10:20:30+00:00"),
        ("27/Sep/2024:10:20:00 -0500", "2024-09-27T10:20:00-05:00"),
        ("Sep 27, 2024 12:05 PM UTC+8", "2024-09-27T12:05:00+08:00"),
        ("Sep 27, 2024 10:20 GMT+05:30", "2024-09-27T10:20:00+05:30"),
        ("Sep 27, 2024 10:20 -04:00", "2024-09-27T10:20:00-04:00"),
    ],
)
def test_a_written_offset_wins_over_the_site_timezone(text: str, expected: str) -> None:
    assert parse_date(text, FETCHED, CST) == expected


def test_a_bare_small_number_after_the_time_is_not_an_offset() -> None:
    assert parse_date("Sep 27, 2024 10:20 -1 comments", FETCHED, CST) == "2024-09-27T10:20:00+08:00"


@pytest.mark.parametrize(
    "text",
    [
        "Sep 31, 2024",  # no such day
        "Feb 30 2024",
        "Sep 27, 2024 25:00",  # no such hour: as the ISO / Chinese forms, no date at all
        "May 2024",  # no day: not a publication date
        "Sep 27",  # no year
        "Marketing 5 2024",  # a word that starts like a month
        "Decemberists 5 2024",
        "阅读：1352",
        "",
    ],
)
def test_not_dates(text: str) -> None:
    assert parse_date(text, FETCHED, CST) is None


def test_long_text_without_a_date_is_none_and_a_date_after_it_is_found() -> None:
    filler = "summary: many may-be decisions, lorem ipsum 12 34 2023 " * 2000
    assert parse_date(filler, FETCHED, CST) is None
    assert parse_date(filler + "Posted 27 Sep 2024", FETCHED, CST) == "2024-09-27"


@pytest.mark.parametrize(
    "text, expected",
    [
        # Chinese and ISO forms answer first, as before: an English date beside them does not
        # change them.
        ("2024-09-27 10:20:31", "2024-09-27T10:20:31+08:00"),
        ("2024年09月27日 10:20", "2024-09-27T10:20:00+08:00"),
        ("Sep 28, 2024 (2024-09-27)", "2024-09-27"),
        ("2024-09-27T10:20:31Z", "2024-09-27T10:20:31+00:00"),
        # Relative ages count back from fetched_at; an absolute English date beats them.
        ("发布于 3 天前", "2024-09-27"),
        ("3 days ago", "2024-09-27"),
        ("Sep 20, 2024 · edited 3 days ago", "2024-09-20"),
        ("yesterday 18:30", "2024-09-29T18:30:00+08:00"),
    ],
)
def test_existing_forms_unchanged(text: str, expected: str) -> None:
    assert parse_date(text, FETCHED, CST) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("16.10.2019", "2019-10-16"),
        ("Veröffentlicht am 6.10.2023", "2023-10-06"),
        ("20.10.2021 - 10:24", "2021-10-20T10:24:00+08:00"),
        ("03.03.2011,\u00a014:17", "2011-03-03T14:17:00+08:00"),
        ("28.01.22", "2022-01-28"),
        ("Version 1.2.2021.4", None),  # a dotted version number, not a day
        ("26/10/2018", "2018-10-26"),
        ("10/26/2018", "2018-10-26"),
        ("03/04/2021", None),  # April 3rd or March 4th: the page's locale decides, not a guess
        ("Samstag, 5. Oktober 2013", "2013-10-05"),
        ("25. November 2021 16:11 Uhr", "2021-11-25T16:11:00+08:00"),
        ("29. Juni 2017, 23:39", "2017-06-29T23:39:00+08:00"),
        ("Dienstag 6. Mai 2014", "2014-05-06"),
        ("12 de mayo de 2022", "2022-05-12"),
        ("1er mars 2021", "2021-03-01"),
        ("4 febbraio 2022 alle 10:30", "2022-02-04T10:30:00+08:00"),
        ("Maierhofer 12 2024", None),  # a word that starts like a month
    ],
)
def test_day_first_numbers_and_european_month_names(text: str, expected: str | None) -> None:
    assert parse_date(text, FETCHED, CST) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1970-01-01T00:00:00Z", None),  # a zero timestamp
        ("© 1985, updated 2024-09-27", "2024-09-27"),  # an impossible date is skipped for the next
        ("2024-10-15", None),  # after the fetch: an announcement, not a publication
        ("2024-10-01T02:00:00+08:00", "2024-10-01T02:00:00+08:00"),  # a day ahead locally is fine
        ("1989-12-31", None),
    ],
)
def test_no_date_before_1990_or_after_the_fetch(text: str, expected: str | None) -> None:
    assert parse_date(text, FETCHED, CST) == expected


def test_relative_ages_can_be_refused() -> None:
    assert parse_date("1 week ago", FETCHED, CST, relative=False) is None
    assert parse_date("3 小时前", FETCHED, CST, relative=False) is None
    assert (
        parse_date("Posted 27 Sep 2024, 3 days ago", FETCHED, CST, relative=False) == "2024-09-27"
    )
