"""Extension points: how a lower app calls into apps above it without importing them.

The lower app owns a `Hook` and calls it where the event happens; a higher app registers its
function in its AppConfig.ready(). So the import points down the app stack (docs/ARCHITECTURE.md)
and every call site still reads as an explicit call, unlike a Django signal.
"""

from collections.abc import Callable, Iterator
from typing import Any


class Hook:
    """An ordered set of functions, each called with the same keyword arguments."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc
        self._functions: list[Callable[..., Any]] = []

    def register(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if function not in self._functions:
            self._functions.append(function)
        return function

    def __iter__(self) -> Iterator[Callable[..., Any]]:
        return iter(tuple(self._functions))

    def __call__(self, **kwargs: Any) -> list[Any]:
        """Call every registered function; their results, in registration order."""
        return [function(**kwargs) for function in self]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._functions)} registered>"
