"""The store's lock: one process trains a given run at a time.

:func:`autoencode.cache.cached_fit` trains a run holding a ``filelock.FileLock`` on its
``<name>-<key>.lock`` (:func:`exclusive`); a process that has to wait for another says so on
stderr, naming the file and the process holding it, and gives up after ``lock_timeout``
seconds (default :data:`LOCK_TIMEOUT`) with a :class:`TimeoutError` that says what to do.
:mod:`autoencode.cache` re-exports :data:`LOCK_TIMEOUT`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

__all__ = ["LOCK_TIMEOUT", "exclusive"]

#: Seconds a process waits for another one training the same run before it gives up
#: (:func:`autoencode.cache.cached_fit`'s ``lock_timeout``): longer than any training run of
#: the book.
LOCK_TIMEOUT = 24 * 3600.0


def _note_holder(lock: Path, text: str) -> None:
    """Write who holds ``lock`` into the lock file (best effort: it only serves the messages)."""
    with contextlib.suppress(OSError):
        lock.write_text(text)


@contextlib.contextmanager
def exclusive(lock: Path, what: str = "", timeout: float | None = LOCK_TIMEOUT) -> Iterator[None]:
    """An exclusive lock on the file ``lock`` (``filelock.FileLock``), held for the block.

    A process that finds the lock taken prints (on stderr) what it waits for, the lock file and
    the process holding it, and again when it gets it. After ``timeout`` seconds (None: no
    limit) it raises :class:`TimeoutError`.
    """
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout >= 0):
        raise ValueError(
            f"lock_timeout must be a number of seconds >= 0, or None to wait without a limit, "
            f"got {timeout!r}"
        )
    lock.parent.mkdir(parents=True, exist_ok=True)
    file_lock = FileLock(lock)
    try:
        file_lock.acquire(timeout=0)
    except Timeout:
        try:
            holder = lock.read_text().strip()
        except OSError:
            holder = ""
        holder = f" (held by {holder})" if holder else ""
        print(
            f"autoencode.cache: waiting for another process that is training "
            f"{what or 'this run'}: lock file {lock}{holder}; this process will load its "
            f"result when it finishes",
            file=sys.stderr,
            flush=True,
        )
        t0 = time.monotonic()
        try:
            file_lock.acquire(timeout=-1 if timeout is None else timeout)
        except Timeout:
            raise TimeoutError(
                f"autoencode.cache: waited {time.monotonic() - t0:.0f} s for the lock file "
                f"{lock}{holder}, which another process training {what or 'this run'} still "
                f"holds: let that process finish (or end it if it is stuck) and run again, or "
                f"pass a larger lock_timeout"
            ) from None
        print(
            f"autoencode.cache: got the lock {lock.name} after {time.monotonic() - t0:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    try:
        _note_holder(lock, f"process {os.getpid()}\n")
        yield
    finally:
        _note_holder(lock, "")
        file_lock.release()
