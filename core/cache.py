"""A Redis cache that degrades to no cache when Redis is away, and a process's own copy in front of it."""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, TimeoutError

from core.locmem import DEFAULT_MAX_BYTES, BoundedLocMemCache

logger = logging.getLogger(__name__)

_UNAVAILABLE = (ConnectionError, TimeoutError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, with one redis.Redis per connection pool instead of one per operation.

    Building a redis.Redis (redis-py 8) costs about 0.18 ms of CPU, more than
    the round trip it is for: a cached page asks the cache three to five
    times. A client holds no connection of its own (it takes one from the
    pool for each command) and may be shared between threads, as redis-py
    documents.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis backend; while Redis is unreachable every read is a miss and writes are dropped.

    After a failure Redis is left alone for `RETRY_AFTER` seconds, so a dead
    server costs one connection timeout per interval, not one per request.
    """

    RETRY_AFTER = 5.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._down_until = 0.0

    def _guard(self, method, default, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return default
        try:
            return getattr(super(), method)(*args, **kwargs)
        except _UNAVAILABLE as exc:
            self._down_until = time.monotonic() + self.RETRY_AFTER
            logger.warning("Redis cache unavailable, serving without cache: %s", exc)
            return default

    def get(self, key, default=None, version=None):
        return self._guard("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", list(data), data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        # Callers handle a missing key (ValueError); an absent cache looks like one.
        result = self._guard("incr", None, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found")
        return result

    def clear(self):
        return self._guard("clear", None)


_MISSING = object()


class LocalFirstCache(BaseCache):
    """A shared cache (OPTIONS["SHARED"], an alias) with each process's own bounded copy in front of it.

    For entries that never change under their key: a page kept under its
    stamp or the content's version, a card under its columns. A process may
    then keep its copy as long as its memory allows (OPTIONS["MAX_BYTES"],
    least recently used first out), and finding it again costs no round trip
    to Redis and no unpickling of a copy from there. (A list kept under the
    listing version may be rebuilt under the same key, but it is checked
    against its cards on every visit: an outdated copy is rebuilt, never shown.)
    What others write is found in the shared cache and copied on first read.
    """

    def __init__(self, location, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self._shared_alias = options.get("SHARED", "default")
        bound = {"MAX_BYTES": options.get("MAX_BYTES", DEFAULT_MAX_BYTES)}
        self._local = BoundedLocMemCache(f"local-first:{location}", {"TIMEOUT": self.default_timeout, "OPTIONS": bound})

    @property
    def _shared(self):
        # Looked up per use: caches[] gives each thread its own client.
        return caches[self._shared_alias]

    def get(self, key, default=None, version=None):
        value = self._local.get(key, _MISSING, version)
        if value is _MISSING:
            value = self._shared.get(key, _MISSING, version)
            if value is _MISSING:
                return default
            self._local.set(key, value, self.default_timeout, version)
        return value

    def get_many(self, keys, version=None):
        found = self._local.get_many(keys, version)
        missing = [key for key in keys if key not in found]
        if missing:
            fetched = self._shared.get_many(missing, version)
            if fetched:
                self._local.set_many(fetched, self.default_timeout, version)
                found.update(fetched)
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._local.set(key, value, timeout, version)
        self._shared.set(key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        self._local.set_many(data, timeout, version)
        return self._shared.set_many(data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        added = self._shared.add(key, value, timeout, version)
        if added:
            self._local.set(key, value, timeout, version)
        return added

    def has_key(self, key, version=None):
        return self._local.has_key(key, version) or self._shared.has_key(key, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        self._local.touch(key, timeout, version)
        return self._shared.touch(key, timeout, version)

    def delete(self, key, version=None):
        # This process's copy only: another's lives until it is dropped (the entries never change).
        self._local.delete(key, version)
        return self._shared.delete(key, version)

    def incr(self, key, delta=1, version=None):
        self._local.delete(key, version)
        return self._shared.incr(key, delta, version)

    def clear(self):
        self._local.clear()
        return self._shared.clear()
