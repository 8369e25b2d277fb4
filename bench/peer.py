"""
The Wagtail peer (../shared/peers/wagtail), set up and served so that bench/run.py
measures it in the same run as Newsroom, with the same gunicorn and wrk settings.

The peer's own scripts build its virtualenv and project in /tmp; loading stories
into it takes minutes (Wagtail stores a page, a revision and a tree path per
story), so each loaded database is kept as /tmp/wagtail-peer/db-<N>.sqlite3 and
reused by later runs.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from bench.servers import Server

ROOT = Path(__file__).resolve().parent.parent
HARNESS = Path(os.environ.get("BENCH_PEER_HARNESS", ROOT.parent / "shared" / "peers" / "wagtail"))
VENV = Path("/tmp/wagtail-peer-venv")
PROJECT = Path("/tmp/wagtail-peer")
SETTINGS = "peersite.settings.bench"


def unavailable():
    """Why the peer cannot be measured here, or None."""
    if os.environ.get("BENCH_PEER") == "0":
        return "BENCH_PEER=0"
    if not (HARNESS / "setup.sh").exists():
        return f"{HARNESS} is missing"
    return None


class WagtailPeer:
    def __init__(self, stories, log):
        self.stories = stories
        self.log = log
        self.database = PROJECT / f"db-{stories}.sqlite3"

    def prepare(self):
        """The peer's virtualenv, project and a database of `stories` stories, made once."""
        if not (VENV / "bin" / "gunicorn").exists() or not (PROJECT / "db-empty.sqlite3").exists():
            self.log("setting up the Wagtail peer (../shared/peers/wagtail/setup.sh)")
            subprocess.run([str(HARNESS / "setup.sh")], check=True, capture_output=True)
        if self.database.exists():
            return
        self.log(f"loading {self.stories} stories into the Wagtail peer (minutes; kept for later runs)")
        partial = self.database.with_suffix(".partial")
        shutil.copyfile(PROJECT / "db-empty.sqlite3", partial)
        env = {**os.environ, "N": str(self.stories), "PEER_DB": str(partial), "DJANGO_SETTINGS_MODULE": SETTINGS}
        subprocess.run(
            [str(VENV / "bin" / "python"), str(HARNESS / "load.py")],
            cwd=PROJECT,
            env=env,
            check=True,
            capture_output=True,
        )
        partial.rename(self.database)

    def paths(self):
        """The peer's pages: its index, a deep index page and the seed story."""
        with sqlite3.connect(self.database) as conn:
            listed = conn.execute("SELECT COUNT(*) FROM news_newsstorypage WHERE published").fetchone()[0]
            stories = [
                row[0].removeprefix("/home")
                for row in conn.execute(
                    "SELECT p.url_path FROM wagtailcore_page p JOIN news_newsstorypage s ON s.page_ptr_id = p.id"
                    " WHERE p.live ORDER BY p.id"
                )
            ]
        story = (
            (PROJECT / "bench_story_path.txt").read_text().strip()
            if (PROJECT / "bench_story_path.txt").exists()
            else "/news/minneapolis-bans-police-government-use-of-facial-recognition/"
        )
        return {
            "index": "/news/",
            "deep": f"/news/?page={min(2000, max(listed // 20, 1))}",
            "story": story,
            "stories": stories,
        }

    def server(self):
        """gunicorn with 2 sync workers on a free loopback port, as the peer's serve.sh runs it."""
        return PeerServer(self.database)


class PeerServer(Server):
    """The peer under gunicorn with 2 sync workers, as its serve.sh runs it."""

    ready_path = "/news/"

    def __init__(self, database):
        self.database = database

    def command(self, port):
        env = {**os.environ, "PEER_DB": str(self.database), "DJANGO_SETTINGS_MODULE": SETTINGS}
        env.pop("DATABASE_URL", None)
        gunicorn = str(VENV / "bin" / "gunicorn")
        options = ["--workers=2", "--worker-class=sync", f"--bind=127.0.0.1:{port}", "--log-level=warning"]
        return [gunicorn, "peersite.wsgi:application", *options], PROJECT, env
