"""`cached_property` without a lock: page objects compute each field once, on one thread.

Python 3.11's `functools.cached_property` takes one lock per property, shared by every
instance, on each first access (3.12 dropped it as a bug, python/cpython#87634). A page
object reads ~40 such properties per page: the lock was 3% of extraction's instructions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class cached_property(Generic[T]):
    """The value is computed on first access and stored in the instance's `__dict__`, which
    later lookups find first (a non-data descriptor), exactly as functools does it."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.attrname = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.attrname = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> cached_property[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | cached_property[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.attrname] = self.func(instance)
        return value
