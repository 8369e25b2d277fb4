"""
Servers for the page measures: Newsroom under gunicorn, nginx in front of it, and wrk.

The nginx configuration is docs/nginx.conf, the one docs/deploy.md recommends,
with the bench's ports and folders filled in: what is measured is what is deployed.
"""

import re
import socket
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_page(url, seconds=60):
    """Until `url` answers 200: gunicorn listens before its workers have loaded the application."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} does not answer 200 after {seconds} s")


def wait_for_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


class Server:
    """A server process on a free loopback port, ready once `ready_path` answers (for each worker)."""

    ready_path = "/"

    def command(self, port):
        raise NotImplementedError

    def __enter__(self):
        self.port = free_port()
        command, cwd, env = self.command(self.port)
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{self.port}"
        # Both workers, once each at least, before anything is measured.
        for _ in range(4):
            wait_for_page(base + self.ready_path)
        return base

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


class Gunicorn(Server):
    """Newsroom under gunicorn.conf.py, 2 workers of `worker_class` on a free port."""

    ready_path = "/healthz"

    def __init__(self, python, env, *, worker_class="sync", threads=1):
        self.python, self.env = python, env
        self.worker_class, self.threads = worker_class, threads

    def command(self, port):
        env = {
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": str(self.threads),
            # None, as the Wagtail peer runs: the proxy in front logs requests (gunicorn.conf.py).
            "GUNICORN_ACCESS_LOG": "",
        }
        gunicorn = str(Path(self.python).parent / "gunicorn")
        return (
            [gunicorn, "--config", "gunicorn.conf.py", f"--worker-class={self.worker_class}", "newsroom.wsgi"],
            ROOT,
            env,
        )


class Nginx:
    """nginx with docs/nginx.conf in front of the app server at `upstream_port`."""

    def __init__(self, work, upstream_port, *, static_root, media_root):
        self.work, self.upstream_port = Path(work) / "nginx", upstream_port
        self.static_root, self.media_root = static_root, media_root

    def __enter__(self):
        self.work.mkdir(exist_ok=True)
        self.port = free_port()
        config = (ROOT / "docs" / "nginx.conf").read_text()
        config = (
            config.replace("127.0.0.1:8000", f"127.0.0.1:{self.upstream_port}")
            .replace("listen 80;", f"listen 127.0.0.1:{self.port};")
            .replace("/srv/newsroom/staticfiles/", f"{self.static_root}/")
            .replace("/srv/newsroom/media/", f"{self.media_root}/")
        )
        # Run as the bench's own user, in its own folder, in the foreground.
        config = (
            f"daemon off;\npid {self.work}/nginx.pid;\nerror_log {self.work}/error.log warn;\n"
            f"worker_processes 1;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n  access_log off;\n  client_body_temp_path {self.work}/body;\n"
            f"  proxy_temp_path {self.work}/proxy;\n{config}\n}}\n"
        )
        conf = self.work / "nginx.conf"
        conf.write_text(config)
        self.process = subprocess.Popen(
            ["nginx", "-c", str(conf), "-p", str(self.work)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_for_port(self.port)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def visit_all(base, paths, *, threads=4):
    """Ask for every path once (four at a time), as readers and crawlers of a site that has been up have."""

    def visit(path):
        with urllib.request.urlopen(base + path, timeout=60) as response:
            response.read()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(visit, paths))


def wrk(url, seconds, *, paths_file=None, connections=8, warm=True):
    """wrk -t2 -c8 against `url` (or uniformly random paths of `paths_file` on its host), after a warm-up if `warm`."""
    script = ["-s", str(LUA / "random_paths.lua"), url, "--", str(paths_file)] if paths_file else [url]
    if warm:
        # Long enough for each worker's first requests (a cold page cache, the filter choices) to be behind us.
        subprocess.run(["wrk", "-t1", "-c2", "-d3s", *script], capture_output=True, check=True)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *script],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    kinds = dict(zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True)) if errors else {}
    return {
        "rps": rps,
        "p99_ms": p99_ms,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(kinds.values()),
        "socket_error_kinds": {kind: n for kind, n in kinds.items() if n},
    }
