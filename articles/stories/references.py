"""
The outlets and topics stories refer to, found or created in bulk, and slugs for new rows.

Called by the import for a whole batch at once, and by editorial actions
that add a topic.
"""

import hashlib
import json

from django.db import DatabaseError, connection
from django.utils.text import slugify

from providers.models import Provider

from ..models import Article, Topic
from .layout import provider_logos


def outlet_key(provider_data):
    """An outlet is one per (domain, name): each story credits the outlet its own file names."""
    return provider_data.domain, provider_data.name


def ensure_providers(provider_data) -> dict:
    """Outlets by (domain, name), created or given the files' latest logos."""
    wanted = {}
    for data in provider_data:
        # The last file read wins, as a re-import would; a credit without logos
        # (a related item's, usually) does not take the outlet's away.
        if data.logos or outlet_key(data) not in wanted:
            wanted[outlet_key(data)] = data
    if not wanted:
        return {}
    on_domains = list(Provider.objects.filter(domain__any_of={domain for domain, _ in wanted}))
    providers = {(p.domain, p.name): p for p in on_domains if (p.domain, p.name) in wanted}
    known_domains = {p.domain for p in on_domains}

    def create(missing):
        slugs = _provider_slugs(missing, known_domains=known_domains)
        Provider.objects.bulk_create(
            [
                Provider(name=name, domain=domain, slug=slugs[domain, name], logos=provider_logos(wanted[domain, name]))
                for domain, name in missing
            ],
            ignore_conflicts=True,
        )
        found = Provider.objects.filter(domain__any_of={domain for domain, _ in missing})
        return {(p.domain, p.name): p for p in found if (p.domain, p.name) in wanted}

    providers.update(_created(sorted(key for key in wanted if key not in providers), create, "outlet"))
    stale = []
    for key, provider in providers.items():
        logos = provider_logos(wanted[key]) or provider.logos
        if provider.logos != logos:
            provider.logos = logos
            stale.append(provider)
    if stale:
        Provider.objects.bulk_update(stale, ["logos", "updated_at"])
    return providers


def _provider_slugs(outlets, *, known_domains):
    """Slugs for new outlets: a domain's first has the domain's (dailydot-com), others add the name."""
    texts, domains = {}, set(known_domains)
    for domain, name in outlets:
        # Dots become dashes (dailydot-com): slugify() would drop them.
        host = domain.replace(".", "-")
        texts[domain, name] = f"{host} {name}" if domain in domains else host
        domains.add(domain)
    slugs = unique_slugs({f"{domain}\n{name}": text for (domain, name), text in texts.items()}, model=Provider)
    return {(domain, name): slugs[f"{domain}\n{name}"] for domain, name in outlets}


def ensure_topics(names) -> dict:
    """Topics by lower-cased name; a new topic keeps the spelling it is first seen with."""
    wanted = {}
    for name in names:
        wanted.setdefault(name.lower(), name)
    if not wanted:
        return {}
    topics = _topics_named(wanted)

    def create(missing):
        slugs = unique_slugs({key: wanted[key] for key in missing}, model=Topic, max_length=100)
        Topic.objects.bulk_create([Topic(name=wanted[key], slug=slugs[key]) for key in missing], ignore_conflicts=True)
        return _topics_named({key: wanted[key] for key in missing})

    # In order: two imports creating the same new topics wait for each other in one order (their
    # slugs may still clash in another, which at worst sends the batch through file by file).
    topics.update(_created(sorted(key for key in wanted if key not in topics), create, "topic"))
    return topics


# Each name's stored topic. The unique constraint compares names by the
# database's LOWER(), which on SQLite (and PostgreSQL under the C locale)
# lowers ASCII letters only, where Python's lower() lowers all: "Économie"
# stays "Économie". Each name is looked up in the spellings a topic is
# stored in (as given, all lower, all upper, capitalised, title case), each
# through LOWER(), so that "économie" finds a stored "Économie" and the
# reverse; the oldest topic wins when two match.
_TOPICS_NAMED = {
    "sqlite": "SELECT t.*, w.key AS wanted FROM json_each(%s) AS w, json_each(w.value) AS s"
    " JOIN {table} AS t ON LOWER(t.name) = LOWER(s.value) ORDER BY t.id DESC",
    "postgresql": "SELECT t.*, w.key AS wanted FROM jsonb_each(%s::jsonb) AS w,"
    " jsonb_array_elements_text(w.value) AS s JOIN {table} AS t ON LOWER(t.name) = LOWER(s) ORDER BY t.id DESC",
}


def _topics_named(names: dict) -> dict:
    """{key: stored topic} of {key: name}, for the names a topic is stored under."""
    sql = _TOPICS_NAMED[connection.vendor].format(table=connection.ops.quote_name(Topic._meta.db_table))
    # Newest first: the oldest of two matches is the one kept.
    wanted = {key: spellings(name) for key, name in names.items()}
    return {topic.wanted: topic for topic in Topic.objects.raw(sql, [json.dumps(wanted)])}


def spellings(name):
    """The spellings a name is likely stored in (as given, lower, upper, capitalised, title case), each once.

    For comparisons through the database's LOWER() or iexact, which fold ASCII
    letters only on SQLite: each spelling of "économie" meets "Économie" there.
    """
    return list(dict.fromkeys([name, name.lower(), name.upper(), name.capitalize(), name.title()]))


def _created(missing, create, kind, attempts=3):
    """{key: row} of the `missing` rows, which create(keys) inserts (ON CONFLICT DO NOTHING) and returns.

    Another import may create the same rows meanwhile: their conflict is
    ignored and the rows are read back. It may also take a slug one of these
    rows was given, which leaves that row out: it is created again, with a
    slug chosen anew (its first choice is taken by then).
    """
    rows = {}
    for _ in range(attempts):
        if not missing:
            break
        rows.update(create(missing))
        missing = [key for key in missing if key not in rows]
    if missing:
        raise DatabaseError(f"could not create the {kind} {missing[0]!r}: its slug kept being taken")
    return rows


def base_slug(text, *, model=Article, max_length=200):
    """The slug unique_slugs() tries first for `text`; room is left for the suffix it adds when that is taken."""
    slug = readable_slug(text, allow_unicode=model._meta.get_field("slug").allow_unicode)
    return slug[: max_length - 17].strip("-") or model._meta.model_name


def readable_slug(text, *, allow_unicode):
    """slugify(text): in ASCII where that keeps every letter ("Café" gives "cafe"), else in the text's own script.

    An ASCII slug of a headline in Greek, Cyrillic or Chinese would keep no
    letter of it, and one of "Straße" would lose one.
    """
    ascii_slug = slugify(text)
    if not allow_unicode:
        return ascii_slug
    unicode_slug = slugify(text, allow_unicode=True)
    return unicode_slug if _letters(unicode_slug) > _letters(ascii_slug) else ascii_slug


def _letters(text):
    return sum(character.isalnum() for character in text)


def unique_slugs(texts: dict, *, model=Article, max_length=200) -> dict:
    """A slug for each key, unique in the table and in this batch; stable for its key."""
    if not texts:
        return {}
    base = {key: base_slug(text, model=model, max_length=max_length) for key, text in texts.items()}
    hashed = {key: f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:8]}" for key, slug in base.items()}
    taken = set(model.objects.filter(slug__any_of=[*base.values(), *hashed.values()]).values_list("slug", flat=True))
    slugs = {}
    for key in texts:
        for candidate in (base[key], hashed[key], f"{base[key]}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"):
            if candidate not in taken:
                break
        taken.add(candidate)
        slugs[key] = candidate
    return slugs
