"""
Precision and recall of the coverage clusters on the labelled pairs (docs/clusters.md).

The labels (data/cluster_pairs.csv) are pairs of stories of the real sample
files, by URL, each marked 1 (the same event) or 0. The samples are not ours to
commit; they are read from NEWSROOM_SAMPLES_DIR or ../shared/samples. A pair is
predicted "same event" when both stories end up in the same cluster after the
ordinary import, so the figures are those of the whole pipeline.

    .venv/bin/python -m articles.tests.cluster_quality   # a throwaway SQLite database; prints the figures
"""

import csv
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

LABELS = Path(__file__).resolve().parent / "data" / "cluster_pairs.csv"


@dataclass
class Quality:
    pairs: int
    positives: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self):
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self):
        return self.true_positives / self.positives if self.positives else 1.0

    def table(self):
        return (
            f"pairs {self.pairs}, same event {self.positives}; true positives {self.true_positives},"
            f" false positives {self.false_positives}, false negatives {self.false_negatives};"
            f" precision {self.precision:.2f}, recall {self.recall:.2f}"
        )


def read_labels(path=LABELS):
    with open(path, newline="", encoding="utf-8") as handle:
        return [(row["url_a"], row["url_b"], row["same_event"] == "1") for row in csv.DictReader(handle)]


def measure(samples_dir) -> Quality:
    """Import the samples (into the current database) and score the clusters against the labels."""
    from articles.models import Article
    from articles.stories.write import import_paths

    import_paths([samples_dir])
    cluster_of = dict(Article.objects.values_list("url_key", "cluster"))
    labels = read_labels()
    tp = fp = fn = 0
    for url_a, url_b, same in labels:
        a, b = cluster_of.get(url_a), cluster_of.get(url_b)
        predicted = a is not None and a == b
        tp += predicted and same
        fp += predicted and not same
        fn += same and not predicted
    return Quality(len(labels), sum(same for _, _, same in labels), tp, fp, fn)


def main():
    here = Path(__file__).resolve().parents[2]
    samples = Path(os.environ.get("NEWSROOM_SAMPLES_DIR") or here.parent / "shared" / "samples")
    if not samples.is_dir():
        sys.exit(f"no sample files at {samples}: set NEWSROOM_SAMPLES_DIR")
    with tempfile.TemporaryDirectory() as work:
        os.environ["DATABASE_URL"] = f"sqlite:///{work}/quality.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        print(measure(samples).table())


if __name__ == "__main__":
    main()
