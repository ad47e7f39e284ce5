"""One process per results folder: an OS lock held for a campaign's (or comparison's) whole life.

Two processes writing one folder interleave their rows and checkpoints (fault 1 of issue 15:
``--resume`` on a running campaign gave 44 rows for 24 evaluations). So whoever writes a folder
first takes ``fcntl.flock`` on ``FOLDER/.evohpo.lock`` and keeps it until it returns. The
kernel releases the lock when the process dies, however it dies, so a SIGKILL never leaves a
stale lock behind; the file only records ``host:pid`` so that a refusal can say who holds it.

The owner also tidies what a failed owner left: half-done atomic writes of a killed one when it
takes the folder, and a results.csv without rows or checkpoint that it wrote itself (a start
that failed before it began) when it leaves, so the same command can simply run again. A
results.csv that was there before and that it did not write again is never removed: a refused
start changes nothing.

The file is removed when the holder finishes. A process that opened it just before (and would
then lock a file no longer in the folder) notices that the path now names another file or none
and tries again, so two processes can never both believe they own a folder.
"""

from __future__ import annotations

import errno
import functools
import inspect
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from . import files
from . import results as results_mod
from .errors import EvohpoError, file_in_the_way

try:
    import fcntl
except ImportError:  # Windows: no flock; folders are not locked there (see README)
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".evohpo.lock"
# errnos meaning "this file system cannot lock files" (some NFS mounts, SMB, FUSE)
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Holder:
    """Who holds a folder, as its lock file says."""

    host: str
    pid: int | None

    def __str__(self) -> str:
        pid = "an unknown pid" if self.pid is None else f"pid {self.pid}"
        return f"{pid} on host {self.host or 'unknown'}"

    @classmethod
    def parse(cls, text: str) -> Holder:
        host, _, pid = text.strip().rpartition(":")
        return cls(host, int(pid) if pid.isdigit() else None)

    @classmethod
    def me(cls) -> Holder:
        return cls(socket.gethostname(), os.getpid())


def holder(folder: str | os.PathLike) -> Holder | None:
    """Who holds ``folder`` now, or None if nobody does (a non-blocking probe)."""
    path = Path(folder) / LOCK_NAME
    if fcntl is None or not path.is_file():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return Holder.parse(os.pread(fd, 4096, 0).decode(errors="replace"))
    finally:
        os.close(fd)  # closing also drops the shared lock taken by the probe
    return None


def _refusal(folder: Path, fd: int) -> EvohpoError:
    who = Holder.parse(os.pread(fd, 4096, 0).decode(errors="replace"))
    kill = f" (kill {who.pid})" if who.pid is not None and who.host == socket.gethostname() else ""
    return EvohpoError(
        f"{folder} is in use by another evohpo process, {who}; wait for it to finish, "
        f"stop it{kill}, or choose another --out"
    )


def _open_locked(folder: Path) -> int:
    """An fd of ``folder/LOCK_NAME`` holding an exclusive flock, or an EvohpoError."""
    path = folder / LOCK_NAME
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise EvohpoError(
                f"cannot write to output folder {folder} ({exc.strerror}); choose a writable "
                "folder"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            err = _refusal(folder, fd)
            os.close(fd)
            raise err from None
        except OSError as exc:
            os.close(fd)
            if exc.errno in _NO_LOCKS:  # nobody can hold it, so the file is of no use
                path.unlink(missing_ok=True)
                raise EvohpoError(
                    f"cannot lock {path} ({exc.strerror}): its file system does not support "
                    "file locks; choose an --out folder on a local disk (see README, Network "
                    "file systems)"
                ) from None
            raise
        try:  # still the file at that path? (the previous holder may just have removed it)
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextmanager
def hold(folder: str | os.PathLike, *, remove_if_empty: bool = False) -> Iterator[Path]:
    """Own ``folder`` (created if missing) until the block ends, or raise an EvohpoError naming
    the host and pid that own it. A folder this call created, or any folder with
    ``remove_if_empty``, is removed again if it is empty at the end (a refused or failed start
    leaves nothing behind)."""
    folder = Path(folder)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        file = file_in_the_way(folder)
        if file is not None:
            what = f"output folder {folder}" + ("" if file == folder else f": {file}")
            raise EvohpoError(f"{what} is a file, not a folder; choose another --out (out=), "
                              "a folder (it is created if missing)") from None
        raise EvohpoError(
            f"cannot write to output folder {folder} ({exc.strerror}); choose a writable folder"
        ) from None
    if fcntl is None:
        yield folder
        return
    try:
        fd = _open_locked(folder)
    except BaseException:
        if created:
            _rmdir_if_empty(folder)
        raise
    found = _identity(folder / results_mod.CSV_NAME)  # as the lock found it
    try:
        try:
            os.ftruncate(fd, 0)
            me = Holder.me()
            os.pwrite(fd, f"{me.host}:{me.pid}\n".encode(), 0)
        except OSError:
            pass  # a full disk: we still own the folder; a refusal then says "unknown pid"
        files.remove_temporaries(folder)  # half-done atomic writes of a killed owner
        yield folder
    finally:
        if found is None or _identity(folder / results_mod.CSV_NAME) != found:
            # a start that failed before its first checkpoint; never a file that was here
            # before and that this process did not write (a refused start changes nothing)
            results_mod.remove_unstarted(folder)
        (folder / LOCK_NAME).unlink(missing_ok=True)  # while still locked: see module doc
        os.close(fd)
        if created or remove_if_empty:
            _rmdir_if_empty(folder)


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Which file ``path`` is, and which version of it: written again, it differs."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (or gone): nothing to tidy


def holds_folder(param: str = "out") -> Callable[[F], F]:
    """Decorate a function writing the folder named by its ``param`` argument so that it runs
    only while holding that folder (see :func:`hold`). A decorator keeps the hook on
    ``run_campaign`` to one line."""

    def wrap(fn: F) -> F:
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            with hold(bound.arguments[param]):
                return fn(*args, **kwargs)

        return run  # type: ignore[return-value]

    return wrap
