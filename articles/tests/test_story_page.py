"""The story page's actions: the reading link goes to the outlet, other copies are secondary, videos play."""

import re

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.embeds import PLAYER_HOST, youtube_id_from_url
from articles.images.models import Image
from articles.models import Article
from articles.stories.write import import_paths
from articles.tests.conftest import SAMPLES_DIR
from articles.tests.factories import make_article, make_provider

pytestmark = pytest.mark.django_db


def action_button(html):
    return re.search(r'<a class="button" href="([^"]*)" rel="noopener">([^<]*)</a>', html).groups()


def test_reading_link_goes_to_the_outlets_own_page_not_the_aggregators_copy(client):
    microsoft = make_provider(name="Microsoft", domain="microsoft.com")
    article = make_article(
        provider=microsoft,
        original_url="https://powerapps.microsoft.com/en-us/blog/new-controls/",
        web_url="https://www.smartable.ai/apps/powerapps/news/new-controls",
    )

    html = client.get(article.get_absolute_url()).text

    assert action_button(html) == ("https://powerapps.microsoft.com/en-us/blog/new-controls/", "Read at Microsoft")
    # The aggregator's copy is still offered, as a plain secondary link.
    assert (
        'href="https://www.smartable.ai/apps/powerapps/news/new-controls" rel="noopener nofollow">smartable.ai</a>'
        in html
    )


def test_reading_link_names_the_domain_when_the_link_is_not_on_the_providers_domain(client):
    article = make_article(
        provider=make_provider(name="PowerApps911", domain="youtube.com"),
        original_url="",
        web_url="https://www.smartable.ai/apps/powerapps/video/tips",
        type="video",
    )

    html = client.get(article.get_absolute_url()).text

    assert action_button(html) == ("https://www.smartable.ai/apps/powerapps/video/tips", "Watch at smartable.ai")
    assert "Also available" not in html


def test_video_reading_link_names_the_channel_on_youtube(client):
    article = make_article(
        provider=make_provider(name="PowerApps911", domain="youtube.com"),
        original_url="https://www.youtube.com/watch?v=GSsO45jNCcI",
        web_url="https://www.smartable.ai/apps/powerapps/video/tips",
        type="video",
    )

    html = client.get(article.get_absolute_url()).text

    assert action_button(html) == ("https://www.youtube.com/watch?v=GSsO45jNCcI", "Watch at PowerApps911")


def test_amp_copy_is_also_available_but_never_the_main_action(client):
    article = make_article(
        original_url="https://www.dailydot.com/story/",
        web_url="https://www.dailydot.com/story/",
        amp_url="https://amp.dailydot.com/story/",
    )

    html = client.get(article.get_absolute_url()).text

    assert action_button(html)[0] == "https://www.dailydot.com/story/"
    also = re.search(r'<p class="story__copies">(.*?)</p>', html, re.S).group(1)
    assert 'href="https://amp.dailydot.com/story/"' in also and "AMP version" in also
    # The same page twice is not "also available".
    assert "www.dailydot.com/story/" not in also


def test_a_subdomain_of_the_providers_domain_is_the_provider(client):
    provider = make_provider(name="The Verge", domain="theverge.com")
    article = make_article(provider=provider, original_url="https://live.theverge.com/x", web_url="")

    assert action_button(client.get(article.get_absolute_url()).text)[1] == "Read at The Verge"


def test_a_lookalike_domain_is_not_the_provider(client):
    provider = make_provider(name="The Verge", domain="theverge.com")
    article = make_article(provider=provider, original_url="https://nottheverge.com/x", web_url="")

    assert action_button(client.get(article.get_absolute_url()).text)[1] == "Read at nottheverge.com"


# The video player


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=GSsO45jNCcI",
        "https://youtube.com/watch?feature=share&v=GSsO45jNCcI&t=42s",
        "https://m.youtube.com/watch?v=GSsO45jNCcI",
        "https://music.youtube.com/watch?v=GSsO45jNCcI&list=RDAMVM",
        "https://youtu.be/GSsO45jNCcI",
        "https://youtu.be/GSsO45jNCcI?si=abc&t=10",
        "https://www.youtube.com/embed/GSsO45jNCcI?rel=0",
        "https://www.youtube.com/shorts/GSsO45jNCcI",
        "https://www.youtube.com/live/GSsO45jNCcI?feature=shared",
        "https://www.youtube-nocookie.com/embed/GSsO45jNCcI",
        "http://WWW.YOUTUBE.COM/watch/?v=GSsO45jNCcI",
    ],
)
def test_youtube_url_forms_give_the_video_id(url):
    assert youtube_id_from_url(url) == "GSsO45jNCcI"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=GSsO45jNCc",  # too short
        "https://www.youtube.com/watch?v=GSsO45jNCcI<x>",
        "https://www.youtube.com/channel/UCabcdefghijk",
        "https://www.youtube.com/embed/videoseries?list=PL1",
        "https://youtube.com.evil.example/watch?v=GSsO45jNCcI",
        "https://evil.example/shorts/GSsO45jNCcI",
        "javascript://www.youtube.com/watch?v=GSsO45jNCcI",
        "https://youtu.be/",
        "https://[broken/watch?v=GSsO45jNCcI",
        # A browser goes to evil.example: "\\" is "/" to it.
        "https://evil.example\\@www.youtube.com/watch?v=GSsO45jNCcI",
        "https://evil.example\\.youtube.com/watch?v=GSsO45jNCcI",
        "",
    ],
)
def test_urls_that_are_not_one_youtube_video_give_no_id(url):
    assert youtube_id_from_url(url) is None


def player_sources(html):
    return re.findall(r'<iframe [^>]*src="([^"]*)"', html)


@pytest.mark.parametrize("field", ["original_url", "web_url"])
def test_video_with_a_youtube_link_and_no_embed_gets_the_private_player(client, field):
    links = {"original_url": "", "web_url": "https://www.smartable.ai/video/1", field: "https://youtu.be/GSsO45jNCcI"}
    article = make_article(type="video", featured_content="", **links)

    response = client.get(article.get_absolute_url())

    assert player_sources(response.text) == ["https://www.youtube-nocookie.com/embed/GSsO45jNCcI"]


def test_the_csp_allows_frames_from_the_player_host_only(client):
    article = make_article(type="video", original_url="https://www.youtube.com/shorts/GSsO45jNCcI")

    policy = client.get(article.get_absolute_url())["Content-Security-Policy"]

    frame_src = next(d for d in policy.split("; ") if d.startswith("frame-src"))
    assert frame_src == f"frame-src https://{PLAYER_HOST}"


def test_video_from_elsewhere_links_out_without_a_frame(client):
    article = make_article(
        type="video",
        featured_content='<iframe src="https://player.vimeo.com/video/1"></iframe>',
        original_url="https://vimeo.com/1",
        provider=make_provider(name="Vimeo Staff", domain="vimeo.com"),
    )

    html = client.get(article.get_absolute_url()).text

    assert player_sources(html) == []
    assert action_button(html) == ("https://vimeo.com/1", "Watch at Vimeo Staff")


def test_cards_mark_videos_and_downloads(client):
    make_article(title="A plain story", type="article")
    make_article(title="A talk", type="video")
    make_article(title="The installer", type="download")

    html = client.get("/").text

    cards = dict(re.findall(r'card__title"><a [^>]*>([^<]*)</a>.*?<p class="meta">(.*?)</p>', html, re.S))
    assert "Video" in cards["A talk"] and "Download" not in cards["A talk"]
    assert "Download" in cards["The installer"]
    assert "Video" not in cards["A plain story"] and "Download" not in cards["A plain story"]


SAMPLE_FILES = sorted(SAMPLES_DIR.glob("*.md")) if SAMPLES_DIR.is_dir() else []


@pytest.mark.skipif(not SAMPLE_FILES, reason=f"{SAMPLES_DIR} is not here (not part of the repository)")
def test_in_the_real_samples_every_video_with_a_youtube_link_gets_the_player_and_every_link_goes_to_the_outlet(
    client,
):
    import_paths(SAMPLE_FILES)
    videos = 0
    for article in Article.objects.published().select_related("provider"):
        html = client.get(article.get_absolute_url()).text
        assert action_button(html)[0] == (article.original_url or article.web_url).replace("&", "&amp;")
        if any(youtube_id_from_url(url) for url in (article.original_url, article.web_url)):
            videos += 1
            assert player_sources(html), article.original_url
    assert videos > 0


def test_the_page_reads_images_topics_and_related_coverage_in_file_order_with_one_query_each(client, settings):
    settings.NEWSROOM_PAGE_CACHE = False
    article = make_article(topics=["Zeta", "Alpha", "Middle"], images=3, related=9)
    client.get(article.get_absolute_url())  # the header's topics, counted once

    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())

    tables = ("articles_image", "articles_taggedarticle", "articles_relatedlink")
    reading = [query["sql"] for query in queries if query["sql"].lstrip().startswith("SELECT")]
    for table in tables:
        assert len([sql for sql in reading if f'FROM "{table}' in sql]) == 1, table
    # Outlets come with the rows that name them, with what the page shows of them.
    assert not [sql for sql in reading if sql.lstrip().startswith('SELECT "providers_provider"')]
    html = response.text
    names = re.findall(r'<li><a href="/topics/[^"]*/">(\w+)</a></li>', html)
    assert names[-3:] == ["Zeta", "Alpha", "Middle"]
    titles = [link.title for link in article.related_links.order_by("position")]
    shown = re.findall(r'<h3 class="related__title"><a [^>]*>([^<]*)</a>', html)
    assert shown == titles
    assert response.context["lead_image"] == article.images.get(position=0)


def test_every_kind_of_story_page_is_shown_from_its_prepared_rows_without_loading_a_field_more(
    client, admin_client, monkeypatch, settings
):
    # The page's queries select only the columns it shows (articles.story_page): one more read,
    # in the templates or the JSON-LD, would be a query per visit for a field left out.
    settings.NEWSROOM_PAGE_CACHE = False
    stories = [
        make_article(topics=["Alpha", "Beta"], images=3, related=4),
        make_article(correction_note="The date was wrong.", corrected_at=timezone.now(), category="world"),
        make_article(original_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", type="video"),
        make_article(source_broken_at=timezone.now(), type="download", amp_url="https://amp.example/x"),
        make_article(published=False),
    ]
    Image.objects.filter(article=stories[0]).update(
        file="images/lead.jpg",
        stored_width=800,
        stored_height=450,
        picture_files={"jpeg": [["images/lead-400.jpg", 400, 225]], "webp": [["images/lead-400.webp", 400, 225]]},
    )
    others = [make_article(related=1), make_article()]
    Article.objects.filter(pk__in=[stories[0].pk, *(s.pk for s in others)]).update(cluster=stories[0].pk)
    if SAMPLE_FILES:
        import_paths(SAMPLE_FILES[:40])

    def refused(instance, *args, fields=None, **kwargs):
        raise AssertionError(f"{type(instance).__name__} {instance.pk} loaded {fields} after its query")

    monkeypatch.setattr(Model, "refresh_from_db", refused)
    for article in Article.objects.filter(published=True):
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200, article
    preview = admin_client.get(stories[-1].get_absolute_url())
    assert preview.status_code == 200 and b"preview-banner" in preview.content
    first = client.get(stories[0].get_absolute_url()).text
    assert "lead-400.webp" in first and "Coverage from" in first
