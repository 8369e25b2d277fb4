#!/usr/bin/env python
"""
The benchmark suite: `make bench` (small scale) or `BENCH_STORIES=100000 make bench`.

Every number is taken against its reference in the same run, so that the
ratios hold on a noisy, shared machine. The suite builds its own corpus and
databases in a temporary folder and never touches var/.
"""

import collections
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import admin, jobs, pages  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STORIES = int(os.environ.get("BENCH_STORIES", "5000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5" if STORIES < 50000 else "10"))
# Long enough for an import of changed files to run during it (one every 60 s).
LONG_TAIL_SECONDS = int(os.environ.get("BENCH_LONG_TAIL_SECONDS", "70"))
KEEP = os.environ.get("BENCH_KEEP")
# Some measures only, e.g. BENCH_ONLY=pages or BENCH_ONLY=upload,image_jobs (the corpus is always written).
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Bench:
    root, python, stories, seconds, long_tail_seconds = ROOT, PYTHON, STORIES, SECONDS, LONG_TAIL_SECONDS

    def __init__(self, work):
        self.work = work
        self.results = {"stories": STORIES, "rows": [], "details": {}}
        self.stories = STORIES

    @staticmethod
    def log(message):
        log(message)

    # --- helpers -------------------------------------------------------------

    def env(self, database, **extra):
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG"}}
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DATABASE_URL=f"sqlite:///{database}",
            NEWSROOM_VAR_DIR=str(self.work / "var"),
            DJANGO_STATIC_ROOT=str(self.work / "static"),
            DJANGO_SECRET_KEY="benchmark-only-secret-key-not-for-production-0123456789",
            PYTHONPATH=str(ROOT),
            **extra,
        )
        return env

    def manage(self, database, *args):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(database), check=True)

    def timed(self, database, *args, **env):
        out = subprocess.run(
            [PYTHON, "bench/timed.py", *args],
            cwd=ROOT,
            env=self.env(database, **env),
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    def fresh_database(self, name):
        database = self.work / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        self.manage(database, "migrate", "--no-input", "-v0")
        return database

    def subset(self, name, count):
        folder = self.work / name
        folder.mkdir(exist_ok=True)
        for path in sorted(self.corpus.iterdir())[:count]:
            target = folder / path.name
            if not target.exists():
                os.link(path, target)
        return folder

    def row(self, measure, value, reference, ratio, target, ok):
        self.results["rows"].append(
            {"measure": measure, "value": value, "reference": reference, "ratio": ratio, "target": target, "met": ok}
        )
        log(f"{measure}: {value} vs {reference} -> {ratio} (target {target}: {'met' if ok else 'MISSED'})")

    # --- the measures --------------------------------------------------------

    def make_corpus(self):
        self.corpus = self.work / "corpus"
        log(f"writing {STORIES} stories")
        subprocess.run(
            [PYTHON, "bench/make_corpus.py", "--stories", str(STORIES), "--out", str(self.corpus), "--seed", "1"],
            cwd=ROOT,
            check=True,
        )
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=self.env(None), check=True
        )
        sizes = [p.stat().st_size for p in self.corpus.iterdir()]
        self.results["details"]["corpus_mean_bytes"] = sum(sizes) // len(sizes)

    def imports(self):
        floor = min(self.timed(None, "floor", str(self.corpus))["seconds"] for _ in range(2))
        single = self.timed(self.fresh_database("single"), "import", str(self.corpus), "--jobs", "1")
        self.full = self.fresh_database("full")
        both = self.timed(self.full, "import", str(self.corpus), "--jobs", "2")
        again = self.timed(self.full, "import", str(self.corpus), "--jobs", "2")
        details = self.results["details"]
        details.update(floor_seconds=floor, import_single=single, import_two_cores=both, reimport=again)
        self.row(
            "1a. import, one process vs parse floor",
            f"{single['seconds']:.2f} s",
            f"{floor:.2f} s",
            f"{single['seconds'] / floor:.2f}x",
            "<= 1.3x",
            single["seconds"] <= 1.3 * floor,
        )
        self.row(
            "1b. import, both cores vs parse floor",
            f"{both['seconds']:.2f} s",
            f"{floor:.2f} s",
            f"{both['seconds'] / floor:.2f}x",
            "< 1.0x",
            both["seconds"] < floor,
        )
        self.row(
            "2. re-import of unchanged files vs first import",
            f"{again['seconds']:.2f} s",
            f"{both['seconds']:.2f} s",
            f"{100 * again['seconds'] / both['seconds']:.1f}%",
            "<= 5%",
            again["seconds"] <= 0.05 * both["seconds"],
        )
        self.single_import = single
        # Revisions' cost: the same import without them, best of two each, one process.
        without = min(
            self.timed(self.fresh_database(f"bare{n}"), "import", str(self.corpus), "--without-revisions")["seconds"]
            for n in range(2)
        )
        with_revisions = min(
            single["seconds"], self.timed(self.fresh_database("single2"), "import", str(self.corpus))["seconds"]
        )
        details.update(import_without_revisions=without)
        self.row(
            "1c. import with revisions vs without (one process)",
            f"{with_revisions:.2f} s",
            f"{without:.2f} s",
            f"{with_revisions / without:.2f}x",
            "<= 1.10x",
            with_revisions <= 1.10 * without,
        )

    def loaddata(self):
        # loaddata of 100,000 stories (1.5 million objects) takes the best part
        # of an hour; above 10,000 both sides are measured on the first 10,000.
        count = min(STORIES, 10000)
        if count == STORIES:
            source, imported = self.full, self.results["details"]["import_two_cores"]["seconds"]
        else:
            source = self.fresh_database("loaddata_source")
            imported = self.timed(source, "import", str(self.subset("loaddata", count)), "--jobs", "2")["seconds"]
        dump = self.work / "dump.json"
        with open(dump, "w") as out:
            subprocess.run(
                [PYTHON, "manage.py", "dumpdata", "providers", "articles"],
                cwd=ROOT,
                env=self.env(source),
                check=True,
                stdout=out,
            )
        result = self.timed(self.fresh_database("loaddata"), "loaddata", str(dump))
        self.results["details"]["loaddata"] = {"stories": count, "import_seconds": imported, **result}
        self.row(
            f"3. import_stories vs Django's loaddata of the same content ({count} stories)",
            f"{imported:.2f} s",
            f"{result['seconds']:.2f} s",
            f"{result['seconds'] / imported:.1f}x faster",
            ">= 5x faster",
            result["seconds"] >= 5 * imported,
        )

    def memory(self):
        tenth = max(STORIES // 10, 100)
        small = self.timed(self.fresh_database("memory"), "import", str(self.subset("tenth", tenth)), "--jobs", "1")
        large = self.single_import
        ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
        self.results["details"]["memory"] = {"files": [tenth, STORIES], "peak_rss_mb": [small, large]}
        self.row(
            f"4. peak memory, import of {STORIES} vs {tenth} files",
            f"{large['peak_rss_mb']:.0f} MB",
            f"{small['peak_rss_mb']:.0f} MB",
            f"{ratio:.2f}x",
            "<= 1.2x",
            ratio <= 1.2,
        )

    def public_paths(self, database):
        with sqlite3.connect(database) as conn:
            published = conn.execute("SELECT COUNT(*) FROM articles_article WHERE published").fetchone()[0]
            slug = conn.execute("SELECT slug FROM articles_article WHERE published ORDER BY id LIMIT 1").fetchone()[0]
            topic = conn.execute(
                "SELECT t.slug FROM articles_topic t JOIN articles_taggedarticle x ON x.tag_id = t.id"
                " GROUP BY t.id ORDER BY COUNT(*) DESC LIMIT 1"
            ).fetchone()[0]
            # A word of many titles: a search with a full page of results.
            titles = conn.execute("SELECT title FROM articles_article WHERE published LIMIT 2000").fetchall()
        words = collections.Counter(
            w.lower() for (title,) in titles for w in title.split() if len(w) > 5 and w.isalpha()
        )
        word = words.most_common(1)[0][0]
        deep = min(2000, max(published // 20, 1))
        return {
            "listing page 1": "/",
            "listing, deep page": f"/?page={deep}",
            "topic page": f"/topics/{quote(topic)}/",
            "filtered listing": f"/?topic={quote(topic)}&top=on",
            "searched listing": f"/?q={quote(word)}",
            "story page": f"/stories/{quote(slug)}/",
            "latest feed": "/feeds/rss/",
        }

    def queries(self):
        small = self.fresh_database("queries")
        subprocess.run(
            [PYTHON, "bench/timed.py", "import", str(self.subset("thousand", 1000))],
            cwd=ROOT,
            env=self.env(small),
            check=True,
            capture_output=True,
        )
        self.small_database = small
        table = {}
        for name, database in (("1000", small), (str(STORIES), self.full)):
            paths = self.public_paths(database)
            counts = self.timed(database, "queries", *paths.values())
            table[name] = {label: counts[path]["queries"] for label, path in paths.items()}
        self.results["details"]["queries_per_page"] = table
        grows = [label for label in table["1000"] if table[str(STORIES)][label] > table["1000"][label]]
        self.row(
            "6. SQL queries per page at 1000 and at all stories",
            json.dumps(table[str(STORIES)]),
            json.dumps(table["1000"]),
            "same" if not grows else f"grows: {grows}",
            "no growth",
            not grows,
        )

    # --- report --------------------------------------------------------------

    def report(self):
        rows = self.results["rows"]
        if not rows:
            log("no measure ran: no results written")
            return
        widths = [max(len(str(r[k])) for r in rows + [dict.fromkeys(r, k) for r in rows[:1]]) for k in rows[0]]
        header = ["measure", "value", "reference", "ratio", "target", "met"]
        lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
        lines.append("-+-".join("-" * w for w in widths))
        for row in rows:
            cells = [str(row[h]) if h != "met" else ("yes" if row[h] else "NO") for h in header]
            lines.append(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
        table = "\n".join(lines)
        print(table)
        self.results["machine"] = {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "sqlite": sqlite3.sqlite_version,
        }
        self.results["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        out = ROOT / "bench" / "results" / f"{dt.date.today().isoformat()}-{STORIES}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(self.results, indent=2) + "\n")
        log(f"results written to {out.relative_to(ROOT)}")


def main():
    work = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    log(f"working in {work}")
    bench = Bench(work)
    try:
        bench.make_corpus()
        # In order: later measures use what earlier ones built.
        measures = {
            "imports": bench.imports,
            "loaddata": bench.loaddata,
            "memory": bench.memory,
            "queries": bench.queries,
            "admin": lambda: admin.measure(bench),
            "pages": lambda: pages.measure(bench),
            "upload": lambda: jobs.upload(bench),
            "image_jobs": lambda: jobs.image_jobs(bench),
        }
        for name, measure in measures.items():
            if not ONLY or name in ONLY:
                if name not in ("imports", "loaddata", "memory") and not hasattr(bench, "full"):
                    # Measured alone, the pages still need the corpus imported once.
                    bench.full = bench.fresh_database("full")
                    bench.timed(bench.full, "import", str(bench.corpus), "--jobs", "2")
                measure()
        bench.report()
    finally:
        if not KEEP:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
