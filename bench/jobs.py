"""The background jobs' benchmarks (rows 8 and 9), run by bench/run.py.

8. An admin upload of UPLOAD_FILES files in one zip, end to end on the database
   backend with real worker processes: the upload request (target < 5 s), and
   the preview and the import (each a worker process's whole run, start-up
   included) against the command-line import of the same files (<= 1.5x).
9. What enqueueing the image jobs adds to a command-line import (<= 5%).
"""

import os
import zipfile

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
    cli = bench.timed(bench.fresh_database("upload_reference"), "import", str(folder), "--jobs", "1", **quiet)
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
    folder = str(bench.corpus)
    # Best of three each, taken in turns: the difference is small against a shared machine's noise.
    tries = {"without": [], "with": []}
    for n in range(3):
        for label, extra in (("without", ()), ("with", ("--cache-images",))):
            tries[label].append(bench.timed(bench.fresh_database(f"images_{label}{n}"), "import", folder, *extra))
    runs = {label: min(runs, key=lambda run: run["seconds"]) for label, runs in tries.items()}
    bench.results["details"]["image_jobs"] = runs
    overhead = runs["with"]["seconds"] / runs["without"]["seconds"] - 1
    bench.row(
        f"9. command-line import enqueueing image jobs ({runs['with']['image_jobs']} jobs) vs not",
        f"{runs['with']['seconds']:.2f} s",
        f"{runs['without']['seconds']:.2f} s",
        f"{100 * overhead:+.1f}%",
        "<= 5%",
        overhead <= 0.05,
    )
