"""What an import did, file by file: the statuses, FileResult and ImportReport."""

import os
import pickle
import tempfile
from array import array
from collections.abc import Sequence
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
    # the ones worth telling about, kept out of memory (SpilledResults).
    results: Sequence | None = None
    keep_all: bool = False
    # Ids of the stories written (created or updated, not waiting for review): what follow-up jobs take.
    # An array: 8 bytes a story, not a list of int objects (36).
    written: array = field(default_factory=lambda: array("q"))

    def __post_init__(self):
        if self.results is None:
            self.results = [] if self.keep_all else SpilledResults()

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


class SpilledResults(Sequence):
    """FileResults in the order they came, pickled into a temporary file that stays in memory until it is large.

    A quarter of a large import's files have something to tell (a warning, a
    possible duplicate: more where stories are dense), at about a kilobyte
    each in memory: at 100,000 files that was most of the import's memory
    growth. Here each costs 8 bytes of memory past the first megabyte.
    Reading gives a copy: a result is complete when the report gets it.
    One thread at a time: reads and appends share the file's position.
    """

    IN_MEMORY_BYTES = 1 << 20

    def __init__(self):
        self._file = tempfile.SpooledTemporaryFile(max_size=self.IN_MEMORY_BYTES)
        self._offsets = array("q")

    def append(self, result):
        self._file.seek(0, os.SEEK_END)
        self._offsets.append(self._file.tell())
        pickle.dump(result, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def __len__(self):
        return len(self._offsets)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        self._file.seek(self._offsets[index])
        return pickle.load(self._file)  # noqa: S301 - written by append() above, in this process

    def __iter__(self):
        # By position, as a list's: an append between two items neither loses the place nor is missed.
        index = 0
        while index < len(self):
            yield self[index]
            index += 1

    def __eq__(self, other):
        # As a list compares: a report with nothing to tell equals [].
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None

    def __reduce__(self):
        # A copy (a pickled job report, say) is a plain list: a file cannot be pickled.
        return list, (list(self),)

    def close(self):
        self._file.close()

    def __del__(self):
        # The file goes with the report; closed here, not left to warn when collected.
        self._file.close()

    def __repr__(self):
        more = " ..." if len(self) > 5 else ""
        return f"<SpilledResults, {len(self)} results: {self[:5]!r}{more}>"
