"""Source-link health: the checks (HEAD then GET, the network guard, politeness), two failures
making a source broken, the admin's filter and the story page's archive link."""

import datetime
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import tasks
from articles.jobs.links import check_sources
from articles.models import Article

from .factories import make_article
from .local_server import LocalServer

pytestmark = pytest.mark.django_db


class LinkServer(LocalServer):
    """Answers by path: /ok 200, /gone 404, /no-head 405 to HEAD and 200 to GET, /robots 403, /moved 301 to /ok."""

    def __init__(self):
        self.requests = []  # (method, path, user agent)
        self.active, self.most_active = 0, 0
        lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                with lock:
                    server.requests.append((self.command, self.path, self.headers.get("User-Agent", "")))
                    server.active += 1
                    server.most_active = max(server.most_active, server.active)
                time.sleep(0.02)
                # Counted as done before answering: the client's next request can only follow the answer.
                with lock:
                    server.active -= 1
                path = self.path.split("?")[0]
                status = {"/ok": 200, "/gone": 404, "/robots": 403, "/moved": 301, "/broken-server": 500}.get(path, 404)
                if path == "/no-head":
                    status = 405 if self.command == "HEAD" else 200
                self.send_response(status)
                if status == 301:
                    self.send_header("Location", "/ok")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = do_GET = answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def server():
    with LinkServer() as server:
        yield server


@pytest.fixture
def links(settings):
    settings.NEWSROOM_LINKS = {"ALLOW_LOOPBACK": True, "HOST_DELAY": 0, "TIMEOUT": 2}


def story_at(server, path, **fields):
    return make_article(original_url=server.url(path), web_url="", **fields)


def test_a_healthy_source_is_recorded_as_checked(server, links):
    story = story_at(server, "/ok")
    report = check_sources()
    story.refresh_from_db()
    assert report.healthy == 1
    assert story.source_checked_at is not None and story.source_failures == 0 and story.source_broken_at is None
    assert server.requests[0][:2] == ("HEAD", "/ok")


def test_head_comes_first_and_get_is_asked_where_head_is_refused(server, links):
    story = story_at(server, "/no-head")
    check_sources()
    story.refresh_from_db()
    assert [request[:2] for request in server.requests] == [("HEAD", "/no-head"), ("GET", "/no-head")]
    assert story.source_failures == 0


def test_redirects_are_followed_to_the_answer(server, links):
    story = story_at(server, "/moved")
    check_sources()
    story.refresh_from_db()
    assert story.source_failures == 0
    assert [request[1] for request in server.requests] == ["/moved", "/ok"]


def test_the_user_agent_names_newsroom(server, links):
    story_at(server, "/ok")
    check_sources()
    assert "Newsroom" in server.requests[0][2]


def test_one_failure_is_not_broken_two_in_a_row_are(server, links):
    story = story_at(server, "/gone")
    now = timezone.now()
    check_sources(now=now)
    story.refresh_from_db()
    assert story.source_failures == 1 and story.source_broken_at is None

    check_sources(now=now + datetime.timedelta(days=8))
    story.refresh_from_db()
    assert story.source_failures == 2 and story.source_broken_at == now + datetime.timedelta(days=8)
    assert list(Article.objects.broken_sources()) == [story]


def test_a_server_error_is_a_failure_and_a_robots_refusal_is_neither(server, links):
    failing, refusing = story_at(server, "/broken-server"), story_at(server, "/robots")
    report = check_sources()
    failing.refresh_from_db()
    refusing.refresh_from_db()
    assert (report.failed, report.inconclusive) == (1, 1)
    assert failing.source_failures == 1
    assert refusing.source_failures == 0 and refusing.source_checked_at is not None


def test_a_broken_source_that_answers_again_is_healthy(server, links):
    story = story_at(server, "/ok", source_failures=3, source_broken_at=timezone.now())
    report = check_sources()
    story.refresh_from_db()
    assert report.recovered == 1
    assert story.source_failures == 0 and story.source_broken_at is None


def test_a_story_is_checked_at_most_once_a_week(server, links):
    story_at(server, "/ok")
    now = timezone.now()
    check_sources(now=now)
    assert check_sources(now=now + datetime.timedelta(days=6)).checked == 0
    assert check_sources(now=now + datetime.timedelta(days=7, seconds=1)).checked == 1
    assert len(server.requests) == 2


def test_only_live_stories_with_an_original_url_are_checked(server, links):
    story_at(server, "/ok", published=False)
    make_article(original_url="", web_url="https://x.example/1")
    assert check_sources().checked == 0
    assert server.requests == []


def test_one_host_is_asked_one_request_at_a_time_with_the_delay_between(server, settings):
    settings.NEWSROOM_LINKS = {"ALLOW_LOOPBACK": True, "HOST_DELAY": 0.5, "TIMEOUT": 2}
    for number in range(4):
        story_at(server, f"/ok?{number}")
    pauses = []
    check_sources(sleep=pauses.append)
    assert server.most_active == 1
    assert pauses == [0.5, 0.5, 0.5]


def test_the_network_guard_refuses_private_addresses_without_asking_them(server, settings):
    settings.NEWSROOM_LINKS = {"HOST_DELAY": 0, "TIMEOUT": 2}  # loopback not allowed, as in production
    story = story_at(server, "/ok")
    check_sources()
    story.refresh_from_db()
    assert server.requests == []
    assert story.source_failures == 1


def test_the_batch_takes_the_stories_checked_longest_ago_first(server, settings):
    settings.NEWSROOM_LINKS = {"ALLOW_LOOPBACK": True, "HOST_DELAY": 0, "TIMEOUT": 2, "BATCH": 1}
    long_ago = story_at(server, "/ok?1", source_checked_at=timezone.now() - datetime.timedelta(days=30))
    story_at(server, "/ok?2", source_checked_at=timezone.now() - datetime.timedelta(days=10))
    never = story_at(server, "/ok?3")
    check_sources()
    check_sources()
    checked = set(Article.objects.filter(source_checked_at__gte=timezone.now() - datetime.timedelta(minutes=1)))
    assert checked == {never, long_ago}


def test_the_task_runs_the_checks(server, links):
    story_at(server, "/gone")
    assert tasks.check_sources.enqueue().return_value.startswith("checked 1: healthy 0, failed 1")


# --- What editors and readers see ---------------------------------------------------


def test_the_story_page_links_to_the_archive_instead_of_a_broken_source(client):
    story = make_article(web_url="", original_url="https://gone.example/story", source_broken_at=timezone.now())
    html = client.get(story.get_absolute_url()).content.decode()
    assert 'href="https://web.archive.org/web/https://gone.example/story"' in html
    assert 'href="https://gone.example/story"' not in html


def test_the_story_page_links_to_a_healthy_source_itself(client):
    story = make_article(web_url="", original_url="https://fine.example/story", source_failures=1)
    html = client.get(story.get_absolute_url()).content.decode()
    assert 'href="https://fine.example/story"' in html
    assert "web.archive.org" not in html


def test_the_admin_lists_broken_sources(admin_client):
    broken = make_article(title="Broken one", source_broken_at=timezone.now(), source_failures=2)
    make_article(title="Fine one")
    response = admin_client.get(reverse("admin:articles_article_changelist"), {"source": "broken"})
    assert list(response.context["cl"].result_list) == [broken]


def test_a_run_stops_asking_at_its_time_limit_and_leaves_the_rest_due(server, settings):
    settings.NEWSROOM_LINKS = {"ALLOW_LOOPBACK": True, "HOST_DELAY": 0, "TIMEOUT": 2, "MAX_SECONDS": 0}
    story_at(server, "/ok")
    assert check_sources().checked == 0
    assert Article.objects.filter(source_checked_at__isnull=True).count() == 1
