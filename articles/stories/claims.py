"""
The stories claimed so far in one import run, in little memory.

Two files of one run that claim the same story: the second is a duplicate of
the first, and its message names the first. A dict of 100,000 digests and
path strings was about 150 bytes a file; this table keeps an 8-byte digest of
the story's URL and where the first file's name is, in flat arrays (32 bytes
a file at most), and the names, needed only for the rare duplicate, in a
temporary file that stays in memory while it is small.
"""

import hashlib
import os
import tempfile
from array import array

_EMPTY = 0
# A name's place in the names file: its offset above its length (a path is at most 4,096 bytes on Linux).
_LENGTH_BITS = 20
_NAMES_IN_MEMORY = 1 << 20


def claim_key(url_key: str) -> int:
    """A story's 63-bit digest (never 0, the empty slot): a false claim between two of 100,000 stories is 1 in 10**9."""
    digest = int.from_bytes(hashlib.blake2b(url_key.encode(), digest_size=8).digest(), "big") >> 1
    return digest or 1


class Claims:
    """{claim_key: name of the first file}, with open addressing over arrays."""

    def __init__(self, size=1024):
        self._keys = array("q", [_EMPTY]) * size
        self._places = array("q", [0]) * size
        self._names = tempfile.SpooledTemporaryFile(max_size=_NAMES_IN_MEMORY)
        self._count = 0

    def __len__(self):
        return self._count

    def close(self):
        """Let go of the names' file (on disk once it outgrew memory)."""
        self._names.close()

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
        place = self._places[slot]
        self._names.seek(place >> _LENGTH_BITS)
        return self._names.read(place & ((1 << _LENGTH_BITS) - 1)).decode("utf-8", "surrogateescape")

    def add(self, key, name):
        """Record that `name` claims `key` (the first claim stays)."""
        slot = self._slot(key)
        if self._keys[slot] != _EMPTY:
            return
        encoded = name.encode("utf-8", "surrogateescape")[: (1 << _LENGTH_BITS) - 1]
        start = self._names.seek(0, os.SEEK_END)
        self._names.write(encoded)
        self._keys[slot] = key
        self._places[slot] = start << _LENGTH_BITS | len(encoded)
        self._count += 1
        if self._count * 2 > len(self._keys):
            self._grow()

    def _grow(self):
        keys, places = self._keys, self._places
        size = len(keys) * 2
        self._keys = array("q", [_EMPTY]) * size
        self._places = array("q", [0]) * size
        for key, place in zip(keys, places, strict=True):
            if key != _EMPTY:
                slot = self._slot(key)
                self._keys[slot], self._places[slot] = key, place
