"""What an import did, file by file: the statuses, FileResult and ImportReport."""

from array import array
from dataclasses import dataclass, field

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"
# A second file claiming a story already claimed in the same run: reported,
# not imported, and not a failure (an upstream folder may well hold one).
DUPLICATES = "duplicates"


@dataclass
class FileResult:
    path: str
    status: str
    message: str = ""
    changes: dict = field(default_factory=dict)  # field: (old, new)
    warnings: list = field(default_factory=list)
    article_id: int | None = None
    # Fields both the editor and the file changed: [(field, editor's value, file's value)].
    conflicts: list = field(default_factory=list)
    # The story is live and the importer may not publish: the change waits for an editor.
    pending: bool = False
    # Stored stories the file looks like (articles.stories.duplicates): [{story, title, url, reason}].
    duplicate_of: list = field(default_factory=list)
    # What intake rules did to the story, or would do in a dry run, one line each (articles.intake.at_import).
    rules: list = field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed: int = 0
    skipped: list = field(default_factory=list)
    # Every file's result when asked for (the admin preview); otherwise only
    # the ones worth telling about, so memory stays flat on a large import.
    results: list = field(default_factory=list)
    keep_all: bool = False
    # Ids of the stories written (created or updated, not waiting for review): what follow-up jobs take.
    # An array: 8 bytes a story, not a list of int objects (36).
    written: array = field(default_factory=lambda: array("q"))

    def add(self, result: FileResult):
        setattr(self, result.status, getattr(self, result.status) + 1)
        if result.status in (CREATED, UPDATED) and result.article_id and not result.pending:
            self.written.append(result.article_id)
        if self.keep_all or result.status in (FAILED, DUPLICATES) or result.warnings or result.rules:
            self.results.append(result)

    @property
    def errors(self):
        return [result for result in self.results if result.status == FAILED]

    def summary(self):
        return (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged},"
            f" duplicates {self.duplicates}, failed {self.failed}"
        )
