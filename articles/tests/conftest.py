from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = ROOT / "fixtures"
EXAMPLE = FIXTURES_DIR / "000_8e5473f5569516b7.txt"
SAMPLES_DIR = ROOT.parent / "shared" / "samples"


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
