"""
The forest of links a large cluster refresh builds (articles.clusters.refresh_many_clusters).

A union-find over story ids in which each tree is rooted at its smallest id,
so that a story's root is its cluster's name; it also records which stories'
links were followed and which have a link at all. The run's own stories (an
import's 100,000, say) take 17 bytes each in flat arrays, found by bisection;
the few stored stories the links lead to, a dict entry each.
"""

import heapq
from array import array
from bisect import bisect_left

_FOLLOWED = 1
_LINKED = 2


class Forest:
    def __init__(self, ours):
        """`ours`: the run's story ids, sorted, each once."""
        self._ours = array("q", ours)
        self._parents = array("q", self._ours)
        self._flags = bytearray(len(self._ours))
        self._other_parents = {}
        self._other_flags = {}

    def _slot(self, story):
        slot = bisect_left(self._ours, story)
        return slot if slot < len(self._ours) and self._ours[slot] == story else -1

    def _parent(self, story):
        slot = self._slot(story)
        return self._parents[slot] if slot >= 0 else self._other_parents.get(story, story)

    def _set_parent(self, story, parent):
        slot = self._slot(story)
        if slot >= 0:
            self._parents[slot] = parent
        else:
            self._other_parents[story] = parent

    def _flag(self, story, flag):
        slot = self._slot(story)
        if slot >= 0:
            self._flags[slot] |= flag
        else:
            self._other_flags[story] = self._other_flags.get(story, 0) | flag

    def _has(self, story, flag):
        slot = self._slot(story)
        return bool((self._flags[slot] if slot >= 0 else self._other_flags.get(story, 0)) & flag)

    def root(self, story):
        """The smallest id of the story's tree."""
        parent = self._parent(story)
        while parent != story:
            # Path halving: each step also shortens the path for the next search.
            grandparent = self._parent(parent)
            self._set_parent(story, grandparent)
            story, parent = grandparent, self._parent(grandparent)
        return story

    def join(self, links):
        for a, b in links:
            self._flag(a, _LINKED)
            self._flag(b, _LINKED)
            root_a, root_b = self.root(a), self.root(b)
            if root_a != root_b:
                self._set_parent(max(root_a, root_b), min(root_a, root_b))

    def follow(self, stories):
        for story in stories:
            self._flag(story, _FOLLOWED)

    def followed(self, story):
        return self._has(story, _FOLLOWED)

    def stored(self, stories):
        """Those of `stories` that are not the run's own and whose links were not followed yet."""
        return {story for story in stories if self._slot(story) < 0 and not self._has(story, _FOLLOWED)}

    def clusters(self):
        """(story, cluster) of each followed story, in id order: the smallest id of its tree, None if it has no link."""
        others = sorted(story for story, flags in self._other_flags.items() if flags & _FOLLOWED)
        mine = (story for story, flags in zip(self._ours, self._flags, strict=True) if flags & _FOLLOWED)
        for story in heapq.merge(mine, others):
            yield story, self.root(story) if self._has(story, _LINKED) else None
