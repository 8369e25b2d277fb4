"""Quality bands: how editors read a story's quality score (0 or more, no upper bound).

Defined once here: Article.quality_band gives a story's band (the admin's
badge), and the admin's quality filter asks ArticleQuerySet.in_quality_range()
for a band's scores, as the readers' "only top-rated" filter does for the best band.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class QualityBand:
    """The scores from `low` (inclusive) to `high` (exclusive); None leaves that end open."""

    key: str
    label: str
    low: int | None
    high: int | None

    def __contains__(self, quality: int) -> bool:
        return (self.low is None or quality >= self.low) and (self.high is None or quality < self.high)

    @property
    def description(self) -> str:
        """The label with its scores, as a filter offers it: "Medium (40 to 69)"."""
        if self.low is None:
            return f"{self.label} (below {self.high})"
        if self.high is None:
            return f"{self.label} ({self.low} and above)"
        return f"{self.label} ({self.low} to {self.high - 1})"


QUALITY_BANDS = (
    QualityBand("red", "Low", None, 40),
    QualityBand("amber", "Medium", 40, 70),
    QualityBand("green", "High", 70, None),
)


def quality_band(quality: int) -> QualityBand:
    for band in QUALITY_BANDS:
        if quality in band:
            return band
    raise ValueError(quality)
