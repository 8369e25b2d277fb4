"""core.memory: what a long job frees goes back to the system."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core import memory

# In a process of its own: what this one's tests left in the heap would blur the measure.
HOLES = textwrap.dedent(
    """
    import os
    import sys
    from core.memory import release_free_memory

    def rss_kb():
        with open(f"/proc/{os.getpid()}/status") as status:
            return int(status.read().split("VmRSS:")[1].split()[0])

    # 40 MB in 20 KB blocks (below glibc's mmap threshold: on the heap), each followed by a
    # smaller heap block that stays, so that freeing the large ones leaves holes, not a free top.
    large, kept = [], []
    for _ in range(2000):
        large.append(bytearray(20_000))
        kept.append(bytearray(1000))
    del large
    before = rss_kb()
    released = release_free_memory() if sys.argv[1] == "release" else None
    print(released, before - rss_kb())
    """
)
ROOT = Path(memory.__file__).resolve().parent.parent


def _freed_kb(how):
    run = subprocess.run([sys.executable, "-c", HOLES, how], capture_output=True, text=True, check=True, cwd=ROOT)
    released, kb = run.stdout.split()
    return released, int(kb)


@pytest.mark.skipif(not sys.platform.startswith("linux") or memory._TRIM is None, reason="glibc's malloc_trim only")
def test_memory_freed_between_blocks_still_in_use_goes_back_to_the_system():
    assert _freed_kb("keep")[1] < 5_000  # kB: the holes stay in the process by themselves
    released, kb = _freed_kb("release")
    assert released == "True" and kb > 20_000  # at least half of the 40 MB of holes


def test_without_malloc_trim_nothing_is_released_and_nothing_fails(monkeypatch):
    monkeypatch.setattr(memory, "_TRIM", None)
    assert memory.release_free_memory() is False
