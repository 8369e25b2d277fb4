"""
Fetching one image over HTTP(S). Fixture URLs are untrusted input.

Pure on purpose (no ORM, no settings): the caller passes a FetchPolicy, the
tests pass tiny ones and their own resolver.

Between a URL and the network:
- only http and https, and no credentials in the URL;
- the host is resolved once and every address it resolves to is checked:
  private, loopback, link-local, multicast and reserved addresses are refused
  (server-side request forgery towards the newsroom's own network or a cloud
  metadata service);
- the connection goes to the address that was checked, never to the host name
  again, so a second DNS answer cannot swap it (DNS rebinding); TLS still
  checks the certificate against the host name;
- redirects are followed a bounded number of times, each target checked as
  the first URL was;
- a connect timeout, a read timeout and a deadline for the whole fetch, since
  a server sending one byte at a time never trips a read timeout;
- a byte limit, checked against Content-Length and counted while reading,
  since Content-Length can be absent or lie.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from .errors import FetchError, TooLarge, UnsafeURL

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_HEADERS = {
    "User-Agent": "Newsroom image cache (+https://github.com/newsroom)",
    "Accept": "image/webp,image/jpeg,image/png,image/gif;q=0.9,*/*;q=0.1",
    # Pillow reads the bytes as they come: no compressed transfer.
    "Accept-Encoding": "identity",
}


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = 10 * 1024 * 1024
    connect_timeout: float = 5
    read_timeout: float = 15
    total_timeout: float = 60
    max_redirects: int = 5
    allow_loopback: bool = False


@dataclass(frozen=True)
class Target:
    """A URL that passed check_url(), split the way a request needs it."""

    url: str
    scheme: str
    host: str
    port: int
    path: str


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    data: bytes
    content_type: str  # as the server claims it; never trusted


def check_url(url: str) -> Target:
    """`url` split for a request, or UnsafeURL if it must not be fetched at all."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL(f"only http and https URLs are fetched, not {scheme + ':' if scheme else 'a relative URL'}")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("URLs with a user name or password are not fetched")
    host = parts.hostname
    if not _is_ip_literal(host):
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise UnsafeURL(f"not a valid host name: {parts.hostname!r}") from exc
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
    return Target(url=url, scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


def _is_ip_literal(host):
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def address_problem(address: str, *, allow_loopback: bool = False) -> str | None:
    """Why a connection to `address` is refused ("private", ...), or None if it may be made."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return address_problem(str(embedded), allow_loopback=allow_loopback)
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    for kind, flag in (
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        # Carrier-grade NAT (100.64.0.0/10) and the like: neither private nor public.
        ("non-public", not ip.is_global),
    ):
        if flag:
            return kind
    return None


def _embedded_ipv4(ip):
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo client), or None."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def resolve_checked(host: str, port: int, *, allow_loopback: bool, resolve=socket.getaddrinfo) -> str:
    """The address to connect to for `host`; UnsafeURL if any address it resolves to is refused.

    Every address is checked, not only the one used: a host that resolves to a
    public and a private address at once is trying something.
    """
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    addresses = [info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)]
    if not addresses:
        raise FetchError(f"{host} has no IPv4 or IPv6 address")
    for address in addresses:
        problem = address_problem(address, allow_loopback=allow_loopback)
        if problem:
            shown = host if host == address else f"{host} resolves to {address}, which"
            raise UnsafeURL(f"{shown} is a {problem} address: refused")
    return addresses[0]


def fetch(url: str, *, policy: FetchPolicy, resolve=socket.getaddrinfo) -> Fetched:
    """The body of `url`, following redirects; FetchError (or UnsafeURL, TooLarge) if refused."""
    deadline = time.monotonic() + policy.total_timeout
    for _ in range(policy.max_redirects + 1):
        target = check_url(url)
        address = resolve_checked(target.host, target.port, allow_loopback=policy.allow_loopback, resolve=resolve)
        connection = _connection(target, address, policy, deadline)
        try:
            response = _get(connection, target, policy)
            if response.status in REDIRECT_STATUSES:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"HTTP {response.status} without a Location to go to")
                url = urljoin(target.url, location.strip())
                continue
            if response.status != 200:
                raise FetchError(f"HTTP {response.status} {response.reason}".strip())
            data = _read_body(connection, response, policy, deadline)
            return Fetched(url=target.url, data=data, content_type=response.getheader("Content-Type", ""))
        finally:
            connection.close()
    raise FetchError(f"more than {policy.max_redirects} redirects")


def _get(connection, target, policy):
    try:
        connection.request("GET", target.path, headers=_HEADERS)
        return connection.getresponse()
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(_describe(exc, target, policy)) from exc


def _read_body(connection, response, policy, deadline):
    declared = response.getheader("Content-Length")
    if declared is not None:
        try:
            declared = int(declared)
        except ValueError:
            raise FetchError(f"invalid Content-Length {declared!r}") from None
        if declared > policy.max_bytes:
            raise TooLarge(f"the server announces {declared:,} bytes, more than the limit of {policy.max_bytes:,}")
    chunks, received = [], 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"the download took longer than {policy.total_timeout} s")
        connection.opened.settimeout(min(policy.read_timeout, remaining))
        try:
            # read1: one read from the socket, so the deadline is looked at between reads.
            chunk = response.read1(_CHUNK)
        except (OSError, http.client.HTTPException) as exc:
            if isinstance(exc, TimeoutError) and time.monotonic() >= deadline:
                raise FetchError(f"the download took longer than {policy.total_timeout} s") from exc
            raise FetchError(_describe(exc, None, policy)) from exc
        if not chunk:
            return b"".join(chunks)
        received += len(chunk)
        if received > policy.max_bytes:
            raise TooLarge(f"more than the limit of {policy.max_bytes:,} bytes")
        chunks.append(chunk)


def _describe(exc, target, policy):
    if isinstance(exc, TimeoutError):
        return f"no answer within {policy.read_timeout} s"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not valid for {target.host if target else 'the host'}: {exc.verify_message}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _connection(target, address, policy, deadline):
    timeouts = {
        "connect_timeout": min(policy.connect_timeout, max(deadline - time.monotonic(), 0.001)),
        "read_timeout": policy.read_timeout,
    }
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target.host, target.port, address=address, **timeouts)
    return _PinnedHTTPConnection(target.host, target.port, address=address, **timeouts)


def _open_socket(address, port, connect_timeout, read_timeout):
    sock = socket.create_connection((address, port), timeout=connect_timeout)
    sock.settimeout(read_timeout)
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address; Host still names the host.

    `opened` keeps the socket: http.client lets go of `sock` once a response
    that closes the connection has begun, and the body is still to be read.
    """

    def __init__(self, host, port, *, address, connect_timeout, read_timeout):
        super().__init__(host, port, timeout=read_timeout)
        self.address, self.connect_timeout = address, connect_timeout

    def connect(self):
        try:
            self.sock = self.opened = _open_socket(self.address, self.port, self.connect_timeout, self.timeout)
        except TimeoutError as exc:
            raise ConnectionError(f"no connection within {self.connect_timeout} s") from exc


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address; SNI and the certificate check use the host name."""

    def __init__(self, host, port, *, address, connect_timeout, read_timeout):
        super().__init__(host, port, timeout=read_timeout, context=ssl.create_default_context())
        self.address, self.connect_timeout = address, connect_timeout

    def connect(self):
        try:
            sock = _open_socket(self.address, self.port, self.connect_timeout, self.timeout)
        except TimeoutError as exc:
            raise ConnectionError(f"no connection within {self.connect_timeout} s") from exc
        self.sock = self.opened = self._context.wrap_socket(sock, server_hostname=self.host)


def probe(url: str, *, policy: FetchPolicy, user_agent: str, resolve=socket.getaddrinfo) -> int:
    """The HTTP status `url` ends at (redirects followed), under the same guard as fetch().

    HEAD first; GET (body not read) where the server refuses HEAD or fails
    it, since many do. FetchError (or UnsafeURL) when there is no answer.
    """
    status = _probe(url, "HEAD", policy, user_agent, resolve)
    if status >= 400:
        status = _probe(url, "GET", policy, user_agent, resolve)
    return status


def _probe(url, method, policy, user_agent, resolve):
    deadline = time.monotonic() + policy.total_timeout
    headers = {"User-Agent": user_agent, "Accept": "*/*", "Accept-Encoding": "identity"}
    for _ in range(policy.max_redirects + 1):
        target = check_url(url)
        address = resolve_checked(target.host, target.port, allow_loopback=policy.allow_loopback, resolve=resolve)
        connection = _connection(target, address, policy, deadline)
        try:
            connection.request(method, target.path, headers=headers)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(_describe(exc, target, policy)) from exc
        finally:
            connection.close()
        location = response.getheader("Location")
        if response.status in REDIRECT_STATUSES and location:
            url = urljoin(target.url, location.strip())
            continue
        return response.status
    raise FetchError(f"more than {policy.max_redirects} redirects")


def send(url: str, *, body: bytes, headers: dict, policy: FetchPolicy, resolve=socket.getaddrinfo) -> tuple[int, str]:
    """POST `body` to `url` under the guard of fetch(): the answer's (status, reason), its body unread.

    Redirects are not followed (a POST that moved is the receiver's to fix, and
    following one would send the body somewhere nobody checked): a 3xx is
    returned as the answer. FetchError (or UnsafeURL) when there is no answer.
    """
    deadline = time.monotonic() + policy.total_timeout
    target = check_url(url)
    address = resolve_checked(target.host, target.port, allow_loopback=policy.allow_loopback, resolve=resolve)
    connection = _connection(target, address, policy, deadline)
    try:
        connection.request("POST", target.path, body=body, headers={"Content-Length": str(len(body)), **headers})
        response = connection.getresponse()
        return response.status, response.reason or ""
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(_describe(exc, target, policy)) from exc
    finally:
        connection.close()
