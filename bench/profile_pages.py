#!/usr/bin/env python
"""
CPU per uncached public page, in process: no server, no network, no wrk.

    DATABASE_URL=sqlite:////tmp/db.sqlite3 python bench/profile_pages.py [--requests 200] [--profile]

The database is one bench/run.py builds (make_corpus.py + import_stories).
Each page of bench/run.py's public_paths() is asked for through the WSGI
handler with the page cache off (NEWSROOM_PAGE_CACHE=0, as bench/pages.py's
uncached servers), after a warm-up; the floor view is measured the same way
as the reference. Prints CPU ms per request (time.process_time, so other
processes on a shared machine count for little) and, with --profile, the
split of one page's time: template rendering, SQL, the filter form's widgets.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Parts of a page's time, by the function whose cumulative time is that part.
SPLIT = {
    "rendering (templates)": ("response.py", "render"),
    "SQL": ("utils.py", "_execute_with_wrappers"),
    "filter form widgets": ("boundfield.py", "__str__"),
}


def environ(path):
    from io import BytesIO

    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        # WSGI's PATH_INFO: the path decoded, its UTF-8 bytes as Latin-1 (PEP 3333).
        "PATH_INFO": unquote(path).encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(app, path):
    status = []
    body = b"".join(app(environ(path), lambda s, h, *a: status.append(s)))
    if not status[0].startswith("200"):
        raise SystemExit(f"{path}: {status[0]}")
    return len(body)


def cpu_ms(app, path, requests, batches=5):
    """CPU ms per request: the best of `batches` batches, as timeit does, since on a shared machine
    a batch is only ever slowed down by others."""
    for _ in range(10):
        call(app, path)
    best = None
    for _ in range(batches):
        started = time.process_time()
        for _ in range(max(requests // batches, 1)):
            call(app, path)
        spent = 1000 * (time.process_time() - started) / max(requests // batches, 1)
        best = spent if best is None else min(best, spent)
    return best


def split(app, path, requests):
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        call(app, path)
    profile.disable()
    stats = pstats.Stats(profile)
    total = max(stats.total_tt, 1e-9)
    parts = {}
    for (filename, _, name), (_, _, _, cumulative, _) in stats.stats.items():
        for label, (file_end, function) in SPLIT.items():
            if filename.endswith(file_end) and name == function:
                parts[label] = parts.get(label, 0) + cumulative
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(12)
    return {label: 100 * seconds / total for label, seconds in parts.items()}, out.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="also the split of each page's time")
    parser.add_argument("--only", help="labels to measure, comma-separated")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["NEWSROOM_PAGE_CACHE"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    from bench.run import Bench

    paths = Bench.public_paths(None, settings.DATABASES["default"]["NAME"])
    paths.pop("latest feed")
    paths = {"floor": "/bench/floor/", **paths}
    if args.only:
        wanted = set(args.only.split(","))
        paths = {label: path for label, path in paths.items() if label in wanted or label == "floor"}
    app = get_wsgi_application()
    floor = None
    for label, path in paths.items():
        ms = cpu_ms(app, path, args.requests)
        floor = floor or ms
        line = f"{label:22} {ms:7.2f} ms  {100 * floor / ms:5.1f}% of the floor  {path}"
        print(line, flush=True)
        if args.profile and label != "floor":
            parts, top = split(app, path, max(args.requests // 4, 20))
            print("    " + ", ".join(f"{name} {share:.0f}%" for name, share in parts.items()))
            if os.environ.get("BENCH_PROFILE_TOP"):
                print(top)


if __name__ == "__main__":
    main()
