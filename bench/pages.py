"""
The page measures of bench/run.py: Newsroom's pages with and without the page
cache, against the floor view and the Wagtail peer in the same run, cached
pages behind nginx, and the long-tail workload with editors and imports at work.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

from bench import peer as wagtail
from bench.longtail import newsroom_paths
from bench.servers import Gunicorn, Nginx, visit_all, wrk

# Listings compared with the Wagtail peer's index page; the story page with its story page.
LISTINGS = ("listing page 1", "listing, deep page", "topic page", "filtered listing", "searched listing")
# Rounds of the comparison with the peer (peer_pages).
PEER_ROUNDS = int(os.environ.get("BENCH_PEER_ROUNDS", "3"))


def measure(bench):
    if not shutil.which("wrk"):
        bench.log("wrk is not installed: `apt-get install wrk`; skipping page load tests")
        return
    load = newsroom_pages(bench)
    peer_pages(bench)
    behind_nginx(bench)
    long_tail(bench, load)


def server(bench, **extra):
    return Gunicorn(bench.python, bench.env(bench.full, **extra))


def newsroom_pages(bench):
    paths = bench.public_paths(bench.full)
    page_bytes = bench.timed(bench.full, "queries", "/")["/"]["bytes"]
    load = {}
    for mode, extra in (("cached", {}), ("uncached", {"NEWSROOM_PAGE_CACHE": "0"})):
        with server(bench, BENCH_FLOOR_BYTES=str(page_bytes), **extra) as base:
            load[mode] = {"floor": checked(wrk(base + "/bench/floor/", bench.seconds))}
            for label, path in paths.items():
                load[mode][label] = checked(wrk(base + path, bench.seconds))
    bench.results["details"]["pages"] = load
    deep = "listing, deep page"
    bench.results["details"]["deep_page"] = paths[deep]
    for mode, share in (("cached", 0.5), ("uncached", 0.2)):
        floor = load[mode]["floor"]["rps"]
        for label in paths:
            rps, failed = load[mode][label]["rps"], _errors(load[mode][label])
            bench.row(
                f"5. {label} ({mode}) vs floor, requests/s",
                f"{rps:.0f}" + (f", {failed} errors" if failed else ""),
                f"{floor:.0f}",
                f"{100 * rps / floor:.0f}%",
                f">= {int(share * 100)}%",
                rps >= share * floor and not failed,
            )
    for mode in ("cached", "uncached"):
        ratio = load[mode]["listing page 1"]["rps"] / load[mode][deep]["rps"]
        bench.row(
            f"5. {deep} vs page 1 ({mode}), time per request",
            f"{load[mode][deep]['rps']:.0f} req/s",
            f"{load[mode]['listing page 1']['rps']:.0f} req/s",
            f"{ratio:.2f}x slower",
            "<= 2x",
            ratio <= 2,
        )
    return load


def peer_pages(bench):
    """Newsroom's uncached pages against the Wagtail peer's, same server and load settings.

    Both servers run side by side, and each comparison is measured in turn,
    ours then theirs and theirs then ours, PEER_ROUNDS times: this machine
    drifts by 10-30% over the minutes between one side's measures and the
    other's, which a single measure of each put in the ratio. The ratio is
    the median of the rounds' ratios.
    """
    reason = wagtail.unavailable()
    if reason:
        bench.log(f"the Wagtail peer is not measured: {reason}")
        return
    peer = wagtail.WagtailPeer(bench.stories, bench.log)
    peer.prepare()
    paths = peer.paths()
    ours = bench.public_paths(bench.full)
    references = {label: ("index", "index") for label in LISTINGS}
    references[LISTINGS[1]] = ("deep", "deep index page")
    references["story page"] = ("story", "story page")
    rounds = {label: [] for label in references}
    with server(bench, NEWSROOM_PAGE_CACHE="0") as our_base, peer.server() as their_base:
        for number in range(PEER_ROUNDS):
            for label, (name, _) in references.items():
                urls = {"newsroom": our_base + ours[label], "wagtail": their_base + paths[name]}
                # Ours first in even rounds, theirs first in odd ones; one warm-up per page.
                order = ("newsroom", "wagtail") if number % 2 == 0 else ("wagtail", "newsroom")
                measured = {side: checked(wrk(urls[side], bench.seconds, warm=number == 0)) for side in order}
                rounds[label].append(measured)
    bench.peer_story_paths = paths["stories"]
    shown = {name: path for name, path in paths.items() if name != "stories"}
    bench.results["details"]["wagtail"] = {"paths": shown, "rounds": rounds}
    for label, (_, theirs) in references.items():
        pairs = rounds[label]
        ratio = statistics.median(pair["newsroom"]["rps"] / pair["wagtail"]["rps"] for pair in pairs)
        bench.row(
            f"10. {label} (uncached) vs Wagtail's {theirs}, requests/s, median of {len(pairs)} alternated rounds",
            f"{statistics.median(pair['newsroom']['rps'] for pair in pairs):.0f}",
            f"{statistics.median(pair['wagtail']['rps'] for pair in pairs):.0f}",
            f"{ratio:.1f}x",
            ">= 5x",
            ratio >= 5,
        )


def behind_nginx(bench):
    """Cached pages through docs/nginx.conf, with gunicorn's sync and gthread workers."""
    if not shutil.which("nginx"):
        bench.log("nginx is not installed: `apt-get install nginx`; skipping the nginx measures")
        return
    paths = bench.public_paths(bench.full)
    results = {}
    for worker_class, threads in (("sync", 1), ("gthread", 4)):
        app = Gunicorn(bench.python, bench.env(bench.full), worker_class=worker_class, threads=threads)
        with app as _, Nginx(bench.work, app.port, static_root=bench.work / "static", media_root=bench.work) as base:
            results[worker_class] = {label: checked(wrk(base + path, bench.seconds)) for label, path in paths.items()}
    bench.results["details"]["nginx"] = results
    for worker_class, pages in results.items():
        worst = max((page["p99_ms"], label) for label, page in pages.items())
        slowest = min(page["rps"] for page in pages.values())
        bench.row(
            f"12. cached pages behind nginx, gunicorn {worker_class}: worst p99 at 8 connections",
            f"{worst[0]:.1f} ms ({worst[1]})",
            f"slowest page {slowest:.0f} req/s",
            "",
            "< 100 ms",
            worst[0] < 100,
        )


# docs/deploy.md's cache for more than one process; a database of its own, emptied before the run.
BENCH_REDIS_URL = "redis://127.0.0.1:6379/15"


def long_tail(bench, load):
    """Random URLs over the whole site while editors and imports change stories.

    Run with each process's local-memory cache (the default) and, where Redis
    answers, with Redis shared by the workers, as docs/deploy.md recommends
    for more than one process.
    """
    paths_file = bench.work / "longtail-paths.txt"
    paths = newsroom_paths(bench.full)
    paths_file.write_text("\n".join(paths) + "\n")
    floor = load["cached"]["floor"]["rps"]
    details = {}
    caches = {"local memory": {}}
    reason = _redis_unavailable()
    if reason:
        bench.log(f"the long tail with Redis is not measured: {reason}")
    else:
        caches["Redis"] = {"REDIS_URL": BENCH_REDIS_URL}
    for cache_name, extra in caches.items():
        runs = _long_tail_run(bench, paths_file, paths, **extra)
        details[cache_name] = {"urls": len(paths), "seconds": bench.long_tail_seconds, **runs}
        cold, steady = runs["cold"], runs["steady"]
        bench.row(
            f"11. long tail, {cache_name} cache, from an empty cache (reported: {len(paths)} URLs in "
            f"{bench.long_tail_seconds} s are mostly first visits)",
            f"{cold['rps']:.0f} req/s, p99 {cold['p99_ms']:.0f} ms",
            f"{cold['floor']:.0f} req/s",
            f"{100 * cold['rps'] / cold['floor']:.0f}%",
            "reported",
            True,
        )
        work_done = steady["churn"]
        bench.row(
            f"11. long tail, {cache_name} cache, every page asked for once before ({len(paths)} URLs, "
            f"{work_done['saves']} saves, {work_done['imports']} imports) vs floor",
            f"{steady['rps']:.0f} req/s",
            f"{steady['floor']:.0f} req/s",
            f"{100 * steady['rps'] / steady['floor']:.0f}%",
            ">= 40%",
            steady["rps"] >= 0.4 * steady["floor"],
        )
        errors = _errors(cold) + _errors(steady)
        bench.row(
            f"11. long tail, {cache_name} cache: worst p99, errors",
            f"{max(cold['p99_ms'], steady['p99_ms']):.0f} ms, {errors} errors",
            "",
            "",
            "< 250 ms, 0 errors",
            max(cold["p99_ms"], steady["p99_ms"]) < 250 and not errors,
        )
    stories = getattr(bench, "peer_story_paths", None)
    if stories:
        peer_file = bench.work / "longtail-wagtail.txt"
        peer_file.write_text("\n".join(stories) + "\n")
        with wagtail.WagtailPeer(bench.stories, bench.log).server() as base:
            details["wagtail_story_pages"] = wrk(base + "/", bench.long_tail_seconds, paths_file=peer_file)
        theirs = details["wagtail_story_pages"]
        bench.row(
            f"11. the same readers on Wagtail's {len(stories)} story pages (no churn), for comparison",
            f"{theirs['rps']:.0f} req/s, p99 {theirs['p99_ms']:.0f} ms",
            f"{floor:.0f} req/s",
            f"{100 * theirs['rps'] / floor:.0f}%",
            "reported",
            True,
        )
    bench.results["details"]["long_tail"] = details


def _long_tail_run(bench, paths_file, paths, **extra):
    """The workload from an empty cache, then again once every page has been asked for (a site that has been up).

    In the first, 3,000-odd URLs in 70 s are mostly first visits, whatever
    the cache keeps; the second is the steady state the target is about:
    what the editors' and the imports' changes cost the readers.
    """
    with server(bench, **extra) as base:
        cold = _under_churn(bench, base, paths_file, 0, **extra)
        started = time.monotonic()
        visit_all(base, paths)
        bench.log(f"every page of the long tail asked for once in {time.monotonic() - started:.0f} s")
        steady = _under_churn(bench, base, paths_file, 1, **extra)
    return {"cold": cold, "steady": steady}


def _under_churn(bench, base, paths_file, run, **extra):
    seconds = bench.long_tail_seconds
    churn = subprocess.Popen(
        [bench.python, "bench/timed.py", "churn", str(seconds), str(bench.corpus), str(run)],
        cwd=bench.root,
        env=bench.env(bench.full, **extra),
        stdout=subprocess.PIPE,
        text=True,
    )
    result = wrk(base + "/", seconds, paths_file=paths_file)
    result["churn"] = json.loads(churn.communicate(timeout=120)[0].strip().splitlines()[-1])
    # The reference of this very run: the floor view of the same server, just after it. The floor of
    # the page measures, minutes earlier, put the machine's drift in the ratio (37-52% in one run).
    result["floor"] = wrk(base + "/bench/floor/", bench.seconds)["rps"]
    return result


def _redis_unavailable():
    """Why the long tail cannot run with Redis here (and the bench database emptied), or None."""
    try:
        import redis

        client = redis.Redis.from_url(BENCH_REDIS_URL, socket_connect_timeout=1)
        client.flushdb()
    except Exception as error:  # any failure only skips the measure, with its reason
        return f"Redis at {BENCH_REDIS_URL}: {error}"
    return None


def _errors(result):
    return result["errors"] + result["socket_errors"]


def checked(result):
    """A measure with errors is kept, and said: one slow page should not cost the rest of the run."""
    if result["errors"] or result["socket_errors"]:
        print(f"warning: errors under load: {result}", file=sys.stderr, flush=True)
    return result
