"""Django's local-memory cache, bounded by the memory its entries take rather than by their number."""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache

# What an entry costs beyond its pickled value and its key: the two dicts' slots and the objects.
ENTRY_OVERHEAD = 200
DEFAULT_MAX_BYTES = 128 * 1024 * 1024


class _Ledger:
    """The size of each entry of one named cache, and their total."""

    def __init__(self):
        self.sizes = {}
        self.total = 0


# Per cache name: LocMemCache's entries are shared by the instances of all threads, so are their sizes.
_ledgers = {}


class BoundedLocMemCache(LocMemCache):
    """LocMemCache that drops its least recently used entries, one by one, once they take OPTIONS["MAX_BYTES"].

    Django's counts entries (MAX_ENTRIES) and, once full, drops a third of
    them at once. Ours go from a card (1-2 KB) to a listing (~45 KB): a count
    low enough to bound the memory when a crawler varies query strings held
    too few story pages for a long tail of readers, which then lost a third
    of what they had every few seconds. MAX_ENTRIES, when given, applies as well.
    Every change goes through _set() and _delete() under the cache's lock,
    but incr(), which rewrites a number in place (our pages never use it).
    """

    def __init__(self, name, params):
        super().__init__(name, params)
        options = params.get("OPTIONS", {})
        self._max_bytes = int(options.get("MAX_BYTES", DEFAULT_MAX_BYTES))
        if "MAX_ENTRIES" not in options and "max_entries" not in params:
            # The bytes bound it: Django's default of 300 entries would bound it first.
            self._max_entries = float("inf")
        self._ledger = _ledgers.setdefault(name, _Ledger())

    @property
    def size(self):
        """The bytes the entries take, as counted against MAX_BYTES."""
        return self._ledger.total

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        ledger = self._ledger
        ledger.total -= ledger.sizes.pop(key, 0)
        super()._set(key, value, timeout)
        size = len(value) + len(key) + ENTRY_OVERHEAD
        ledger.sizes[key] = size
        ledger.total += size
        # The entry just written is the most recent: it goes last, if it alone is over the bound.
        while ledger.total > self._max_bytes and self._cache:
            self._drop_least_recent()

    def _cull(self):
        # Called by _set() with MAX_ENTRIES reached: make room for one, not for a third.
        self._drop_least_recent()

    def _drop_least_recent(self):
        # LocMemCache moves what it reads or writes to the front: the back is the least recent.
        key, _ = self._cache.popitem()
        del self._expire_info[key]
        self._ledger.total -= self._ledger.sizes.pop(key, 0)

    def _delete(self, key):
        deleted = super()._delete(key)
        if deleted:
            self._ledger.total -= self._ledger.sizes.pop(key, 0)
        return deleted

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._ledger.sizes.clear()
            self._ledger.total = 0
