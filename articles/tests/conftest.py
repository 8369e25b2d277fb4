import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = ROOT / "fixtures"
EXAMPLE = FIXTURES_DIR / "000_8e5473f5569516b7.txt"
# The real sample files are not ours to commit: NEWSROOM_SAMPLES_DIR, or the
# shared folder beside the checkout on the team's machines.
_SAMPLE_CANDIDATES = [
    os.environ.get("NEWSROOM_SAMPLES_DIR", ""),
    ROOT.parent / "shared" / "samples",
    "/work/shared/samples",
]
SAMPLES_DIR = next((Path(c) for c in _SAMPLE_CANDIDATES if c and Path(c).is_dir()), ROOT.parent / "shared" / "samples")


@pytest.fixture
def example_bytes():
    return EXAMPLE.read_bytes()


@pytest.fixture
def write_fixture(tmp_path):
    """Write a fixture file into a temporary folder and return its path."""

    def write(name, content):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    return write
