"""The upload progress page in a real browser: live with JavaScript, under our CSP."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles.jobs.models import UploadJob

from .test_browser_admin import editor_page  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_progress_page_follows_the_job_live_and_shows_its_end(editor_page):  # noqa: F811
    page = editor_page
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    job = UploadJob.objects.create(
        user=get_user_model().objects.get(username="chief"),
        token="t" * 32,
        digest="d",
        total=10,
        done=1,
        status=UploadJob.Status.IMPORTING,
    )
    page.goto(f"/admin/articles/article/import/{job.pk}/")
    expect(page.locator(".import-progress__state")).to_have_text("Importing: 1 of 10 files.")
    page.evaluate("window.sameDocument = true")

    UploadJob.objects.filter(pk=job.pk).update(done=6)
    expect(page.locator(".import-progress__state")).to_have_text("Importing: 6 of 10 files.")
    expect(page.locator("progress")).to_have_attribute("value", "6")
    assert page.evaluate("window.sameDocument") is True  # updated in place, not reloaded

    UploadJob.objects.filter(pk=job.pk).update(status=UploadJob.Status.FAILED, error="the disk is full")
    expect(page.get_by_text("The job failed: the disk is full")).to_be_visible()
    assert page.evaluate("window.sameDocument") is None  # the page was loaded again for the end
    assert errors == []
