"""The import's report: what it tells about, kept in order, and kept out of memory on a large import."""

import tracemalloc

import pytest

from articles.stories import report as module
from articles.stories.report import CREATED, DUPLICATES, FAILED, UNCHANGED, FileResult, ImportReport

from .test_import import story_text

pytestmark = pytest.mark.django_db


def _told(index):
    return FileResult(
        f"stories/{index:05}.md",
        CREATED,
        warnings=[f"stories/{index:05}.md: published: quality {index % 100} is below the publishing gate"],
        article_id=index + 1,
        duplicate_of=[{"story": index, "title": f"“{index}”", "url": f"https://example.com/{index}", "reason": "a"}],
    )


@pytest.mark.parametrize("in_memory", [1 << 20, 512], ids=["small report", "report gone to disk"])
def test_a_report_gives_back_what_it_tells_about_in_order_and_counts_the_rest(monkeypatch, in_memory):
    monkeypatch.setattr(module.SpilledResults, "IN_MEMORY_BYTES", in_memory)
    report = ImportReport()
    report.add(FileResult("quiet.md", CREATED, article_id=99))
    report.add(FileResult("same.md", UNCHANGED))
    told = [_told(index) for index in range(300)]
    for result in told:
        report.add(result)
    report.add(FileResult("broken.md", FAILED, "broken.md: line 3: title: expected a string"))
    report.add(FileResult("twice.md", DUPLICATES, "twice.md: duplicate of once.md"))

    assert (report.created, report.unchanged, report.failed, report.duplicates) == (301, 1, 1, 1)
    assert list(report.written) == [99, *range(1, 301)]
    assert len(report.results) == 302
    assert report.results == [*told, report.results[-2], report.results[-1]] != told
    assert report.results[0] == told[0] and report.results[299] == told[299]
    assert report.results[1:3] == told[1:3]
    assert [result.path for result in report.errors] == ["broken.md"]
    assert report.results[-1].message == "twice.md: duplicate of once.md"
    assert report.results._file._rolled == (in_memory < 100_000)


def test_reading_a_report_while_it_grows_keeps_each_results_place():
    report = ImportReport()
    report.add(_told(0))
    seen = []
    for result in report.results:
        seen.append(result.path)
        if len(report.results) < 3:
            report.add(_told(len(report.results)))
    assert seen == ["stories/00000.md", "stories/00001.md", "stories/00002.md"]


def test_a_large_reports_results_do_not_stay_in_memory():
    def held(report):
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            # Each result made in the loop and referenced by the report alone, as an import's are.
            for index in range(3000):
                report.add(_told(index))
            return tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()

    spilled, listed = ImportReport(), ImportReport(keep_all=True)
    assert held(spilled) < held(listed) / 3
    assert len(spilled.results) == 3000 and spilled.results[2999] == listed.results[2999]


def test_a_copy_of_a_report_gone_to_disk_is_a_plain_list(monkeypatch):
    import copy
    import pickle

    monkeypatch.setattr(module.SpilledResults, "IN_MEMORY_BYTES", 256)
    report = ImportReport()
    for index in range(20):
        report.add(_told(index))
    assert report.results._file._rolled
    assert pickle.loads(pickle.dumps(report)).results == [_told(index) for index in range(20)]
    assert copy.deepcopy(report).results == list(report.results)
    assert "20 results" in repr(report.results)


def test_a_report_asked_for_every_result_keeps_a_plain_list_the_upload_preview_can_sort():
    report = ImportReport(keep_all=True)
    report.add(FileResult("b.md", CREATED, article_id=2))
    report.add(FileResult("a.md", UNCHANGED))
    report.results.sort(key=lambda result: result.path)
    assert [result.path for result in report.results] == ["a.md", "b.md"]


def test_the_import_command_prints_every_warning_of_a_report_gone_to_disk(monkeypatch, tmp_path, capsys):
    from django.core.management import call_command

    monkeypatch.setattr(module.SpilledResults, "IN_MEMORY_BYTES", 256)
    for index in range(12):
        url = f"https://example.com/gate-{index}"
        text = story_text(url=url, title=f"Gate story {index}", quality=10, published="true")
        (tmp_path / f"{index:02}.md").write_text(text, encoding="utf-8")
    call_command("import_stories", str(tmp_path), verbosity=1)
    told = [line for line in capsys.readouterr().err.splitlines() if "below the publishing gate" in line]
    assert [line.split(": ")[1].rsplit("/", 1)[-1] for line in told] == [f"{index:02}.md" for index in range(12)]
