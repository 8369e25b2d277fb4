"""A test HTTP server on 127.0.0.1, run in a thread for the duration of a `with` block."""

import threading


class LocalServer:
    """Subclasses set self.httpd (an http.server on ("127.0.0.1", 0)) in __init__."""

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
