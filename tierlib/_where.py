"""Where a value of a rule set stands in its YAML: locations by path, for the checks' problems."""

from __future__ import annotations

from typing import Any

from tierlib._yaml import LDict, LList
from tierlib.errors import Location

__all__ = ["Where"]


class Where:
    """Locations of values in the merged YAML tree by path, falling back to the nearest parent."""

    def __init__(self, tree: Any, default: Location) -> None:
        self.tree, self.default = tree, default

    def __call__(self, *path: str | int) -> Location:
        node, loc = self.tree, self.default
        for step in path:
            if isinstance(node, LDict) and isinstance(step, str) and step in node:
                loc = node.value_locs.get(step, loc)
                node = node[step]
            elif isinstance(node, LList) and isinstance(step, int) and step < len(node):
                loc = node.item_locs[step]
                node = node[step]
            else:
                break
        return getattr(node, "loc", loc) if not isinstance(node, LDict | LList) else loc

    def key(self, *path: str | int) -> Location:
        """Location of the last key of ``path`` itself (not its value)."""
        *head, last = path
        node = self.tree
        for step in head:
            if isinstance(node, LDict) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, LList) and isinstance(step, int) and step < len(node):
                node = node[step]
        if isinstance(node, LDict) and isinstance(last, str) and last in node.key_locs:
            return node.key_locs[last]
        return self(*head)
