"""benchmarks/suite_metrics.py scores as ../shared/datasets/README.md defines, on hand-written
strings."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from suite_compare import page_change
from suite_metrics import (
    AebMetric,
    BodyScore,
    ChecksMetric,
    MeanOfPages,
    aeb_page,
    aeb_score,
    author_matches,
    bag_page,
    date_matches,
    is_junk_author,
    normal_author,
    page_counts,
    shingles,
    title_matches,
    tokens,
    with_without_page,
    words,
)


# -- tokens ------------------------------------------------------------------------------
def test_every_cjk_character_is_a_token_and_latin_runs_stay_whole() -> None:
    assert tokens("城市 公交2024年line 3") == ["城", "市", "公", "交", "2024", "年", "line", "3"]
    assert tokens("ひらがなとカタカナ") == list("ひらがなとカタカナ")
    assert tokens("한국어 text") == ["한", "국", "어", "text"]


def test_punctuation_is_not_a_token() -> None:
    assert tokens("Hello, world! It's 2024。好") == ["Hello", "world", "It", "s", "2024", "好"]
    assert words("Hello, world! It's 2024.") == ["Hello", "world", "It", "s", "2024"]
    assert words("城市夜间公交") == ["城市夜间公交"], "AEB's own tokens: a run of Chinese is one"


# -- bag of tokens ------------------------------------------------------------------------
def test_overlap_is_a_multiset_intersection() -> None:
    # truth a a b c; prediction a b b d: overlap {a: 1, b: 1} = 2 of 4 either way.
    scored = bag_page("a a b c", "a b b d")
    assert (scored.precision, scored.recall, scored.score) == pytest.approx((0.5, 0.5, 0.5))


def test_precision_and_recall_follow_their_denominators() -> None:
    scored = bag_page("one two three four", "one two three four five six seven eight")
    assert (scored.precision, scored.recall) == pytest.approx((0.5, 1.0))
    assert scored.score == pytest.approx(2 * 0.5 * 1.0 / 1.5)
    chinese = bag_page("城市夜间公交", "城市夜间")
    assert (chinese.precision, chinese.recall) == pytest.approx((1.0, 4 / 6))


def test_an_empty_prediction_scores_zero() -> None:
    assert bag_page("some truth here", "") == BodyScore(0.0, 0.0, 0.0)


def test_a_suite_of_bags_averages_each_of_p_r_f1_over_pages() -> None:
    suite = MeanOfPages().suite([bag_page("a b", "a b"), bag_page("a b c d", "a b")])
    assert (suite.precision, suite.recall) == pytest.approx((1.0, 0.75))
    assert suite.f1 == pytest.approx((1.0 + 2 / 3) / 2), "the mean of page F1s, not F1 of the means"


# -- with / without -----------------------------------------------------------------------
def test_with_and_without_strings_count_after_collapsing_whitespace() -> None:
    body = "The  council voted\non Tuesday. Read more: subscribe now"
    scored = with_without_page(
        body, ["council voted on Tuesday", "night buses"], ["subscribe now", "Cookie settings"]
    )
    assert scored.checks == (1, 1, 1, 1)  # tp, fp, fn, tn
    assert (scored.precision, scored.recall, scored.passed) == (0.5, 0.5, False)
    assert with_without_page("alpha beta", ["alpha"], ["beta"]).passed is False, (
        "a kept without fails the page"
    )
    assert with_without_page("alpha", ["alpha"], ["beta"]).passed is True


def test_an_empty_body_misses_every_with_and_holds_no_without() -> None:
    scored = with_without_page("", ["a b", "c d"], ["e f"])
    assert scored.checks == (0, 0, 2, 1)
    assert scored.passed is False


def test_checks_are_summed_over_the_suite_and_passing_pages_counted() -> None:
    pages = [
        with_without_page("alpha beta", ["alpha"], ["gamma"]),  # tp 1, tn 1: passes
        with_without_page("gamma", ["alpha", "beta"], ["gamma"]),
    ]  # fn 2, fp 1
    suite = ChecksMetric().suite(pages)
    assert (suite.precision, suite.recall) == pytest.approx((1 / 2, 1 / 3))
    assert suite.f1 == pytest.approx(2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3))
    assert suite.passed == 1


# -- AEB -----------------------------------------------------------------------------------
def test_aeb_shingles_are_counted_as_multisets() -> None:
    assert shingles(words("a b c d e")) == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles(words("x y z w x y z w"))[("x", "y", "z", "w")] == 2
    assert shingles(["a", "b"]) == {("a", "b"): 1}, "a short text is one shorter shingle"
    tp, fp, fn = page_counts(shingles(words("a b c d e")), shingles(words("a b c d e f")))
    assert (tp, fp, fn) == pytest.approx((2 / 3, 1 / 3, 0.0))


def test_aeb_perfect_and_empty() -> None:
    truth = "One two three four five six."
    perfect = aeb_score([(truth, truth)])
    assert (perfect.f1, perfect.precision, perfect.recall, perfect.passed) == (1.0, 1.0, 1.0, 1)
    empty = aeb_page(truth, "")
    assert (empty.precision, empty.recall, empty.passed) == (None, 0.0, False), (
        "no precision to count"
    )
    assert (aeb_score([(truth, "")]).f1, aeb_score([(truth, "")]).recall) == (0.0, 0.0)


def test_aeb_means_precision_and_recall_over_pages_then_takes_f1() -> None:
    # Page 2 predicts 3 of the truth's 6 shingles and nothing else.
    result = AebMetric().suite(
        [aeb_page("a b c d", "a b c d"), aeb_page("p q r s t u v w x", "p q r s t u")]
    )
    assert (result.precision, result.recall) == pytest.approx((1.0, 0.75))
    assert result.f1 == pytest.approx(2 * 1.0 * 0.75 / 1.75)
    assert result.passed == 1


# -- fields --------------------------------------------------------------------------------
def test_titles_compare_after_nfkc_casefold_and_whitespace() -> None:
    assert title_matches("Night  Buses\nExtended", "night buses extended")
    assert title_matches("ＡＢＣ：城市", "abc:城市"), "NFKC folds full-width forms"
    assert title_matches("STRASSE", "straße"), "case folding, not lower()"
    assert not title_matches("Night buses", "Night buses | City News"), "a site suffix is wrong"
    assert not title_matches("Night buses", None)


def test_dates_compare_on_their_day() -> None:
    assert date_matches("2019-10-16", "2019-10-16T19:08:22+02:00")
    assert date_matches("2021-11-01T10:52:50+0100", "2021-11-01")
    assert not date_matches("2019-10-16", "2019-10-17")
    assert not date_matches("2019-10-16", None)


def test_authors_match_by_containment_without_a_leading_by() -> None:
    assert author_matches("Heike Buchter", "By Heike Buchter")
    assert author_matches("by Lucas Nolan22 Dec 2016651", "lucas nolan")
    assert author_matches("Jane Doe", "Jane Doe; John Roe")
    assert not author_matches("Jane Doe", "John Roe")
    assert not author_matches("Jane Doe", "") and not author_matches("Jane Doe", None)
    assert normal_author("By: Jane  Doe") == "jane doe"
    assert normal_author("Byron Smith") == "byron smith", "only a leading word 'by' goes"


@pytest.mark.parametrize(
    "author",
    [
        "jane@example.com",
        "Jane Doe <jane@example.com>",
        "123456",
        "Posted by Jane",
        "Author: Jane",
        "By JANE DOE, AP Writer",
        "https://example.com/u/jane",
        "www.example.com",
        "example.com",
    ],
)
def test_junk_authors(author: str) -> None:
    assert is_junk_author(author)


@pytest.mark.parametrize("author", ["Jane Doe", "Byron Smith", "Authority Desk", "张三", None, ""])
def test_names_are_not_junk(author: str | None) -> None:
    assert not is_junk_author(author)


# -- comparing two runs ----------------------------------------------------------------------
def _record(score: float, verdict: str | None = None, **fields: bool | None) -> dict[str, object]:
    return {
        "score": score,
        "verdict": verdict,
        "title_ok": fields.get("title"),
        "date_ok": fields.get("date"),
        "author_ok": fields.get("author"),
    }


def test_a_page_is_worse_for_a_lower_score_a_field_turned_wrong_or_a_new_verdict() -> None:
    assert page_change(_record(0.9), _record(0.8)) == -1
    assert page_change(_record(0.9, date=True), _record(0.9, date=False)) == -1
    assert page_change(_record(0.5), _record(0.5, verdict="not_article")) == -1
    assert page_change(_record(0.8, title=False), _record(0.8, title=True)) == 1
    assert page_change(_record(0.8, date=None), _record(0.8, date=None)) == 0
    assert page_change(_record(0.8, title=True), _record(0.9, title=False)) == -1, (
        "a mix is looked at"
    )
