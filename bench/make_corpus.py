#!/usr/bin/env python
"""
Write deterministic, realistic story fixture files.

    python bench/make_corpus.py --stories 1000 --out /tmp/corpus --seed 1

The same seed always gives the same files. Stories look like the real ones:
about 10 KB with 0-9 related items, 1-3 images, topics from a few dozen,
providers from a few hundred, a third of the files with CRLF line endings,
some videos with a YouTube embed and no webUrl, some keys left out.
It also wrote the sample stories in fixtures/ (--stories 40 --seed 2026).
"""

import argparse
import base64
import datetime as dt
import hashlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from articles.stories.data import ImageData, ProviderData, RelatedData, StoryData  # noqa: E402
from articles.stories.export import render_story_bytes  # noqa: E402

TOPICS = [
    "AI",
    "Computer Vision",
    "Machine Learning",
    "Privacy",
    "Security",
    "Climate",
    "Energy",
    "Space",
    "Health",
    "Public Health",
    "Elections",
    "Courts",
    "Policing",
    "Education",
    "Housing",
    "Transport",
    "Cities",
    "Startups",
    "Chips",
    "Cloud",
    "Open Source",
    "Power Apps",
    "Low Code",
    "Robotics",
    "Biotech",
    "Finance",
    "Crypto",
    "Labour",
    "Media",
    "Sport",
    "Food",
    "Science",
    "Oceans",
    "Wildfires",
]
OUTLET_WORDS = [
    "Daily",
    "Morning",
    "Evening",
    "Herald",
    "Tribune",
    "Ledger",
    "Courier",
    "Gazette",
    "Observer",
    "Chronicle",
    "Post",
    "Times",
    "Review",
    "Dispatch",
    "Signal",
    "Wire",
    "Beacon",
    "Record",
    "Journal",
]
PLACES = [
    "Minneapolis",
    "Zürich",
    "São Paulo",
    "Kraków",
    "Lagos",
    "Québec",
    "Osaka",
    "Reykjavík",
    "Delhi",
    "Nairobi",
    "Oslo",
    "Austin",
    "Lyon",
    "Seoul",
    "Córdoba",
    "Tromsø",
]
SUBJECTS = [
    "facial recognition",
    "a new battery plant",
    "the city budget",
    "school meals",
    "a data breach",
    "flood defences",
    "an open-source model",
    "bus lanes",
    "the water utility",
    "a chip shortage",
    "rent controls",
    "a satellite launch",
    "the heatwave",
    "vaccine trials",
    "a museum reopening",
]
VERBS = [
    "bans",
    "approves",
    "delays",
    "rejects",
    "expands",
    "investigates",
    "funds",
    "reviews",
    "pauses",
    "doubles down on",
    "quietly drops",
    "votes on",
]
TITLE_SHAPES = [
    "{place} {verb} {subject}",
    "{place} council {verb} {subject} after months of debate",
    "Why {place} {verb} {subject}",
    '"{Subject}" is back: {place} {verb} it',
    "{place} {verb} {subject} — what it means",
    "Inside {place}'s plan for {subject}",
    "{Subject}: {place} {verb} it, critics say “too little, too late”",
    "{place} {verb} {subject} 🚀",
]


def outlet(rng, index):
    words = rng.sample(OUTLET_WORDS, 2)
    name = f"The {words[0]} {words[1]}" if index % 3 else f"{words[0]} {words[1]}"
    if index % 17 == 0:
        name += f" {rng.choice(PLACES)}"
    domain = f"{words[0]}{words[1]}{index}.example".lower()
    return name, domain


def sentence(rng, place, subject):
    return rng.choice(
        [
            f"Officials in {place} said the decision on {subject} followed a long review.",
            f"Critics of {subject} in {place} called the move overdue; supporters said it went too far.",
            f"The vote on {subject} was unanimous, according to people present at the meeting.",
            f"Residents of {place} will see the first changes to {subject} next spring.",
            f'"We had to act," a spokesperson said of {subject}, adding that details would follow.',
            f"Analysts expect other cities to follow {place} on {subject} within the year.",
        ]
    )


def make_image(rng, domain, n):
    width = rng.choice([615, 800, 984, 1024, 1120, 1280, 2000])
    height = int(width * rng.choice([0.5, 0.5625, 0.66, 0.75]))
    return ImageData(
        url=f"https://img.{domain}/{n}/{rng.getrandbits(40):x}.jpg?w={width}",
        width=width,
        height=height,
        is_cached=rng.random() < 0.9,
        keys=("url", "width", "height", "isCached"),
    )


def make_story(rng, index, providers, base_time):
    place, subject = rng.choice(PLACES), rng.choice(SUBJECTS)
    title = rng.choice(TITLE_SHAPES).format(
        place=place, verb=rng.choice(VERBS), subject=subject, Subject=subject.capitalize()
    )
    name, domain = rng.choice(providers)
    published_at = base_time - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365))
    slug = hashlib.sha256(f"{index}-{title}".encode()).hexdigest()[:12]
    is_video = rng.random() < 0.08
    excerpt = " ".join(sentence(rng, place, subject) for _ in range(rng.randint(2, 5)))
    if rng.random() < 0.1:
        excerpt += "\r\n\r\nMore details to follow."
    keys = ["category", "title", "excerpt", "publishedDateTime", "originalUrl"]
    story = StoryData(
        title=title,
        category="news",
        excerpt=excerpt,
        published_at=published_at.replace(microsecond=0),
        type="video" if is_video else "article",
        quality=rng.choice([rng.randint(0, 100), rng.randint(20, 80), rng.randint(100, 190)]),
        heat=rng.choice([-1, rng.randint(0, 200)]),
        published=rng.random() < 0.7,
        provider=ProviderData(name=name, domain=domain, keys=("name", "domain")),
        topics=rng.sample(TOPICS, rng.randint(1, 3)),
        crlf=rng.random() < 1 / 3,
        body="\n",
    )
    if is_video:
        video_id = base64.urlsafe_b64encode(rng.randbytes(8)).decode()[:11]
        story.original_url = f"https://youtube.com/watch?v={video_id}"
        story.featured_content = (
            f'<iframe width="800" height="500" frameborder="0" src="https://www.youtube.com/embed/{video_id}" '
            'allow="accelerometer; autoplay; encrypted-media; gyroscope; picture-in-picture" allowfullscreen></iframe>'
        )
        keys += ["type", "quality", "heat", "published", "featuredContent"]
    else:
        story.original_url = f"https://www.{domain}/{published_at:%Y/%m}/{slug}/"
        story.web_url = story.original_url
        keys.append("webUrl")
        if rng.random() < 0.5:
            story.amp_url = story.web_url + "?amp"
            story.cdn_amp_url = f"https://{domain.replace('.', '-')}.cdn.ampproject.org/c/s/{domain}/{slug}/?amp"
            keys += ["ampWebUrl", "cdnAmpWebUrl"]
        keys += ["type", "quality", "heat", "published"]
    keys += ["provider", "topics"]
    if rng.random() < 0.95:
        story.images = [make_image(rng, domain, i) for i in range(rng.randint(1, 3))]
        keys.append("images")
    for position in range(rng.choice([0, 1, 3, 5, 7, 8, 9, 9, 9])):
        other_name, other_domain = rng.choice(providers)
        item_keys = ["title", "excerpt", "publishedDateTime", "webUrl"]
        item = RelatedData(
            title=rng.choice(TITLE_SHAPES).format(
                place=place, verb=rng.choice(VERBS), subject=subject, Subject=subject.capitalize()
            ),
            excerpt=" ".join(sentence(rng, place, subject) for _ in range(rng.randint(2, 4))),
            published_at=(published_at + dt.timedelta(minutes=rng.randint(-600, 600))).replace(microsecond=0),
            web_url=f"https://{other_domain}/news/{slug}-{position}",
            type="article",
            provider=ProviderData(name=other_name, domain=other_domain, keys=("name", "domain")),
            quality=rng.randint(20, 95),
        )
        if rng.random() < 0.6:
            item.amp_url = item.web_url + "/amp/"
            item.cdn_amp_url = f"https://{other_domain.replace('.', '-')}.cdn.ampproject.org/c/s/{other_domain}/amp/"
            item_keys += ["ampWebUrl", "cdnAmpWebUrl"]
        item_keys += ["type", "provider", "quality"]
        if rng.random() < 0.8:
            item.images = [make_image(rng, other_domain, position)]
            item_keys.append("images")
        item.keys = tuple(item_keys)
        story.related.append(item)
    if story.related:
        keys.append("related")
    story.secured = base64.b64encode(rng.randbytes(420)).decode() + ";" + base64.b64encode(rng.randbytes(24)).decode()
    keys.append("secured")
    story.keys = tuple(keys)
    story.filename = f"{index:03d}_{hashlib.sha256(story.url_key.encode()).hexdigest()[:16]}.txt"
    return story


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--providers", type=int, default=300)
    parser.add_argument("--start", type=int, default=1, help="number of the first file")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    providers = [outlet(rng, i) for i in range(args.providers)]
    base_time = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for index in range(args.start, args.start + args.stories):
        story = make_story(rng, index, providers, base_time)
        (out / story.filename).write_bytes(render_story_bytes(story))


if __name__ == "__main__":
    main()
