"""
The stories claimed so far in one import run, in little memory.

Two files of one run that claim the same story: the second is a duplicate of
the first, and its message names the first. A dict of 100,000 digests and
path strings was about 150 bytes a file; this table keeps an 8-byte digest of
the story's URL and the first file's name as UTF-8 bytes in flat arrays,
about 70 bytes a file.
"""

import hashlib
from array import array

_EMPTY = 0


def claim_key(url_key: str) -> int:
    """A story's 63-bit digest (never 0, the empty slot): a false claim between two of 100,000 stories is 1 in 10**9."""
    digest = int.from_bytes(hashlib.blake2b(url_key.encode(), digest_size=8).digest(), "big") >> 1
    return digest or 1


class Claims:
    """{claim_key: name of the first file}, with open addressing over arrays."""

    def __init__(self, size=1024):
        self._keys = array("q", [_EMPTY]) * size
        self._starts = array("q", [0]) * size
        self._lengths = array("l", [0]) * size
        self._names = bytearray()
        self._count = 0

    def __len__(self):
        return self._count

    def _slot(self, key):
        mask = len(self._keys) - 1
        slot = key & mask
        while self._keys[slot] != _EMPTY and self._keys[slot] != key:
            slot = (slot + 1) & mask
        return slot

    def get(self, key):
        """The name of the file that claimed `key`, or None."""
        slot = self._slot(key)
        if self._keys[slot] == _EMPTY:
            return None
        start = self._starts[slot]
        return self._names[start : start + self._lengths[slot]].decode("utf-8", "surrogateescape")

    def add(self, key, name):
        """Record that `name` claims `key` (the first claim stays)."""
        slot = self._slot(key)
        if self._keys[slot] != _EMPTY:
            return
        encoded = name.encode("utf-8", "surrogateescape")
        self._keys[slot] = key
        self._starts[slot] = len(self._names)
        self._lengths[slot] = len(encoded)
        self._names += encoded
        self._count += 1
        if self._count * 2 > len(self._keys):
            self._grow()

    def _grow(self):
        keys, starts, lengths = self._keys, self._starts, self._lengths
        size = len(keys) * 2
        self._keys = array("q", [_EMPTY]) * size
        self._starts = array("q", [0]) * size
        self._lengths = array("l", [0]) * size
        for key, start, length in zip(keys, starts, lengths, strict=True):
            if key != _EMPTY:
                slot = self._slot(key)
                self._keys[slot], self._starts[slot], self._lengths[slot] = key, start, length
