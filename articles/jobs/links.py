"""
Source-link health: is each live story's originalUrl still there?

check_sources() takes the live stories not checked for JOBS... LINKS["RECHECK_DAYS"]
(so a story is checked at most once a week), asks each URL with HEAD, then GET
where HEAD fails (articles.images.fetch.probe: the image fetcher's guard against
private addresses, its timeouts and redirect limit), politely: one request at a
time per host, LINKS["HOST_DELAY"] seconds apart, with a user agent naming
Newsroom. Hosts are asked in parallel, the database is written by the caller's
thread only.

An answer below 400 is healthy; 404, 410, other 4xx but the ones below, 5xx and
no answer at all are failures; 401, 403 and 429 say "not for robots", which is
no news about the story, so they count as neither. LINKS["BROKEN_AFTER"]
failures in a row (two) mark the source broken (Article.source_broken_at), and
the story page links to the Internet Archive's copy instead; one healthy answer
clears it.
"""

import datetime
import socket
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import F
from django.utils import timezone

from ..conf import newsroom_settings
from ..images.errors import ImageError
from ..images.fetch import FetchPolicy, probe
from ..models import Article
from ..services import stories_changed

# Neither healthy nor a failure: the server does not answer robots.
INCONCLUSIVE = frozenset({401, 403, 429})
_MAX_HOSTS_AT_ONCE = 8


@dataclass
class LinkReport:
    checked: int = 0
    healthy: int = 0
    failed: int = 0
    inconclusive: int = 0
    broken: int = 0  # newly broken by this run
    recovered: int = 0

    def summary(self):
        return (
            f"checked {self.checked}: healthy {self.healthy}, failed {self.failed},"
            f" inconclusive {self.inconclusive}; newly broken {self.broken}, recovered {self.recovered}"
        )


def link_policy(config) -> FetchPolicy:
    return FetchPolicy(
        connect_timeout=config["TIMEOUT"],
        read_timeout=config["TIMEOUT"],
        total_timeout=config["TIMEOUT"] * 3,
        allow_loopback=config["ALLOW_LOOPBACK"],
    )


def check_sources(*, now=None, config=None, resolve=socket.getaddrinfo, sleep=time.sleep) -> LinkReport:
    """Check the next LINKS["BATCH"] due stories' originalUrl and record what each answered."""
    config = {**newsroom_settings.LINKS, **(config or {})}
    now = now or timezone.now()
    due = Article.objects.sources_due(checked_before=now - datetime.timedelta(days=config["RECHECK_DAYS"]))
    by_host = defaultdict(list)
    for pk, url in due.values_list("pk", "original_url")[: config["BATCH"]]:
        by_host[(urlsplit(url).hostname or "").lower()].append((pk, url))
    if not by_host:
        return LinkReport()
    policy = link_policy(config)

    # A run ends before the next one is due, so that two never ask one host at once;
    # what it did not reach stays due.
    deadline = time.monotonic() + config["MAX_SECONDS"]

    def check_host(items):
        outcomes = []
        for index, (pk, url) in enumerate(items):
            if time.monotonic() > deadline:
                break
            if index:
                sleep(config["HOST_DELAY"])
            outcomes.append((pk, _outcome(url, policy, config["USER_AGENT"], resolve)))
        return outcomes

    with ThreadPoolExecutor(max_workers=min(_MAX_HOSTS_AT_ONCE, len(by_host))) as pool:
        outcomes = [outcome for host in pool.map(check_host, by_host.values()) for outcome in host]
    return record_outcomes(outcomes, now=now, broken_after=config["BROKEN_AFTER"])


def _outcome(url, policy, user_agent, resolve):
    """True (healthy), False (failed) or None (inconclusive)."""
    try:
        status = probe(url, policy=policy, user_agent=user_agent, resolve=resolve)
    except ImageError:
        # No answer, a refused address (the guard's errors are ImageErrors), too many redirects.
        return False
    if status in INCONCLUSIVE:
        return None
    return status < 400


def record_outcomes(outcomes, *, now, broken_after) -> LinkReport:
    """Write [(story id, True | False | None)]: the checks' results."""
    report = LinkReport(checked=len(outcomes))
    healthy = [pk for pk, ok in outcomes if ok]
    failed = [pk for pk, ok in outcomes if ok is False]
    inconclusive = [pk for pk, ok in outcomes if ok is None]
    report.healthy, report.failed, report.inconclusive = len(healthy), len(failed), len(inconclusive)
    stories = Article.objects
    recovered = list(stories.filter(pk__in=healthy, source_broken_at__isnull=False).values_list("pk", flat=True))
    stories.filter(pk__in=healthy).update(source_checked_at=now, source_failures=0, source_broken_at=None)
    stories.filter(pk__in=inconclusive).update(source_checked_at=now)
    stories.filter(pk__in=failed).update(source_checked_at=now, source_failures=F("source_failures") + 1)
    broken = list(
        stories.filter(pk__in=failed, source_failures__gte=broken_after, source_broken_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    stories.filter(pk__in=broken).update(source_broken_at=now)
    report.broken, report.recovered = len(broken), len(recovered)
    # The story page's source link changed: its cached copies must go.
    changed = broken + recovered
    if changed:
        stories.filter(pk__in=changed).update(updated_at=now)
        stories_changed(changed, text=False)
    return report
