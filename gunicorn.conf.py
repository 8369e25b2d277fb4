"""gunicorn settings for `make serve` and production; each can be overridden from the environment."""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The usual rule for synchronous workers: two per core, plus one.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that slow leaks cannot grow without bound, but rarely: a new
# worker loads Django and starts with an empty local cache, and the requests it takes meanwhile
# wait about a second. At 2,000 requests a busy worker restarted every few seconds, and that
# wait was the p99 of every page (1-2 s against 13 ms without it: docs/performance.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Empty: no access log of gunicorn's own, where the proxy in front logs each request (docs/nginx.conf):
# formatting and writing the line was 4% of a story page's time in a worker (py-spy).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# Only trust X-Forwarded-* from the load balancer's addresses.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


# Python's cyclic collector, run less often: a page leaves some two hundred objects in cycles, and
# each collection also walks what the worker keeps between requests. Every 7,000 new objects
# instead of 700 took 7% off a story page's CPU and 4% off a search's (alternating batches in
# process); Django's start-up objects, frozen, are never walked again (docs/performance.md).
GC_THRESHOLDS = (7000, 10, 10)


def post_worker_init(worker):
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
