"""Images: safe fetching, Pillow checks, stored copies, renditions and uploads.

A real HTTP server on 127.0.0.1 (ImageServer) serves good and hostile files;
loopback is allowed for it through the settings, and the tests that need a
"public" host map one to it with a fake resolver and connection.
"""

import io
import os
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.db.models import Prefetch
from PIL import ExifTags
from PIL import Image as PILImage

from articles.images.copies import cache_image, save_local_copy
from articles.images.errors import FetchError, ImageError, StorageFault, UnsafeURL
from articles.images.fetch import FetchPolicy, address_problem, check_url, fetch
from articles.images.pixels import rendition_widths
from articles.images.uploads import store_uploaded_image
from articles.models import Article, Image, Rendition
from articles.stories.export import render_story, render_story_bytes, story_from_article
from articles.stories.parse import parse_story
from articles.stories.write import import_paths

from .conftest import EXAMPLE
from .factories import make_article, make_image

PUBLIC_HOST = "public.example"
# A globally routable address the tests pretend public.example has; connections
# to it are sent to the local server instead (see public_network).
PUBLIC_ADDRESS = "93.184.216.34"
# A listing of images with their renditions: Image.picture() and thumbnail_url then read no more rows.
RENDITIONS_PREFETCH = Prefetch("renditions", queryset=Rendition.objects.order_by("format", "width"))


# --- Test images --------------------------------------------------------------


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def gradient(size, mode="RGB"):
    """A picture with some detail, so that encoders have work to do."""
    width, height = size
    image = PILImage.linear_gradient("L").resize(size)
    if mode == "L":
        return image
    return PILImage.merge("RGB", (image, image.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT), image.rotate(90)))


def jpeg_with_gps(size=(800, 600), *, orientation=None):
    image = gradient(size)
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "Newsroom test camera"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (59.0, 19.0, 48.0)
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    return encode(image, "JPEG", exif=exif, comment=b"shot at home")


def png_bomb(width, height):
    """A valid 1-bit PNG of one colour: tiny in bytes, huge in pixels."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture(scope="session")
def files():
    rgba = gradient((500, 300)).convert("RGBA")
    rgba.putalpha(128)
    noise = PILImage.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    return {
        "gps.jpg": jpeg_with_gps(),
        "rotated.jpg": jpeg_with_gps((400, 300), orientation=6),
        "wide.jpg": encode(gradient((2000, 1000)), "JPEG"),
        "alpha.png": encode(rgba, "PNG"),
        "small.webp": encode(gradient((200, 100)), "WEBP"),
        "anim.gif": encode(gradient((120, 80), "L"), "GIF"),
        "bomb.png": png_bomb(20000, 20000),
        # Between Pillow's warning (the limit) and its error (twice the limit).
        "almost-bomb.png": encode(PILImage.new("L", (2000, 2000)), "PNG"),
        "big.jpg": encode(noise, "JPEG", quality=100),
        "truncated.jpg": jpeg_with_gps()[:3000],
    }


# --- The local server -----------------------------------------------------------


class Route:
    def __init__(self, body=b"", *, status=200, content_type="image/jpeg", headers=(), length=True, delay=0, drip=0):
        self.body, self.status, self.content_type = body, status, content_type
        self.headers, self.length, self.delay, self.drip = dict(headers), length, delay, drip


class ImageServer:
    """An HTTP server on 127.0.0.1 with a route per test case; records each request's path."""

    def __init__(self, files, *, tls=None):
        self.files = files
        self.routes = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                route = server.routes.get(self.path) or Route(b"not found", status=404, content_type="text/plain")
                try:
                    time.sleep(route.delay)
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    if route.length:
                        self.send_header("Content-Length", str(len(route.body)))
                    for name, value in route.headers.items():
                        self.send_header(name, value.replace("{port}", str(server.port)))
                    self.end_headers()
                    if route.drip:
                        for byte in route.body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(route.drip)
                    else:
                        self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as the test wants

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.port = self.httpd.server_address[1]
        self.add_defaults()

    def add_defaults(self):
        for name, data in self.files.items():
            self.routes[f"/{name}"] = Route(data)
        self.routes["/not-an-image.jpg"] = Route(b"<html><body>Sorry</body></html>")
        self.routes["/unannounced-big.jpg"] = Route(self.files["big.jpg"], length=False)
        self.routes["/slow.jpg"] = Route(self.files["gps.jpg"], delay=1.5)
        self.routes["/drip.jpg"] = Route(self.files["gps.jpg"][:40], drip=0.1)
        self.routes["/redirect"] = Route(status=302, headers={"Location": "/gps.jpg"})
        self.routes["/to-metadata"] = Route(
            status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
        )
        self.routes["/to-private"] = Route(status=301, headers={"Location": "http://10.0.0.1/x.jpg"})
        self.routes["/to-ftp"] = Route(status=302, headers={"Location": "ftp://files.example/x.jpg"})
        self.routes["/to-loopback"] = Route(status=307, headers={"Location": "http://127.0.0.1:{port}/gps.jpg"})
        self.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})

    def url(self, path, host="127.0.0.1"):
        return f"{self.scheme}://{host}:{self.port}{path}"

    def __enter__(self):
        # A short poll keeps shutdown() (once per test) from waiting half a second.
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(files):
    with ImageServer(files) as server:
        yield server


def image_settings(settings, tmp_path, **overrides):
    """Small limits and short timeouts, loopback allowed, MEDIA_ROOT in tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NEWSROOM_IMAGES = {
        **settings.NEWSROOM_IMAGES,
        "MAX_BYTES": 100_000,
        "MAX_PIXELS": 3_000_000,
        "CONNECT_TIMEOUT": 0.5,
        "READ_TIMEOUT": 0.3,
        "TOTAL_TIMEOUT": 0.8,
        "MAX_REDIRECTS": 3,
        "ALLOW_LOOPBACK": True,
        "PUBLIC_URL": "https://newsroom.example/",
        **overrides,
    }
    return settings.MEDIA_ROOT


@pytest.fixture
def media(settings, tmp_path):
    return image_settings(settings, tmp_path)


def stored_files(media):
    root = Path(media)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if anything opens a connection."""

    def refuse(address, *args, **kwargs):
        pytest.fail(f"a connection to {address} was opened")

    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def public_network(server, monkeypatch):
    """Hosts under .example resolve to a public address, and connections to it reach the local server."""
    connected = []
    real_create_connection = socket.create_connection

    def resolve(host, port, *args, **kwargs):
        if not host.endswith(".example"):
            return socket.getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_ADDRESS, port))]

    def create_connection(address, *args, **kwargs):
        connected.append(address[0])
        if address[0] == PUBLIC_ADDRESS:
            address = ("127.0.0.1", address[1])
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return resolve, connected


def open_stored(name, media):
    return PILImage.open(Path(media) / name)


# --- The address guard and URL checks -----------------------------------------


@pytest.mark.parametrize(
    "address, problem",
    [
        ("10.0.0.1", "private"),
        ("192.168.1.20", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "private"),
        ("100.64.0.1", "non-public"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a00:1::", "private"),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_guard_refuses_every_non_public_address(address, problem):
    assert address_problem(address) == problem


def test_address_guard_allows_loopback_only_when_told_to():
    assert address_problem("127.0.0.1", allow_loopback=True) is None
    assert address_problem("::1", allow_loopback=True) is None
    assert address_problem("10.0.0.1", allow_loopback=True) == "private"
    assert address_problem("169.254.169.254", allow_loopback=True) == "link-local"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://files.example/a.jpg",
        "file:///etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
        "//img.example/a.jpg",
        "/media/a.jpg",
        "http://user:secret@img.example/a.jpg",
        "http://img.example:99999/a.jpg",
        "http:///a.jpg",
    ],
)
def test_urls_that_are_not_plain_http_or_https_are_refused(url, no_connections):
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_check_url_keeps_host_port_and_quotes_the_path():
    target = check_url("https://Img.Example:8443/a b/ü.jpg?w=1024&fm=pjpg")
    assert (target.scheme, target.host, target.port) == ("https", "img.example", 8443)
    assert target.path == "/a%20b/%C3%BC.jpg?w=1024&fm=pjpg"


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://10.0.0.1/x.jpg", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::ffff:10.0.0.1]/x.jpg", "private"),
        ("http://127.0.0.1/x.jpg", "loopback"),
    ],
)
def test_private_addresses_are_refused_without_any_connection(url, problem, no_connections):
    with pytest.raises(UnsafeURL, match=problem):
        fetch(url, policy=FetchPolicy())


def test_a_host_with_any_private_address_is_refused(no_connections):
    def resolve(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_ADDRESS, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    with pytest.raises(UnsafeURL, match="public.example resolves to 10.1.2.3, which is a private address"):
        fetch("http://public.example/a.jpg", policy=FetchPolicy(), resolve=resolve)


def test_the_connection_goes_to_the_address_that_was_checked(server, public_network):
    resolve, connected = public_network
    answers = iter([PUBLIC_ADDRESS, "127.0.0.1"])

    def rebinding_resolve(host, port, *args, **kwargs):
        # A rebinding DNS server: public for the check, loopback for whoever asks next.
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    fetched = fetch(server.url("/gps.jpg", host=PUBLIC_HOST), policy=FetchPolicy(), resolve=rebinding_resolve)
    assert fetched.data == server.files["gps.jpg"]
    assert connected == [PUBLIC_ADDRESS]


def test_a_redirect_from_a_public_host_to_loopback_is_refused(server, public_network):
    resolve, connected = public_network
    with pytest.raises(UnsafeURL, match="127.0.0.1 is a loopback address"):
        fetch(server.url("/to-loopback", host=PUBLIC_HOST), policy=FetchPolicy(), resolve=resolve)
    assert server.requests == ["/to-loopback"]
    assert connected == [PUBLIC_ADDRESS]


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A self-signed certificate for public.example: (cert.pem, key.pem)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")]
        + ["-subj", f"/CN={PUBLIC_HOST}", "-addext", f"subjectAltName=DNS:{PUBLIC_HOST}"],
        check=True,
        capture_output=True,
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def tls_server(files, certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with ImageServer(files, tls=context) as server:
        yield server


@pytest.fixture
def trusting_our_certificate(certificate, monkeypatch):
    real_create_default_context = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda: real_create_default_context(cafile=certificate[0]))


def test_https_goes_to_the_checked_address_and_verifies_the_host_name(
    tls_server, public_network, trusting_our_certificate
):
    resolve, connected = public_network
    fetched = fetch(tls_server.url("/gps.jpg", host=PUBLIC_HOST), policy=FetchPolicy(), resolve=resolve)
    assert fetched.data == tls_server.files["gps.jpg"]
    assert connected == [PUBLIC_ADDRESS]


def test_https_refuses_a_certificate_for_another_host(tls_server, public_network, trusting_our_certificate):
    resolve, _ = public_network
    with pytest.raises(FetchError, match="TLS certificate not valid for other.example"):
        fetch(tls_server.url("/gps.jpg", host="other.example"), policy=FetchPolicy(), resolve=resolve)


def test_https_refuses_a_certificate_no_authority_vouches_for(tls_server, public_network):
    resolve, _ = public_network
    with pytest.raises(FetchError, match="TLS certificate not valid for public.example: self.signed"):
        fetch(tls_server.url("/gps.jpg", host=PUBLIC_HOST), policy=FetchPolicy(), resolve=resolve)


def test_a_relative_redirect_is_followed(server):
    fetched = fetch(server.url("/redirect"), policy=FetchPolicy(allow_loopback=True))
    assert fetched.data == server.files["gps.jpg"]
    assert fetched.url == server.url("/gps.jpg")


def test_the_content_type_is_not_what_decides(server):
    server.routes["/photo.txt"] = Route(server.files["small.webp"], content_type="text/plain")
    fetched = fetch(server.url("/photo.txt"), policy=FetchPolicy(allow_loopback=True))
    assert fetched.data == server.files["small.webp"]


# --- Caching: the good cases -------------------------------------------------------


@pytest.mark.django_db
def test_caching_stores_an_upright_copy_without_exif_or_gps_and_keeps_the_claims(server, media):
    image = make_image(article=make_article(), url=server.url("/rotated.jpg"), width=400, height=300, is_cached=False)

    cache_image(image)

    image.refresh_from_db()
    assert (image.stored_width, image.stored_height, image.stored_format) == (300, 400, "JPEG")
    assert (image.width, image.height, image.is_cached) == (400, 300, False)
    assert image.claims_mismatch == {"width": (400, 300), "height": (300, 400)}
    assert (image.display_width, image.display_height) == (300, 400)
    assert image.stored_bytes == (Path(media) / image.file.name).stat().st_size
    assert image.cached_at is not None and image.attempts == 1 and image.fetch_error == ""
    with open_stored(image.file.name, media) as stored:
        assert stored.size == (300, 400)
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info and "comment" not in stored.info
    for rendition in image.renditions.all():
        with open_stored(rendition.file.name, media) as stored:
            assert dict(stored.getexif()) == {}


def test_the_source_really_carried_gps_data(files):
    with PILImage.open(io.BytesIO(files["gps.jpg"])) as source:
        assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (59.0, 19.0, 48.0)


@pytest.mark.django_db
def test_claims_that_were_right_show_no_mismatch(server, media):
    image = make_image(article=make_article(), url=server.url("/gps.jpg"), width=800, height=600)
    cache_image(image)
    assert image.claims_mismatch == {}
    assert (image.display_width, image.display_height) == (800, 600)


@pytest.mark.django_db
def test_before_caching_the_claims_are_displayed():
    image = make_image(article=make_article(), width=640, height=360)
    assert (image.display_width, image.display_height) == (640, 360)
    assert image.claims_mismatch == {}
    assert image.picture() is None
    assert image.thumbnail_url == image.url


@pytest.mark.parametrize(
    "width, expected",
    [(2000, [320, 640, 1280]), (1280, [320, 640, 1280]), (640, [320, 640]), (500, [320, 500]), (200, [200])],
)
def test_rendition_widths_are_never_wider_than_the_image(width, expected):
    assert rendition_widths(width, (320, 640, 1280)) == expected


@pytest.mark.parametrize(
    "name, stored_format, sizes",
    [
        ("wide.jpg", "JPEG", [(320, 160), (640, 320), (1280, 640)]),
        ("alpha.png", "PNG", [(320, 192), (500, 300)]),
        ("small.webp", "WEBP", [(200, 100)]),
        ("anim.gif", "PNG", [(120, 80)]),
    ],
)
@pytest.mark.django_db
def test_renditions_have_the_expected_sizes_and_formats(server, media, name, stored_format, sizes):
    image = make_image(article=make_article(), url=server.url(f"/{name}"))

    cache_image(image)

    assert image.stored_format == stored_format
    renditions = list(image.renditions.order_by("format", "width"))
    expected = [(fmt, w, h) for fmt in ("jpeg", "webp") for w, h in sizes]
    assert [(r.format, r.width, r.height) for r in renditions] == expected
    for rendition in renditions:
        with open_stored(rendition.file.name, media) as stored:
            assert stored.format == rendition.format.upper()
            assert stored.size == (rendition.width, rendition.height)
            assert rendition.bytes == (Path(media) / rendition.file.name).stat().st_size
            if rendition.format == "jpeg":
                assert stored.mode == "RGB"


@pytest.mark.django_db
def test_files_are_named_after_the_image_and_a_content_hash(server, media):
    image = make_image(article=make_article(), url=server.url("/alpha.png"))
    cache_image(image)
    folder = f"images/{image.pk}/"
    names = [image.file.name, *image.renditions.values_list("file", flat=True)]
    assert all(name.startswith(folder) for name in names)
    assert len({name.removeprefix(folder)[:16] for name in names}) == 1
    assert sorted(names) == stored_files(media)


@pytest.mark.django_db
def test_transparency_is_kept_in_webp_and_flattened_in_jpeg(server, media):
    image = make_image(article=make_article(), url=server.url("/alpha.png"))
    cache_image(image)
    webp = image.renditions.get(format="webp", width=320)
    with open_stored(webp.file.name, media) as stored:
        assert stored.mode == "RGBA"


@pytest.mark.django_db
def test_picture_gives_srcsets_per_format_and_the_largest_jpeg_as_fallback(server, media):
    image = make_image(article=make_article(), url=server.url("/wide.jpg"))
    cache_image(image)
    jpeg = {r.width: r.file.url for r in image.renditions.filter(format="jpeg")}
    webp = {r.width: r.file.url for r in image.renditions.filter(format="webp")}

    picture = image.picture()

    assert picture.webp_srcset == f"{webp[320]} 320w, {webp[640]} 640w, {webp[1280]} 1280w"
    assert picture.jpeg_srcset == f"{jpeg[320]} 320w, {jpeg[640]} 640w, {jpeg[1280]} 1280w"
    assert (picture.src, picture.width, picture.height) == (jpeg[1280], 1280, 640)
    assert image.thumbnail_url == jpeg[320]
    assert jpeg[320].startswith("/media/images/")


@pytest.mark.django_db
def test_a_listing_reads_every_picture_with_one_prefetch_query(server, media, django_assert_num_queries):
    article = make_article()
    for position, name in enumerate(["wide.jpg", "alpha.png", "small.webp"]):
        cache_image(make_image(article=article, position=position, url=server.url(f"/{name}")))
    make_image(article=article, position=3)

    with django_assert_num_queries(2):
        images = list(Image.objects.filter(article=article).prefetch_related(RENDITIONS_PREFETCH))
        pictures = [image.picture() for image in images]
        thumbnails = [image.thumbnail_url for image in images]

    assert [p.width if p else None for p in pictures] == [1280, 500, 200, None]
    assert thumbnails[3] == images[3].url


@pytest.mark.django_db
def test_a_second_caching_makes_nothing_again(server, media):
    image = make_image(article=make_article(), url=server.url("/wide.jpg"))
    cache_image(image)
    before = {name: (Path(media) / name).stat().st_mtime_ns for name in stored_files(media)}
    rows = list(Rendition.objects.values_list("pk", "file"))

    cache_image(Image.objects.get(pk=image.pk))

    assert server.requests == ["/wide.jpg"]
    assert {name: (Path(media) / name).stat().st_mtime_ns for name in stored_files(media)} == before
    assert list(Rendition.objects.values_list("pk", "file")) == rows


@pytest.mark.django_db
def test_an_image_stored_meanwhile_by_another_run_is_not_stored_twice(server, media, files):
    image = make_image(article=make_article(), url=server.url("/gps.jpg"))
    stale = Image.objects.get(pk=image.pk)
    cache_image(image)
    kept = stored_files(media)

    save_local_copy(image=stale, data=files["small.webp"])

    assert stored_files(media) == kept
    assert Image.objects.get(pk=image.pk).stored_format == "JPEG"


# --- Caching: what is refused ---------------------------------------------------


@pytest.mark.parametrize(
    "path, code, message",
    [
        ("/not-an-image.jpg", "not_an_image", "not an image"),
        ("/truncated.jpg", "broken_image", "broken or truncated JPEG image"),
        ("/bomb.png", "too_many_pixels", "more pixels than the limit of 3,000,000"),
        ("/almost-bomb.png", "too_many_pixels", "decompression bomb"),
        ("/big.jpg", "too_large", "announces"),
        ("/unannounced-big.jpg", "too_large", "more than the limit of 100,000 bytes"),
        ("/slow.jpg", "fetch_failed", "no answer within 0.3 s"),
        ("/drip.jpg", "fetch_failed", "longer than 0.8 s"),
        ("/to-metadata", "unsafe_url", "169.254.169.254 is a link-local address"),
        ("/to-private", "unsafe_url", "10.0.0.1 is a private address"),
        ("/to-ftp", "unsafe_url", "not ftp:"),
        ("/loop", "fetch_failed", "more than 3 redirects"),
        ("/missing.jpg", "fetch_failed", "HTTP 404"),
    ],
)
@pytest.mark.django_db
def test_a_refused_image_records_why_and_leaves_storage_empty(server, media, path, code, message):
    image = make_image(article=make_article(), url=server.url(path), width=800, height=600, is_cached=True)

    with pytest.raises(ImageError) as refused:
        cache_image(image)

    assert refused.value.code == code
    assert message in str(refused.value)
    image = Image.objects.get(pk=image.pk)
    assert message in image.fetch_error
    assert image.fetch_failed_at is not None and image.attempts == 1
    assert (image.file.name, image.stored_width, image.cached_at) == ("", None, None)
    assert (image.width, image.height, image.is_cached) == (800, 600, True)
    assert not image.renditions.exists()
    assert stored_files(media) == []


@pytest.mark.django_db
def test_a_timeout_comes_within_a_second(server, media):
    image = make_image(article=make_article(), url=server.url("/slow.jpg"))
    started = time.monotonic()
    with pytest.raises(ImageError):
        cache_image(image)
    assert time.monotonic() - started < 1.0


@pytest.mark.django_db
def test_a_private_address_is_recorded_without_any_connection(media, no_connections):
    image = make_image(article=make_article(), url="http://169.254.169.254/latest/meta-data/iam/")
    with pytest.raises(UnsafeURL):
        cache_image(image)
    assert Image.objects.get(pk=image.pk).fetch_error == "169.254.169.254 is a link-local address: refused"


@pytest.mark.django_db
def test_loopback_is_refused_when_the_setting_does_not_allow_it(server, settings, tmp_path):
    media = image_settings(settings, tmp_path, ALLOW_LOOPBACK=False)
    image = make_image(article=make_article(), url=server.url("/gps.jpg"))
    with pytest.raises(UnsafeURL, match="loopback"):
        cache_image(image)
    assert server.requests == []
    assert stored_files(media) == []


@pytest.mark.django_db
def test_the_pixel_limit_of_pillow_is_restored_after_a_check(server, media):
    before = PILImage.MAX_IMAGE_PIXELS
    with pytest.raises(ImageError):
        cache_image(make_image(article=make_article(), url=server.url("/bomb.png")))
    assert PILImage.MAX_IMAGE_PIXELS == before


@pytest.mark.django_db
def test_storage_that_refuses_writes_is_a_fault_of_the_run_not_of_the_image(server, settings, tmp_path):
    (tmp_path / "a-file").write_text("")
    image_settings(settings, tmp_path)
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    image = make_image(article=make_article(), url=server.url("/gps.jpg"))

    with pytest.raises(StorageFault):
        cache_image(image)

    image = Image.objects.get(pk=image.pk)
    assert (image.file.name, image.fetch_error, image.fetch_failed_at, image.attempts) == ("", "", None, 0)


@pytest.mark.django_db
def test_a_failed_database_update_deletes_what_was_stored(server, media, monkeypatch):
    image = make_image(article=make_article(), url=server.url("/wide.jpg"))

    def fail(*args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(Rendition.objects, "bulk_create", fail)
    with pytest.raises(DatabaseError):
        cache_image(image)

    assert stored_files(media) == []
    assert Image.objects.get(pk=image.pk).file.name == ""


# --- Uploads ----------------------------------------------------------------------


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.django_db
def test_an_upload_is_stored_measured_and_gets_renditions(media, files):
    article = make_article(images=2)

    image = store_uploaded_image(article=article, uploaded_file=upload(files["rotated.jpg"]))

    image.refresh_from_db()
    assert image.position == 2
    assert (image.width, image.height, image.is_cached) == (300, 400, True)
    assert (image.stored_width, image.stored_height, image.stored_format) == (300, 400, "JPEG")
    assert image.url == f"https://newsroom.example/media/{image.file.name}"
    assert [(r.format, r.width) for r in image.renditions.order_by("format", "width")] == [
        ("jpeg", 300),
        ("webp", 300),
    ]
    assert image.claims_mismatch == {}
    with open_stored(image.file.name, media) as stored:
        assert dict(stored.getexif()) == {}
    assert len(stored_files(media)) == 3


@pytest.mark.django_db
def test_an_upload_url_uses_the_base_url_given(media, files):
    image = store_uploaded_image(
        article=make_article(), uploaded_file=upload(files["small.webp"]), base_url="https://admin.example/"
    )
    assert image.url.startswith("https://admin.example/media/images/")


@pytest.mark.parametrize(
    "name, code, message",
    [
        ("not-an-image", "not_an_image", "cat.jpg: not an image in a format the newsroom takes"),
        ("bomb.png", "too_many_pixels", "cat.jpg: more pixels than the limit of 3,000,000"),
        ("big.jpg", "too_large", "an image may be at most 100,000 bytes"),
        ("truncated.jpg", "broken_image", "cat.jpg: a broken or truncated JPEG image"),
        ("empty", "empty", "cat.jpg is empty"),
    ],
)
@pytest.mark.django_db
def test_an_upload_that_is_not_a_usable_image_is_refused_with_a_clear_message(media, files, name, code, message):
    article = make_article()
    data = {"not-an-image": b"GIF89a but not really", "empty": b""}.get(name, files.get(name))

    with pytest.raises(ValidationError) as refused:
        store_uploaded_image(article=article, uploaded_file=upload(data, name="cat.jpg"))

    assert refused.value.code == code
    assert message in refused.value.messages[0]
    assert not Image.objects.filter(article=article).exists()
    assert stored_files(media) == []


@pytest.mark.django_db
def test_an_upload_larger_than_it_claims_is_counted_and_refused(media, files):
    uploaded = upload(files["big.jpg"])
    uploaded.size = 10
    with pytest.raises(ValidationError, match="more than 100,000 bytes"):
        store_uploaded_image(article=make_article(), uploaded_file=uploaded)


@pytest.mark.django_db
def test_an_upload_to_a_taken_position_is_refused(media, files):
    article = make_article(images=1)
    with pytest.raises(ValidationError, match="already has an image at position 0"):
        store_uploaded_image(article=article, uploaded_file=upload(files["gps.jpg"]), position=0)
    assert stored_files(media) == []


# --- Export ---------------------------------------------------------------------


@pytest.mark.django_db
def test_export_still_reproduces_the_fixture_after_its_images_are_cached(media, files):
    import_paths([EXAMPLE])
    article = Article.objects.get()
    images = list(Image.objects.filter(article=article)) + list(Image.objects.filter(related_link__article=article))
    assert len(images) == 9

    for image in images:
        save_local_copy(image=image, data=files["small.webp"])

    cached = Image.objects.exclude(file="")
    assert cached.count() == 9
    assert all(image.claims_mismatch for image in cached)
    exported = render_story_bytes(story_from_article(Article.objects.for_export().get(pk=article.pk)))
    assert exported == EXAMPLE.read_bytes()


@pytest.mark.django_db
def test_an_uploaded_image_exports_as_a_fixture_image_at_its_absolute_url(media, files):
    article = make_article()
    image = store_uploaded_image(article=article, uploaded_file=upload(files["gps.jpg"]))

    text = render_story(story_from_article(Article.objects.for_export().get(pk=article.pk)))

    [exported] = parse_story(text, filename="story.txt").images
    assert (exported.url, exported.width, exported.height, exported.is_cached) == (image.url, 800, 600, True)
    assert exported.url.startswith("https://newsroom.example/media/images/")
