"""CSS selectors matched in Python against an element index, for the selectors profiles use.

libxml2's XPath walks the whole tree for every `descendant-or-self::*[...]`, and its string
functions (the `contains(concat(' ', normalize-space(@class), ' '), ' x ')` that a class
becomes) run on every element: one `.breadcrumb` cost 0.2 ms on a 500-element page, and a
profile asks 15-25 such questions per page. Here a page's elements are indexed once by class
and id (one pass, in document order), and a selector made of tags, classes, ids, attribute
tests and descendant/child combinators is answered from the index, right to left, as
browsers match. Anything else (pseudo-classes, sibling combinators, namespaces, `::text`) returns
`None` from `compile_css`, and the caller uses the XPath that parsel translates.

The answers are the XPath's answers, element for element and in document order: the class
test splits on XML whitespace as `normalize-space` does, attribute operators follow
cssselect's HTML translation, and tests/test_cssmatch.py checks every selector of every
profile and of the generic layer on every fixture page, plus random trees and selectors.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeAlias

import cssselect
from cssselect import parser as css
from lxml import etree

Element: TypeAlias = etree._Element
_XML_SPACES = str.maketrans("\t\n\r", "   ")


def class_tokens(value: str) -> list[str]:
    """The class names of an attribute value, split on XML whitespace as XPath does.

    On ASCII, str.split() is that split: the other ASCII whitespace it knows (\x0b, \x0c,
    \x1c-\x1f) never reaches the tree (tree.clean_for_lxml). Beyond ASCII it would also
    split on U+00A0 and the like, which XPath keeps inside a name.
    """
    if value.isascii():
        return value.split()
    return [name for name in value.translate(_XML_SPACES).split(" ") if name]


@dataclass(frozen=True, slots=True)
class Compound:
    """One compound selector (`div.toc#main[href^="#"]`): every test must hold."""

    tag: str | None
    ids: tuple[str, ...]
    classes: tuple[str, ...]
    attrs: tuple[tuple[str, Callable[[str], bool]], ...]

    def matches(self, el: Element) -> bool:
        if self.tag is not None and el.tag != self.tag:
            return False
        for ident in self.ids:
            if el.get("id") != ident:
                return False
        if self.classes:
            value = el.get("class")
            if value is None:
                return False
            tokens = class_tokens(value)
            if not all(name in tokens for name in self.classes):
                return False
        for name, test in self.attrs:
            value = el.get(name)
            if value is None or not test(value):
                return False
        return True


@dataclass(frozen=True, slots=True)
class Chain:
    """Compounds joined by descendant (` `) or child (`>`) combinators, rightmost last."""

    compounds: tuple[Compound, ...]
    combinators: tuple[str, ...]
    """combinators[i] joins compounds[i] and compounds[i + 1]."""

    def matches(self, el: Element, scope: Element) -> bool:
        """Whether `el` matches, with every left compound inside `scope` (inclusive), as
        parsel's `descendant-or-self::a/descendant::b` evaluated at `scope` requires."""
        return self.compounds[-1].matches(el) and self._left(el, len(self.compounds) - 1, scope)

    def _left(self, el: Element, i: int, scope: Element) -> bool:
        if i == 0:
            return True
        want = self.compounds[i - 1]
        if el is scope:
            return False
        if self.combinators[i - 1] == ">":
            parent = el.getparent()
            return parent is not None and want.matches(parent) and self._left(parent, i - 1, scope)
        for ancestor in el.iterancestors():
            if want.matches(ancestor) and self._left(ancestor, i - 1, scope):
                return True
            if ancestor is scope:
                break
        return False


@dataclass(frozen=True, slots=True)
class CompiledCss:
    """A selector list (`a, b`) and what it yields: elements, or `::attr(x)` values."""

    chains: tuple[Chain, ...]
    attr: str | None

    def select(self, node: Element, index: ElementIndex | None = None) -> list[Element | str]:
        """Matches under (and including) `node`, in document order; `index`, when given,
        indexes the whole tree that `node` is part of."""
        if len(self.chains) == 1:
            found = _matches(self.chains[0], node, index)
        else:
            hits = [m for m in (_matches(chain, node, index) for chain in self.chains) if m]
            if len(hits) <= 1:  # the usual case: one part of `a, b` matched, in page order
                found = hits[0] if hits else []
            else:
                found = sorted(set().union(*hits), key=(index or ElementIndex(node)).position)
        if self.attr is not None:
            return [v for v in (el.get(self.attr) for el in found) if v is not None]
        return list(found)


def _matches(chain: Chain, node: Element, index: ElementIndex | None) -> list[Element]:
    last = chain.compounds[-1]
    candidates: Iterable[Element] | None = None
    if index is not None and (last.ids or last.classes):
        candidates = index.with_id(last.ids[0]) if last.ids else index.with_class(last.classes[0])
        if node is not index.root:
            # A part of the page: the index's few candidates that lie inside it, unless
            # there are so many that walking the part is cheaper.
            candidates = (
                [el for el in candidates if _inside(el, node)]
                if len(candidates) <= SCOPED_FROM_INDEX
                else None
            )
    if candidates is None:
        if len(chain.compounds) > 1:
            # `div.tags a`: the left part names a few elements, the last compound only a
            # tag; search under those few rather than check the ancestors of every <a>.
            return _under(chain, node, index)
        candidates = node.iter(last.tag if last.tag is not None else etree.Element)
    if len(chain.compounds) == 1:
        return [el for el in candidates if last.matches(el)]
    return [el for el in candidates if chain.matches(el, node)]


# Up to this many index candidates, a query on part of the page filters them by ancestry;
# beyond, it walks the part instead.
SCOPED_FROM_INDEX = 64


def _inside(el: Element, scope: Element) -> bool:
    return el is scope or any(a is scope for a in el.iterancestors())


def _under(chain: Chain, node: Element, index: ElementIndex | None) -> list[Element]:
    last, combinator = chain.compounds[-1], chain.combinators[-1]
    parents = _matches(Chain(chain.compounds[:-1], chain.combinators[:-1]), node, index)
    tag = last.tag if last.tag is not None else etree.Element
    found: dict[Element, None] = {}
    for parent in parents:
        below = parent.iterchildren(tag) if combinator == ">" else parent.iterdescendants(tag)
        found.update((el, None) for el in below if last.matches(el))
    if len(parents) > 1:  # nested parents find some elements twice, and out of page order
        return sorted(found, key=(index or ElementIndex(node)).position)
    return list(found)


class ElementIndex:
    """A tree's elements by class and by id, in document order, built in one pass."""

    def __init__(self, root: Element) -> None:
        self.root = root
        self._classes: dict[str, list[Element]] | None = None
        self._ids: dict[str, list[Element]] = {}
        self._positions: dict[Element, int] | None = None

    def _build(self) -> dict[str, list[Element]]:
        classes: dict[str, list[Element]] = {}
        ids = self._ids
        for el in self.root.iter(etree.Element):
            value = el.get("class")
            if value is not None:
                names = class_tokens(value)
                for name in set(names) if len(names) > 1 else names:
                    classes.setdefault(name, []).append(el)
            ident = el.get("id")
            if ident is not None:
                ids.setdefault(ident, []).append(el)
        self._classes = classes
        return classes

    def with_class(self, name: str) -> list[Element]:
        classes = self._classes if self._classes is not None else self._build()
        return classes.get(name, [])

    def with_id(self, ident: str) -> list[Element]:
        if self._classes is None:
            self._build()
        return self._ids.get(ident, [])

    def named_like(self, pattern: re.Pattern[str]) -> set[Element]:
        """The elements with a class name or an id in which `pattern` finds a match: one
        search per distinct name, not one per element. For a pattern that never matches
        across XML whitespace, the same elements as searching each `class id` string."""
        classes = self._classes if self._classes is not None else self._build()
        found: set[Element] = set()
        for names in (classes, self._ids):
            for name, elements in names.items():
                if pattern.search(name):
                    found.update(elements)
        return found

    def position(self, el: Element) -> int:
        if self._positions is None:
            self._positions = {e: i for i, e in enumerate(self.root.iter(etree.Element))}
        return self._positions[el]


ANY_ELEMENT = Compound(None, (), (), ())


@functools.lru_cache(maxsize=4096)
def compile_css(selector: str) -> CompiledCss | None:
    """The selector compiled for matching in Python, or None when it uses anything else."""
    try:
        parsed = cssselect.parse(selector)
    except cssselect.SelectorError:
        return None
    chains, kinds = [], set()
    for sel in parsed:
        chain = _chain(sel.parsed_tree)
        kind = _pseudo_element(sel.pseudo_element)
        if chain is None or kind is None:
            return None
        if kind != "element" and len(chain.compounds) > 1 and chain.compounds[-1] == ANY_ELEMENT:
            # cssselect writes `a *::attr(x)` as `…/descendant-or-self::*/@x`: the `a` too.
            return None
        chains.append(chain)
        kinds.add(kind)
    if len(kinds) != 1:
        return None
    (kind,) = kinds
    return CompiledCss(tuple(chains), kind[5:] if kind.startswith("attr:") else None)


def _pseudo_element(pe: object) -> str | None:
    # `::text` stays with XPath: the text nodes of nested matches interleave in page order.
    if pe is None:
        return "element"
    if isinstance(pe, css.FunctionalPseudoElement) and pe.name == "attr" and len(pe.arguments) == 1:
        arg = pe.arguments[0]
        if arg.type in ("IDENT", "STRING"):
            return "attr:" + str(arg.value)
    return None


def _chain(tree: object) -> Chain | None:
    compounds: list[Compound] = []
    combinators: list[str] = []
    while isinstance(tree, css.CombinedSelector):
        if tree.combinator not in (" ", ">"):
            return None
        right = _compound(tree.subselector)
        if right is None:
            return None
        compounds.append(right)
        combinators.append(tree.combinator)
        tree = tree.selector
    left = _compound(tree)
    if left is None:
        return None
    compounds.append(left)
    return Chain(tuple(reversed(compounds)), tuple(reversed(combinators)))


def _compound(tree: object) -> Compound | None:
    ids: list[str] = []
    classes: list[str] = []
    attrs: list[tuple[str, Callable[[str], bool]]] = []
    while not isinstance(tree, css.Element):
        if isinstance(tree, css.Hash):
            ids.append(tree.id)
        elif isinstance(tree, css.Class):
            classes.append(tree.class_name)
        elif isinstance(tree, css.Attrib) and tree.namespace is None:
            test = _attribute_test(tree.operator, None if tree.value is None else tree.value.value)
            if test is None:
                return None
            attrs.append((tree.attrib.lower(), test))
        else:
            return None
        tree = tree.selector
    if tree.namespace is not None:
        return None
    tag = tree.element.lower() if tree.element is not None else None
    # Tests apply right to left in the selector text: keep the written order.
    return Compound(tag, tuple(reversed(ids)), tuple(reversed(classes)), tuple(reversed(attrs)))


def _attribute_test(operator: str, value: str | None) -> Callable[[str], bool] | None:
    """cssselect's HTML translation of an attribute operator, as a test of the value."""
    if operator == "exists":
        return _always
    if value is None:
        return None
    if operator == "=":
        return value.__eq__
    if operator == "~=":
        if not value or any(c in value for c in " \t\n\r\f"):
            return _never
        return lambda v: value in class_tokens(v)
    if operator == "|=":
        return lambda v: v == value or v.startswith(value + "-")
    if operator in ("^=", "$=", "*="):
        if not value:
            return _never
        return {
            "^=": lambda v: v.startswith(value),
            "$=": lambda v: v.endswith(value),
            "*=": lambda v: value in v,
        }[operator]
    return None


def _always(_: str) -> bool:
    return True


def _never(_: str) -> bool:
    return False
