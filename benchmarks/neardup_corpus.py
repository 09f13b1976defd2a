"""A generated, seeded evaluation corpus for near-duplicate detection.

Clusters of one original article and its copies as content farms make them: mirrored
under another URL with the farm's header and footer, lightly edited (words swapped, a
paragraph added or dropped, boilerplate added, title changed). Between clusters sit the
hard negatives: distinct articles on the same topic, and distinct articles carrying the
same farm boilerplate. Chinese originals are the bundled fixture bodies and text made from
their phrases; English originals are made from topic vocabularies of generated words.
Only tests and benchmarks use this; it is deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "they",
    "you",
    "were",
    "her",
    "she",
    "there",
    "been",
    "one",
    "all",
    "we",
    "their",
    "has",
    "would",
    "when",
    "if",
    "so",
    "no",
    "will",
    "more",
    "can",
    "about",
    "its",
    "also",
    "into",
    "only",
    "other",
    "new",
    "some",
    "could",
    "time",
    "these",
    "two",
    "may",
    "then",
    "do",
    "first",
    "any",
    "my",
    "now",
    "such",
    "like",
    "our",
    "over",
    "man",
    "me",
    "even",
    "most",
    "made",
    "after",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "how",
    "too",
    "little",
    "state",
    "good",
    "very",
    "make",
    "world",
    "still",
    "own",
    "see",
    "men",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "life",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
    "while",
    "last",
    "might",
    "us",
    "great",
    "old",
    "year",
]
_SYLLABLES = [
    c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou", "ea")
]
_ZH_SPLIT = re.compile(r"[\s，。、；：！？（）“”‘’《》,.;:!?()\[\]]+")


@dataclass(frozen=True, slots=True)
class CorpusDoc:
    url: str
    body: str
    language: str
    cluster: int
    """Documents of one cluster are near-duplicates of each other; of no other."""
    topic: int
    """Clusters of one topic share vocabulary (and sometimes farm boilerplate): hard negatives."""
    kind: str
    """original, mirror, edited or distinct (an original sharing a topic with others)."""


@dataclass(frozen=True, slots=True)
class Farm:
    header: str
    footer: str


class Vocabulary:
    """Word pools for one language: function words, a general pool, and per-topic pools."""

    def __init__(self, rng: random.Random, language: str, phrases: Sequence[str] = ()) -> None:
        self.rng = rng
        self.language = language
        if language == "zh":
            chunks = [p[i : i + rng.randint(2, 4)] for p in phrases for i in range(0, len(p), 3)]
            self.general = sorted({c for c in chunks if len(c) >= 2})
            self.function = list("的了是在和与对中为而及也将等") + [
                "我们",
                "因此",
                "可以",
                "通过",
                "进行",
            ]
        else:
            self.general = sorted({self.word(2, 4) for _ in range(3000)})
            self.function = list(FUNCTION_WORDS)

    def word(self, low: int, high: int) -> str:
        return "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(low, high)))

    def topic(self, size: int) -> list[str]:
        if self.language == "zh":
            return self.rng.sample(self.general, min(size, len(self.general)))
        return [self.word(2, 5) for _ in range(size)]

    def sentence(self, topic: Sequence[str]) -> str:
        words = []
        for _ in range(self.rng.randint(6, 20)):
            roll = self.rng.random()
            pool = self.function if roll < 0.4 else topic if roll < 0.8 else self.general
            words.append(
                pool[min(int(self.rng.paretovariate(1.1)) - 1, len(pool) - 1)]
                if pool is self.function
                else self.rng.choice(pool)
            )
        if self.language == "zh":
            cut = self.rng.randint(2, max(2, len(words) - 2))
            return "".join(words[:cut]) + "，" + "".join(words[cut:]) + "。"
        return " ".join(words).capitalize() + "."

    def paragraph(self, topic: Sequence[str]) -> str:
        sep = "" if self.language == "zh" else " "
        return sep.join(self.sentence(topic) for _ in range(self.rng.randint(2, 5)))

    def article(self, topic: Sequence[str]) -> str:
        return "\n\n".join(self.paragraph(topic) for _ in range(self.rng.randint(2, 8)))


def _farms(rng: random.Random, vocab: dict[str, Vocabulary], count: int) -> dict[str, list[Farm]]:
    """Farm boilerplate per language: a header line and a footer of a sentence or two."""
    farms: dict[str, list[Farm]] = {"zh": [], "en": []}
    for i in range(count):
        name = vocab["en"].word(2, 3).capitalize()
        farms["en"].append(
            Farm(
                header=(
                    f"{name} Daily | Originally published on {name.lower()}.example, "
                    "shared for readers."
                ),
                footer=f"Subscribe to {name} Daily for more stories like this. "
                f"All rights belong to the original author; contact us to remove. Ref {i}.",
            )
        )
        farms["zh"].append(
            Farm(
                header=f"本文转载自{name}网，原文链接见文末，仅供学习交流。",
                footer=f"免责声明：本文来源于网络，版权归原作者所有，如有侵权请联系{name}删除。"
                f"关注{name}公众号，获取更多精彩内容。编号{i}。",
            )
        )
    return farms


class CopyMaker:
    """How farms copy an article: boilerplate, word swaps, a paragraph added or dropped."""

    def __init__(self, rng: random.Random, vocab: Vocabulary, farms: Sequence[Farm]) -> None:
        self.rng = rng
        self.vocab = vocab
        self.farms = farms

    def mirror(self, body: str) -> str:
        return self.boilerplate(body)

    def edited(self, body: str, topic: Sequence[str]) -> str:
        rng = self.rng
        ops = [op for op in ("swap", "paragraph") if rng.random() < 0.7] or [
            rng.choice(("swap", "paragraph"))
        ]
        if "paragraph" in ops:
            body = self.paragraph_change(body, topic)
        if "swap" in ops:
            body = self.swap_words(body, rng.uniform(0.01, 0.04))
        return self.boilerplate(body) if rng.random() < 0.6 else body

    def boilerplate(self, body: str) -> str:
        farm = self.rng.choice(self.farms)
        where = self.rng.choice(("header", "footer", "both"))
        parts = [farm.header] if where != "footer" else []
        parts.append(body)
        if where != "header":
            parts.append(farm.footer)
        return "\n\n".join(parts)

    def paragraph_change(self, body: str, topic: Sequence[str]) -> str:
        paragraphs = body.split("\n\n")
        if len(paragraphs) >= 3 and self.rng.random() < 0.5:
            del paragraphs[self.rng.randrange(len(paragraphs))]
        else:
            paragraphs.insert(self.rng.randint(0, len(paragraphs)), self.vocab.paragraph(topic))
        return "\n\n".join(paragraphs)

    def swap_words(self, body: str, rate: float) -> str:
        """Replace, drop or insert a word (a character or two in Chinese) at `rate`."""
        units: list[str] = list(body) if self.vocab.language == "zh" else body.split(" ")
        out: list[str] = []
        for unit in units:
            if unit.strip() and self.rng.random() < rate:
                roll = self.rng.random()
                if roll < 0.6:
                    out.append(self._replacement())
                elif roll < 0.8:
                    out.extend((unit, self._replacement()))
                continue
            out.append(unit)
        return ("" if self.vocab.language == "zh" else " ").join(out)

    def _replacement(self) -> str:
        word = self.rng.choice(self.vocab.general)
        return word[: self.rng.randint(1, 2)] if self.vocab.language == "zh" else word


def generate_corpus(seed: int, topics: int, fixture_bodies: Sequence[str] = ()) -> list[CorpusDoc]:
    """`topics` topics alternating Chinese and English, each with 1-3 distinct originals and
    0-4 copies of each; shuffled. Chinese topics start from the fixture bodies given."""
    rng = random.Random(seed)
    phrases = [p for body in fixture_bodies for p in _ZH_SPLIT.split(body) if len(p) >= 2]
    vocab = {"zh": Vocabulary(rng, "zh", phrases or ["默认内容生成"]), "en": Vocabulary(rng, "en")}
    farms = _farms(rng, vocab, 6)
    docs: list[CorpusDoc] = []
    for t in range(topics):
        language = "zh" if t % 2 == 0 else "en"
        fixture = (
            fixture_bodies[t // 2] if language == "zh" and t // 2 < len(fixture_bodies) else None
        )
        topic = _topic_words(vocab[language], fixture)
        maker = CopyMaker(rng, vocab[language], farms[language])
        for a in range(rng.randint(1, 3)):
            original = fixture if fixture and a == 0 else vocab[language].article(topic)
            if rng.random() < 0.3:
                original = maker.boilerplate(original)
            kind = "original" if a == 0 else "distinct"
            docs.extend(_cluster(rng, maker, topic, original, (language, t, len(docs)), kind))
    rng.shuffle(docs)
    return docs


def _topic_words(vocab: Vocabulary, fixture: str | None) -> list[str]:
    if fixture is None:
        return vocab.topic(150)
    words = {p[i : i + 3] for p in _ZH_SPLIT.split(fixture) for i in range(0, len(p), 2)}
    return sorted(w for w in words if len(w) >= 2)


def _cluster(
    rng: random.Random,
    maker: CopyMaker,
    topic: Sequence[str],
    original: str,
    where: tuple[str, int, int],
    kind: str,
) -> list[CorpusDoc]:
    """The original and 0-4 copies; a copy is sometimes made from an earlier copy."""
    bodies = [(original, kind)]
    for _ in range(rng.randint(0, 4)):
        source = rng.choice(bodies)[0] if rng.random() < 0.15 else original
        if rng.random() < 0.35:
            bodies.append((maker.mirror(source), "mirror"))
        else:
            bodies.append((maker.edited(source, topic), "edited"))
    language, topic_id, cluster = where
    return [
        CorpusDoc(
            f"https://{language}{cluster}-{i}.farm.test/a.html",
            body,
            language,
            cluster,
            topic_id,
            kind,
        )
        for i, (body, kind) in enumerate(bodies)
    ]
