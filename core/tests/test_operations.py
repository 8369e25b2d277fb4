"""Operations: health check, a cache that survives Redis going away, the read-replica router."""

import socket
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.db import DatabaseError, connections
from django.test.utils import CaptureQueriesContext

from core.cache import ResilientRedisCache
from core.routers import ReplicaRouter, public_reads


@pytest.mark.django_db
def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_fails_when_the_database_is_down(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=DatabaseError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def unused_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_cache_keeps_working_degraded_when_redis_is_unreachable():
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{unused_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
    )
    assert cache.get("key", "fallback") == "fallback"
    cache.set("key", "value")
    assert cache.add("key", "value") is False
    assert cache.get_many(["a", "b"]) == {}
    with pytest.raises(ValueError):
        cache.incr("counter")


def redis_available():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.2).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_available(), reason="no Redis server on 127.0.0.1:6379")
def test_cache_uses_redis_when_it_is_there():
    cache = ResilientRedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "newsroom-test"})
    cache.set("key", {"a": 1}, 30)
    assert cache.get("key") == {"a": 1}
    cache.delete("key")


@pytest.mark.skipif(not redis_available(), reason="no Redis server on 127.0.0.1:6379")
def test_the_redis_cache_makes_one_client_per_server_and_shares_it_between_threads():
    cache = ResilientRedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "newsroom-test-threads"})
    client = cache._cache.get_client("a", write=True)
    assert cache._cache.get_client("b") is client

    def round_trip(n):
        cache.set(f"key-{n}", n, 30)
        return cache.get(f"key-{n}")

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(round_trip, range(200))) == list(range(200))
    cache.delete_many([f"key-{n}" for n in range(200)])


def test_router_sends_public_reads_to_the_replica_and_the_rest_to_the_primary():
    router = ReplicaRouter()
    assert router.db_for_read(None) == "default"
    with public_reads():
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"
    assert router.allow_migrate("replica", "articles") is False


@pytest.fixture
def replica_alias(settings):
    """The "replica" alias of conftest.py, mirroring the test database, with the router on."""
    settings.DATABASE_ROUTERS = ["core.routers.ReplicaRouter"]
    return connections["replica"]


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_public_pages_read_from_the_replica_and_the_admin_from_the_primary(client, admin_user, replica_alias):
    from articles.tests.factories import make_article

    article = make_article(title="Replicated story")
    with CaptureQueriesContext(replica_alias) as replica, CaptureQueriesContext(connections["default"]) as primary:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert any("articles_article" in q["sql"] for q in replica.captured_queries)
    assert not any("articles_article" in q["sql"] for q in primary.captured_queries)

    client.force_login(admin_user)
    with CaptureQueriesContext(replica_alias) as replica:
        assert client.get("/admin/articles/article/").status_code == 200
    assert replica.captured_queries == []
