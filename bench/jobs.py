"""The background jobs' benchmarks (rows 8 and 9), run by bench/run.py.

8. An admin upload of UPLOAD_FILES files in one zip, end to end on the database
   backend with real worker processes: the upload request (target < 5 s), and
   the preview and the import (each a worker process's whole run, start-up
   included) against `manage.py import_stories` of the same files, start-up
   included, in one process (`--jobs 1`) like the worker (<= 1.5x).
9. What enqueueing the image jobs adds to a command-line import (<= 5%), timed in
   the import's process.
"""

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPLOAD_FILES = int(os.environ.get("BENCH_UPLOAD_FILES", "10000"))


def upload(bench):
    count = min(UPLOAD_FILES, bench.stories)
    folder = bench.subset("upload", count)
    archive = bench.work / "upload.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.iterdir()):
            out.write(path, path.name)
    # Image jobs are row 9's: here the worker would run them too.
    quiet = {"NEWSROOM_CACHE_IMAGES_AFTER_IMPORT": "0", "NEWSROOM_UPLOAD_DIR": str(bench.work / "uploads")}
    # The reference is the command as it is run, start-up included, like the worker's run;
    # one process, like the worker.
    database = bench.fresh_database("upload_reference")
    command = [sys.executable, "manage.py", "import_stories", str(folder), "--jobs", "1", "-v0"]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=bench.env(database, **quiet), check=True)
    cli = {"seconds": time.perf_counter() - started}
    result = bench.timed(bench.fresh_database("upload"), "upload", str(archive), **quiet)
    bench.results["details"]["admin_upload"] = {"command_line": cli, "zip_bytes": archive.stat().st_size, **result}
    bench.row(
        f"8a. admin upload of {count} files (zip), the request",
        f"{result['upload_request_seconds']:.2f} s",
        "",
        "",
        "< 5 s",
        result["upload_request_seconds"] < 5,
    )
    for letter, step in (("b", "preview"), ("c", "import")):
        seconds = result[f"{step}_seconds"]
        bench.row(
            f"8{letter}. admin upload of {count} files, the {step} job vs command-line import",
            f"{seconds:.2f} s",
            f"{cli['seconds']:.2f} s",
            f"{seconds / cli['seconds']:.2f}x",
            "<= 1.5x",
            seconds <= 1.5 * cli["seconds"],
        )


def image_jobs(bench):
    # Timed inside the import's own process: two imports' difference would be lost in a shared
    # machine's noise (it was -31% .. +28% between runs), the enqueueing itself is not.
    run = bench.timed(bench.fresh_database("image_jobs"), "import", str(bench.corpus), "--cache-images")
    bench.results["details"]["image_jobs"] = run
    importing = run["seconds"] - run["enqueue_seconds"]
    bench.row(
        f"9. command-line import of {bench.stories} files: enqueueing its {run['image_jobs']} image jobs",
        f"{run['enqueue_seconds']:.3f} s",
        f"{importing:.2f} s",
        f"+{100 * run['enqueue_seconds'] / importing:.1f}%",
        "<= 5%",
        run["enqueue_seconds"] <= 0.05 * importing,
    )
