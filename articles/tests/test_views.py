import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone
from django.views.defaults import server_error

from articles import editorial
from articles.embeds import youtube_video_id
from articles.models import Article, Topic
from articles.services import stories_changed, topics_changed
from articles.tests.factories import make_article, make_image, make_provider, make_related

pytestmark = pytest.mark.django_db

SECRET = "c2VjcmV0LXRva2Vu;dG9wLXNlY3JldA=="
WATCH_URL = "https://youtube.com/watch?v=GSsO45jNCcI"


def hours_ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def titles(response):
    return [article.title for article in response.context["articles"]]


def links_to(response, href):
    return f'href="{href}"' in response.text


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article", content_type__app_label="articles"))
    client.force_login(user)
    return client


# The listing


def test_listing_shows_published_stories_newest_first(client):
    make_article(title="Older", published_at=hours_ago(5))
    make_article(title="Newest", published_at=hours_ago(1))
    make_article(title="Middle", published_at=hours_ago(3))

    response = client.get("/")

    assert response.status_code == 200
    assert titles(response) == ["Newest", "Middle", "Older"]


def test_listing_leaves_out_unpublished_stories(client):
    make_article(title="Out in the open")
    make_article(title="Still a draft", published=False)

    response = client.get("/")

    assert titles(response) == ["Out in the open"]
    assert "Still a draft" not in response.text


def test_listing_card_shows_title_excerpt_provider_date_and_topics(client):
    provider = make_provider(name="The Daily Dot", domain="dailydot.com")
    article = make_article(
        title="Minneapolis bans facial recognition",
        excerpt="The council voted to ban it.",
        provider=provider,
        published_at=datetime.datetime(2021, 2, 12, 19, 25, tzinfo=datetime.UTC),
        topics=["Computer Vision", "AI"],
    )
    make_image(article=article, position=0, url="https://img.example/lead.jpg", width=2000, height=1000)

    html = client.get("/").text

    assert f'<a href="/stories/{article.slug}/">Minneapolis bans facial recognition</a>' in html
    assert "The council voted to ban it." in html
    assert '<a href="/providers/dailydot-com/">The Daily Dot</a>' in html
    assert '<time datetime="2021-02-12T19:25:00+00:00">12 Feb 2021</time>' in html
    # Not cached yet: never hot-linked from the outlet.
    assert "img.example" not in html
    assert '<a href="/topics/computer-vision/">Computer Vision</a>' in html
    card = html[html.index('<ol class="cards') :]
    assert card.index("/topics/computer-vision/") < card.index("/topics/ai/")


def test_listing_decodes_upstream_entities_once(client):
    make_article(title="We&#8217;re live", excerpt="Customer &amp; Partner")

    html = client.get("/").text

    assert "We’re live" in html
    assert "Customer &amp; Partner" in html
    assert "&amp;#8217;" not in html and "&amp;amp;" not in html


def test_listing_shows_twenty_stories_a_page(client):
    for hours in range(25):
        make_article(title=f"Story {hours:02}", published_at=hours_ago(hours + 1))

    first = client.get("/")
    second = client.get("/?page=2")

    assert titles(first) == [f"Story {n:02}" for n in range(20)]
    assert titles(second) == [f"Story {n:02}" for n in range(20, 25)]
    assert links_to(first, "?page=2")
    assert "Page 1 of 2" in first.text


def test_page_beyond_the_last_is_not_found(client):
    make_article()

    assert client.get("/?page=3").status_code == 404
    assert client.get("/?page=abc").status_code == 404


# Filters


@pytest.fixture
def newsroom_stories():
    verge = make_provider(name="The Verge", domain="theverge.com")
    wired = make_provider(name="Wired", domain="wired.com")
    return {
        "ai_verge": make_article(
            title="Robots learn to fold laundry",
            excerpt="A lab shows a folding robot.",
            topics=["AI", "Robotics"],
            provider=verge,
            category="news",
            quality=80,
            published_at=datetime.datetime(2024, 3, 10, 12, tzinfo=datetime.UTC),
        ),
        "ai_wired": make_article(
            title="Chatbots in court",
            excerpt="Judges weigh AI evidence.",
            topics=["AI"],
            provider=wired,
            category="opinion",
            quality=40,
            published_at=datetime.datetime(2024, 3, 20, 12, tzinfo=datetime.UTC),
        ),
        "space_verge": make_article(
            title="A new moon mission",
            excerpt="The launch window opens; robots on board.",
            topics=["Space"],
            provider=verge,
            category="news",
            quality=120,
            published_at=datetime.datetime(2024, 4, 2, 12, tzinfo=datetime.UTC),
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("topic=ai", ["Chatbots in court", "Robots learn to fold laundry"]),
        ("provider=theverge-com", ["A new moon mission", "Robots learn to fold laundry"]),
        ("category=opinion", ["Chatbots in court"]),
        ("since=2024-03-20", ["A new moon mission", "Chatbots in court"]),
        ("until=2024-03-20", ["Chatbots in court", "Robots learn to fold laundry"]),
        ("since=2024-03-11&until=2024-04-01", ["Chatbots in court"]),
        ("top=on", ["A new moon mission", "Robots learn to fold laundry"]),
        ("q=ROBOT", ["A new moon mission", "Robots learn to fold laundry"]),
        ("q=robot+laundry", ["Robots learn to fold laundry"]),
        ("q=judges", ["Chatbots in court"]),
    ],
)
def test_each_filter_narrows_the_listing(client, newsroom_stories, query, expected):
    response = client.get(f"/?{query}")

    assert response.status_code == 200
    # Sorted: on PostgreSQL a search ranks its results (articles.search).
    assert sorted(titles(response)) == sorted(expected)


def test_filters_combine(client, newsroom_stories):
    response = client.get("/?topic=ai&provider=theverge-com&top=on&q=laundry")

    assert titles(response) == ["Robots learn to fold laundry"]


def test_filter_choices_list_only_what_has_published_stories(client, newsroom_stories):
    make_article(topics=["Hidden Topic"], provider=make_provider(name="Hidden Outlet"), published=False)

    form = client.get("/").context["filter"].form

    assert [slug for slug, _ in form.fields["topic"].choices if slug] == ["ai", "robotics", "space"]
    assert [slug for slug, _ in form.fields["provider"].choices if slug] == ["theverge-com", "wired-com"]
    assert [name for name, _ in form.fields["category"].choices if name] == ["news", "opinion"]


def test_filters_keep_themselves_across_pagination(client):
    for hours in range(23):
        make_article(topics=["AI"], published_at=hours_ago(hours + 1), quality=90)
    make_article(topics=["Space"])

    first = client.get("/?q=&topic=ai&provider=&top=on")
    assert links_to(first, "?topic=ai&amp;top=on&amp;page=2")

    second = client.get("/?topic=ai&top=on&page=2")
    assert len(second.context["articles"]) == 3
    assert links_to(second, "?topic=ai&amp;top=on&amp;page=1")


def test_filter_form_shows_the_current_values(client, newsroom_stories):
    html = client.get("/?q=robot&topic=ai&since=2024-03-01").text

    assert 'name="q" value="robot"' in html
    assert '<option value="ai" selected>AI</option>' in html
    assert 'name="since" value="2024-03-01"' in html


def test_empty_result_says_so(client, newsroom_stories):
    response = client.get("/?q=nothing-like-this")

    assert response.status_code == 200
    assert titles(response) == []
    assert "No stories match these filters." in response.text
    assert links_to(response, "/")


@pytest.mark.parametrize(
    "query",
    [
        "type=podcast",
        "type=%00",
        "since=yesterday",
        "until=2024-02-30",
        "topic=no-such-topic",
        "provider=%00",
        "category=%3Cscript%3E",
        "q=" + "x" * 5000,
    ],
)
def test_bad_filter_values_show_an_error_not_a_crash(client, newsroom_stories, query):
    response = client.get(f"/?{query}")

    assert response.status_code == 200
    assert titles(response) == []
    assert response.context["filter"].form.errors
    assert "could not be read" in response.text
    assert "<script>" not in response.text


def test_extreme_dates_are_accepted(client, newsroom_stories):
    response = client.get("/?since=0001-01-01&until=9999-12-31")

    assert len(titles(response)) == 3


@pytest.mark.skipif(connection.vendor == "postgresql", reason="full-text search there (articles.search)")
def test_like_search_ignores_words_beyond_the_limit(client):
    make_article(title="alpha beta")

    query = "alpha " * 8 + "missing"

    assert titles(client.get("/", {"q": query})) == ["alpha beta"]


# Topic and provider pages


def test_topic_page_lists_that_topic_with_heading_and_feed_link(client, newsroom_stories):
    response = client.get("/topics/ai/")

    assert response.status_code == 200
    assert titles(response) == ["Chatbots in court", "Robots learn to fold laundry"]
    assert "<h1>Topic: AI</h1>" in response.text
    assert '<link rel="alternate" type="application/rss+xml" title="Newsroom: AI (RSS)" href="/topics/ai/rss/">' in (
        response.text
    )
    assert 'name="topic"' not in response.text


def test_topic_page_filters_further(client, newsroom_stories):
    response = client.get("/topics/ai/?provider=wired-com")

    assert titles(response) == ["Chatbots in court"]


def test_topic_without_published_stories_is_not_found(client):
    make_article(topics=["Embargoed"], published=False)

    assert client.get("/topics/embargoed/").status_code == 404
    assert client.get("/topics/never-heard-of-it/").status_code == 404


def test_provider_page_lists_that_provider_with_heading_and_feed_link(client, newsroom_stories):
    response = client.get("/providers/theverge-com/")

    assert response.status_code == 200
    assert titles(response) == ["A new moon mission", "Robots learn to fold laundry"]
    assert "<h1>Stories from The Verge</h1>" in response.text
    assert 'href="/providers/theverge-com/rss/"' in response.text
    assert 'name="provider"' not in response.text


def test_provider_page_by_its_old_domain_address_redirects_to_the_outlet(client, newsroom_stories):
    response = client.get("/providers/TheVerge.COM/")

    assert response.status_code == 301
    assert response["Location"] == "/providers/theverge-com/"
    response = client.get(response["Location"])
    assert '<link rel="canonical" href="http://testserver/providers/theverge-com/">' in response.text


def test_provider_without_published_stories_is_not_found(client):
    make_article(provider=make_provider(domain="quiet.example"), published=False)

    assert client.get("/providers/quiet-example/").status_code == 404


# The story page


def test_story_page_shows_the_story(client):
    provider = make_provider(name="The Daily Dot", domain="dailydot.com")
    article = make_article(
        title="Minneapolis bans facial recognition",
        excerpt="The council voted.",
        provider=provider,
        original_url="https://www.dailydot.com/story/",
        web_url="https://www.dailydot.com/story/",
        amp_url="https://www.dailydot.com/story/?amp",
        published_at=datetime.datetime(2021, 2, 12, 19, 25, tzinfo=datetime.UTC),
        topics=["AI", "Computer Vision"],
    )
    make_image(article=article, position=0, url="https://img.example/lead.jpg", width=2000, height=1000)
    make_image(article=article, position=1, url="https://img.example/more.jpg", width=800, height=600)
    make_related(
        article,
        title="TechCrunch on the ban",
        web_url="https://techcrunch.com/ban/",
        provider=make_provider(name="TechCrunch", domain="techcrunch.com"),
        published_at=datetime.datetime(2021, 2, 12, 19, 32, tzinfo=datetime.UTC),
    )

    response = client.get(f"/stories/{article.slug}/")
    html = response.text

    assert response.status_code == 200
    assert "<h1>Minneapolis bans facial recognition</h1>" in html
    assert '<a href="/providers/dailydot-com/">The Daily Dot</a>' in html
    assert '<time datetime="2021-02-12T19:25:00+00:00">' in html
    assert "img.example" not in html.split("</head>")[1], "images not cached yet are not shown"
    assert "The council voted." in html
    assert '<a class="button" href="https://www.dailydot.com/story/" rel="noopener">Read at The Daily Dot</a>' in html
    assert '<a href="https://www.dailydot.com/story/?amp" rel="noopener nofollow">AMP version</a>' in html
    assert '<a href="/topics/ai/">AI</a>' in html
    assert '<a href="https://techcrunch.com/ban/" rel="noopener">TechCrunch on the ban</a>' in html
    assert "TechCrunch" in html and '<time datetime="2021-02-12T19:32:00+00:00">' in html


def test_read_link_falls_back_to_the_original_url(client):
    article = make_article(web_url="", original_url="https://youtube.com/watch?v=GSsO45jNCcI", type="video")

    html = client.get(f"/stories/{article.slug}/").text

    assert 'href="https://youtube.com/watch?v=GSsO45jNCcI" rel="noopener">Watch at' in html


def test_links_that_are_not_http_are_not_links(client):
    article = make_article(amp_url="https://ok.example/amp")
    # The admin could store what an import would refuse.
    Article.objects.filter(pk=article.pk).update(amp_url="javascript:alert(1)")
    make_related(article, web_url="https://ok.example/related")
    article.related_links.update(web_url="javascript:alert(2)")

    html = client.get(f"/stories/{article.slug}/").text

    assert "javascript:" not in html


def test_every_outbound_link_carries_noopener(client):
    article = make_article(amp_url="https://amp.example/a", related=3, topics=["AI"])

    for url in ["/", f"/stories/{article.slug}/", "/topics/ai/", f"/providers/{article.provider.slug}/"]:
        html = client.get(url).text
        for tag in re.findall(r"<a [^>]*>", html):
            if 'href="http' in tag:
                assert 'rel="noopener' in tag, (url, tag)


def test_unpublished_story_is_not_found_with_a_friendly_page(client):
    article = make_article(title="Embargoed scoop", published=False)

    response = client.get(f"/stories/{article.slug}/")

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Embargoed scoop" not in response.text
    assert links_to(response, "/")


def test_unknown_story_is_not_found(client):
    assert client.get("/stories/no-such-story/").status_code == 404


def test_unknown_address_gets_the_friendly_not_found_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text


def test_server_error_page_is_friendly_and_needs_nothing_that_may_have_failed(rf):
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()
    assert b'href="/"' in response.content


def test_staff_see_an_unpublished_story_as_a_preview_never_cached(staff_client):
    article = make_article(title="Embargoed scoop", published=False)

    response = staff_client.get(f"/stories/{article.slug}/")

    assert response.status_code == 200
    assert "Embargoed scoop" in response.text
    assert 'class="preview-banner"' in response.text
    assert '<meta name="robots" content="noindex, follow">' in response.text
    assert "no-store" in response["Cache-Control"]
    assert "ETag" not in response


def test_staff_preview_is_not_served_to_readers_afterwards(staff_client, client):
    article = make_article(published=False)
    staff_client.get(f"/stories/{article.slug}/")
    staff_client.logout()

    assert staff_client.get(f"/stories/{article.slug}/").status_code == 404


def test_staff_see_no_banner_on_a_published_story(staff_client):
    article = make_article()

    response = staff_client.get(f"/stories/{article.slug}/")

    assert response.status_code == 200
    assert "preview-banner" not in response.text


def test_staff_without_the_view_permission_get_not_found(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("intern", password="x", is_staff=True))
    article = make_article(published=False)

    assert client.get(f"/stories/{article.slug}/").status_code == 404


# Video


def test_youtube_embed_becomes_a_player_the_site_builds(client):
    article = make_article(
        type="video",
        featured_content=(
            '<iframe width="800" height="500" frameborder="0" src="https://www.youtube.com/embed/GSsO45jNCcI" '
            'allow="autoplay" allowfullscreen onload="alert(1)"></iframe>'
        ),
    )

    response = client.get(f"/stories/{article.slug}/")
    iframes = re.findall(r"<iframe [^>]*>", response.text)

    assert len(iframes) == 1
    assert 'src="https://www.youtube-nocookie.com/embed/GSsO45jNCcI"' in iframes[0]
    assert "onload" not in response.text
    assert "youtube.com/embed" not in response.text
    assert "frame-src https://www.youtube-nocookie.com" in response["Content-Security-Policy"]


def test_hostile_featured_content_never_reaches_the_page(client):
    hostile = (
        '<iframe src="https://evil.example/x"></iframe><script>alert("pwned")</script><img src=x onerror=alert(1)>'
    )
    article = make_article(type="video", featured_content=hostile, original_url=WATCH_URL)

    html = client.get(f"/stories/{article.slug}/").text

    # The only frame is the player built from the checked id of the original URL.
    assert re.findall(r"<iframe [^>]*src=\"([^\"]*)\"", html) == ["https://www.youtube-nocookie.com/embed/GSsO45jNCcI"]
    assert "evil.example" not in html
    assert "pwned" not in html
    assert "onerror" not in html


@pytest.mark.parametrize(
    ("featured_content", "original_url", "expected"),
    [
        ('<iframe src="https://www.youtube.com/embed/GSsO45jNCcI"></iframe>', "", "GSsO45jNCcI"),
        ('<iframe src="//www.youtube-nocookie.com/embed/w2_iAcN4FSc?rel=0"></iframe>', "", "w2_iAcN4FSc"),
        ('<iframe src="https://www.youtube.com/watch?v=Wk5qroNm1sk"></iframe>', "", "Wk5qroNm1sk"),
        (
            '<iframe src="https://www.youtube.com/embed/videoseries?list=PL1"></iframe>',
            "https://youtube.com/watch?v=GSsO45jNCcI",
            "GSsO45jNCcI",
        ),
        ('<iframe src="https://www.youtube.com/embed/GSsO45jNCcI&quot;onload=x"></iframe>', "", None),
        ('<iframe src="https://www.youtube.com/embed/abc"></iframe>', "", None),
        ('<iframe src="https://www.youtube.com.evil.example/embed/GSsO45jNCcI"></iframe>', "", None),
        ('<iframe src="https://evil.example/embed/GSsO45jNCcI"></iframe>', WATCH_URL, None),
        ('<iframe src="javascript:alert(1)//www.youtube.com/embed/GSsO45jNCcI"></iframe>', "", None),
        ("", "https://youtube.com/watch?v=GSsO45jNCcI", None),
        ("<p>not an embed</p>", "", None),
    ],
)
def test_youtube_video_id_accepts_only_youtube_players_and_valid_ids(featured_content, original_url, expected):
    assert youtube_video_id(featured_content, original_url) == expected


def test_story_without_youtube_embed_has_no_frame(client):
    article = make_article(type="video", featured_content='<iframe src="https://player.vimeo.com/video/1"></iframe>')

    assert "<iframe" not in client.get(f"/stories/{article.slug}/").text


# What must never be public


@pytest.fixture
def secret_stories():
    visible = make_article(title="Visible", secured=SECRET, topics=["AI"], images=2, related=2)
    hidden = make_article(title="Hidden draft", slug="hidden-draft", secured=SECRET, topics=["AI"], published=False)
    return visible, hidden


def public_urls(visible):
    return [
        "/",
        "/?topic=ai",
        "/?q=draft",
        f"/stories/{visible.slug}/",
        "/stories/hidden-draft/",
        "/topics/ai/",
        f"/providers/{visible.provider.slug}/",
        "/feeds/rss/",
        "/feeds/atom/",
        "/topics/ai/rss/",
        "/topics/ai/atom/",
        f"/providers/{visible.provider.slug}/rss/",
        f"/providers/{visible.provider.slug}/atom/",
        "/sitemap.xml",
        "/robots.txt",
    ]


def test_secured_token_and_unpublished_stories_appear_in_no_public_response(client, secret_stories):
    visible, hidden = secret_stories
    checked = 0
    for url in public_urls(visible):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code in (200, 404), url
        for part in SECRET.split(";"):
            assert part not in body, url
        assert "Hidden draft" not in body and "hidden-draft" not in body, url
        checked += response.status_code == 200
    assert checked == len(public_urls(visible)) - 1


STORED_SCRIPT = "<script>alert('x')</script>"


def test_stored_markup_renders_escaped_on_pages(client):
    provider = make_provider(name=f"Outlet {STORED_SCRIPT}", domain="outlet.example")
    article = make_article(
        title=f"Title {STORED_SCRIPT}",
        excerpt=f"Excerpt {STORED_SCRIPT} &lt;script&gt;",
        provider=provider,
        topics=[f"Topic {STORED_SCRIPT}"],
        images=1,
    )
    make_related(article, title=f"Related {STORED_SCRIPT}", provider=provider)
    topic_url = Article.objects.with_topics().get(pk=article.pk).topic_list[0].get_absolute_url()

    for url in ["/", f"/stories/{article.slug}/", topic_url, "/providers/outlet-example/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert" not in response.text, url
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in response.text, url


# Speed


@pytest.fixture
def busy_newsroom():
    topics = ["AI", "Space", "Climate"]
    verge = make_provider(name="The Verge", domain="theverge.com")
    return [
        make_article(provider=verge, topics=topics, images=3, related=9, published_at=hours_ago(n + 1))
        for n in range(20)
    ]


@pytest.mark.parametrize(
    "url", ["/", "/?topic=ai&q=story&type=article&since=2020-01-01", "/topics/ai/", "/providers/theverge-com/"]
)
def test_a_listing_costs_at_most_six_queries(client, busy_newsroom, django_assert_max_num_queries, url):
    # Freshness, the choices, the count, the page's ids, its cards' key columns, the new cards' topics.
    with django_assert_max_num_queries(6):
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["articles"]) == 20


def test_a_story_page_costs_at_most_seven_queries(client, busy_newsroom, django_assert_max_num_queries):
    article = busy_newsroom[0]

    # Six for the page, and its stamp for the page cache (views.story_page_content), asked on every
    # miss so that the page is found again after unrelated changes.
    with django_assert_max_num_queries(7):
        response = client.get(f"/stories/{article.slug}/")

    assert response.status_code == 200
    assert len(response.context["related_links"]) == 9


def test_the_same_listing_again_needs_no_count_or_choices(client, busy_newsroom, django_assert_num_queries):
    client.get("/?q=story")

    # Another address for the same list: the page is built again from its stories' ids and their
    # cards' key columns (and the content's freshness); the count, the choices and the cards (with
    # their topics) are not.
    with django_assert_num_queries(3):
        client.get("/?q=story&utm_source=feed")


# Conditional GET and caching


@pytest.mark.parametrize("path", ["/", "/topics/ai/", "/feeds/rss/", "story"])
def test_unchanged_pages_answer_not_modified(client, path):
    article = make_article(topics=["AI"])
    url = f"/stories/{article.slug}/" if path == "story" else path

    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    since = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})

    assert first.status_code == 200
    assert again.status_code == 304
    assert since.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("removal", ["taken down", "deleted"])
@pytest.mark.parametrize("path", ["/", "/feeds/rss/", "/api/stories/", "story", "api story"])
def test_a_story_taken_off_moves_last_modified_and_its_address_is_gone_whatever_the_validators(
    client, admin_user, monkeypatch, path, removal
):
    # Last-Modified counts whole seconds: the take-down comes a minute after the first visit.
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC))
    make_article(title="Staying")
    story = make_article(title="Withdrawn", published_at=datetime.datetime(2026, 12, 7, 11, tzinfo=datetime.UTC))
    url = {"story": f"/stories/{story.slug}/", "api story": f"/api/stories/{story.slug}/"}.get(path, path)
    first = client.get(url)
    assert first.status_code == 200 and "Withdrawn" in first.text

    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 12, 7, 12, 1, tzinfo=datetime.UTC))
    if removal == "taken down":
        editorial.unpublish_stories(queryset=Article.objects.filter(pk=story.pk), user=admin_user, reason="legal")
    else:
        # As the admin deletes: the row, then every writer's notice.
        pk = story.pk
        story.delete()
        stories_changed([pk])
    since = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    anything = client.get(url, headers={"If-None-Match": "*"})

    expected = 404 if path in ("story", "api story") else 200
    assert (since.status_code, anything.status_code) == (expected, expected if expected == 404 else 304)
    assert "Withdrawn" not in since.text


@pytest.mark.parametrize("url", ["/stories/never-was/", "/topics/never-was/", "/api/stories/never-was/"])
def test_an_address_that_never_existed_is_a_404_whatever_the_validators(client, url):
    make_article()
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 404
    assert client.get(url, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}).status_code == 404


def test_a_change_gives_the_page_a_new_etag(client):
    article = make_article(title="Before")
    first = client.get("/")

    article.title = "After"
    article.save()
    response = client.get("/", headers={"If-None-Match": first["ETag"]})

    assert response.status_code == 200
    assert "After" in response.text and "Before" not in response.text


def test_publishing_shows_at_once_despite_the_cache(client):
    make_article(title="Already out")
    draft = make_article(title="Fresh news", published=False)
    assert "Fresh news" not in client.get("/").text

    draft.published = True
    draft.save()

    assert "Fresh news" in client.get("/").text


def test_unpublishing_by_queryset_update_hides_the_story_at_once(client):
    kept = make_article(title="Stays up", published_at=hours_ago(1))
    pulled = make_article(title="Pulled", published_at=hours_ago(2))
    assert "Pulled" in client.get("/").text
    assert client.get(f"/stories/{pulled.slug}/").status_code == 200

    # update() leaves updated_at alone: the count of published stories catches it.
    Article.objects.filter(pk=pulled.pk).update(published=False)

    assert "Pulled" not in client.get("/").text
    assert client.get(f"/stories/{pulled.slug}/").status_code == 404
    assert "Stays up" in client.get(f"/stories/{kept.slug}/").text


def test_a_deleted_story_leaves_the_listing_at_once(client):
    make_article(title="Stays", published_at=hours_ago(1))
    gone = make_article(title="Goes away", published_at=hours_ago(2))
    assert "Goes away" in client.get("/").text

    gone.delete()

    assert "Goes away" not in client.get("/").text


def test_a_renamed_provider_shows_at_once(client):
    article = make_article()
    client.get("/")

    article.provider.name = "Renamed Outlet"
    article.provider.save()

    assert "Renamed Outlet" in client.get("/").text


def test_topic_changes_show_at_once(client):
    article = make_article(topics=["AI"])
    client.get("/")

    editorial.set_topics(article=article, names=["Space"])

    html = client.get("/").text
    assert 'href="/topics/space/"' in html and 'href="/topics/ai/"' not in html


def test_a_renamed_topic_shows_at_once(client, django_capture_on_commit_callbacks):
    article = make_article(topics=["AI"])
    first = client.get("/")
    topic = Topic.objects.get(slug="ai")

    with django_capture_on_commit_callbacks(execute=True):
        topic.name, topic.slug = "Artificial Intelligence", "artificial-intelligence"
        topic.save()
        topics_changed()  # what every writer of the app calls (articles.services)

    response = client.get("/", headers={"If-None-Match": first["ETag"]})
    assert response.status_code == 200
    assert '<a href="/topics/artificial-intelligence/">Artificial Intelligence</a>' in response.text
    assert client.get("/topics/artificial-intelligence/").status_code == 200
    assert client.get("/topics/ai/").status_code == 404
    assert "Artificial Intelligence" in client.get(f"/stories/{article.slug}/").text


def test_a_deleted_topic_leaves_the_pages_at_once(client, django_capture_on_commit_callbacks):
    make_article(topics=["AI", "Space"])
    assert 'href="/topics/ai/"' in client.get("/").text

    with django_capture_on_commit_callbacks(execute=True):
        Topic.objects.get(slug="ai").delete()
        topics_changed()

    assert 'href="/topics/ai/"' not in client.get("/").text


def test_a_topic_renamed_in_the_admin_shows_at_once(admin_client, client, django_capture_on_commit_callbacks):
    make_article(topics=["AI"])
    first = client.get("/")
    topic = Topic.objects.get(slug="ai")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/articles/topic/{topic.pk}/change/", {"name": "Machine Learning", "slug": "machine-learning"}
        )
    assert response.status_code == 302
    response = client.get("/", headers={"If-None-Match": first["ETag"]})
    assert response.status_code == 200 and ">Machine Learning</a>" in response.text


def test_public_pages_may_be_kept_but_must_be_revalidated(client):
    make_article()

    response = client.get("/")

    assert response["Cache-Control"] == "public, no-cache"


# Headers


def test_public_pages_carry_security_headers(client):
    article = make_article()

    for url in ["/", f"/stories/{article.slug}/", "/feeds/rss/", "/stories/unknown/"]:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"]


def test_admin_login_page_renders_under_the_same_policy(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert ' style="' not in response.text


def test_public_pages_have_no_inline_scripts_or_styles(client):
    article = make_article(topics=["AI"], images=2, related=2)

    for url in ["/", f"/stories/{article.slug}/", "/topics/ai/", "/stories/unknown/"]:
        html = client.get(url).text
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert all('type="application/ld+json"' in tag for tag in scripts), url
        assert " style=" not in html and "<style" not in html, url
        assert not re.search(r"<[^>]+\son[a-z]+=", html), url


def test_more_filters_are_folded_away_until_one_is_in_use(client, newsroom_stories):
    assert '<details class="filters__more">' in client.get("/").text
    assert '<details class="filters__more">' in client.get("/?q=robot").text
    assert '<details class="filters__more" open>' in client.get("/?topic=ai").text
    assert '<details class="filters__more" open>' in client.get("/?type=abc").text


def test_the_listing_index_holds_the_schedule_so_a_deep_page_reads_no_story_rows():
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Article._meta.db_table)
    assert indexes["article_published_listing"]["columns"] == ["published_at", "id", "publish_at", "unpublish_at"]
    if connection.vendor != "sqlite":
        return  # PostgreSQL's planner chooses by its statistics; the index's columns are what matters
    for n in range(30):
        make_article(published_at=hours_ago(n + 1))
    ids = Article.objects.listed().values_list("pk", flat=True)[20:40]

    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        program = cursor.fetchall()
        cursor.execute("SELECT rootpage FROM sqlite_master WHERE name = %s", [Article._meta.db_table])
        (table_page,) = cursor.fetchone()

    assert "article_published_listing" in ids.explain()
    # (address, opcode, p1, p2, ...): p1 is a cursor, and an OpenRead's p2 the b-tree it reads. SQLite
    # opens the table too, but seeks a row of it only for a column it reads: it reads none.
    table_cursors = {p1 for _, opcode, p1, p2, *_ in program if opcode == "OpenRead" and p2 == table_page}
    assert table_cursors
    assert not [row for row in program if row[1] == "Column" and row[2] in table_cursors]
