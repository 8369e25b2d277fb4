"""Giving the memory a long job has freed back to the system."""

import ctypes


def _malloc_trim():
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; False where the C library cannot (not glibc).

    A long import frees about as much as it allocates, but its blocks come in
    every size (a story's body, a batch's SQL and rows), so what it frees is
    left in holes between blocks still in use, and glibc gives back only the
    free space at the top of its heap. malloc_trim(0) gives back every free
    page, wherever it is (Dask's workers call it for the same reason).
    """
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
