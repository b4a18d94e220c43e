"""Keep glibc from turning the client's large, short-lived buffers into retained heap.

Why: every response body (an ``albums?ids=`` batch is ~0.5 MB) and the text ``json.loads`` decodes
from it are allocated by the worker thread that fetched it, in that thread's own malloc arena.
glibc serves blocks of 128 KiB or more with ``mmap`` (returned to the OS on ``free``) until the
first such block is freed; then it raises its ``mmap`` threshold to that block's size
(the "dynamic mmap threshold", up to 32 MiB), so every later body lands inside the per-thread
heaps. With 8 threads each fragmenting its own heap, the process's RSS keeps climbing with the
number of responses although the live data stays bounded: measured on the benchmark day, malloc's
in-use bytes stayed at 6-13 MiB while its heaps grew from 25 to 63 MiB over 1,500 responses.

Pinning the threshold at glibc's own default (128 KiB) switches the dynamic adjustment off: large
buffers are mapped and unmapped as they come and go, and the heaps only hold small objects. The
setting is process-wide, is the documented ``mallopt(M_MMAP_THRESHOLD)`` knob (the same as
``MALLOC_MMAP_THRESHOLD_=131072`` in the environment), and only changes where large blocks live.
An explicit ``MALLOC_*`` environment setting wins: then nothing is changed here.

Being process-wide, it is set by the entry points (``configure_process``: the CLI, the code
location's ``definitions`` module that every Dagster process loads, the benchmark workers), never
as a side effect of constructing a client.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading

M_MMAP_THRESHOLD = -3  # mallopt() parameter number, glibc <malloc.h>
_ENV_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")

_lock = threading.Lock()
_pinned: int | None = None


def pin_mmap_threshold(threshold_bytes: int) -> bool:
    """Fix glibc's mmap threshold at ``threshold_bytes`` (once per process); True when in force.

    A no-op (False) off glibc, or when the environment already tunes malloc (``MALLOC_*_``).
    """
    global _pinned
    with _lock:
        if _pinned is not None:
            return _pinned == threshold_bytes
        if not sys.platform.startswith("linux") or any(name in os.environ for name in _ENV_SETTINGS):
            return False
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
        except (OSError, AttributeError):  # musl and others have no mallopt
            return False
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
        if mallopt(M_MMAP_THRESHOLD, threshold_bytes) != 1:
            return False
        _pinned = threshold_bytes
        return True


# glibc's own default threshold: large buffers are mapped and unmapped as they come and go.
DEFAULT_MMAP_THRESHOLD = 128 * 1024


def configure_process() -> bool:
    """What an entry point calls once: keep large response buffers out of the threads' heaps."""
    return pin_mmap_threshold(DEFAULT_MMAP_THRESHOLD)
