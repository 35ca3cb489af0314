"""Decompressed copies of large gzipped dataset files in the user's cache folder.

Inflating MNIST's training images takes ~0.1 s of CPU at every start (libdeflate; zlib takes
twice that). The first read of a gzipped file of at least :data:`MIN_CACHED_BYTES` (decompressed)
stores its content in the cache folder; later reads map that copy into memory (``mmap``,
read-only, shared between processes and with forked children) in well under a millisecond.

A copy is used only for the very file it was made from: its name holds a checksum of the
source's absolute path and the source's device, inode, size, modification and status-change
times (``st_ctime`` changes whenever the file's content is written or it is replaced, and no
tool can set it back), and its length must equal the uncompressed size that the gzip trailer
states. A source that changes gets a new copy, which replaces the old one. The copy holds the
decompressed bytes as they are: the reader checks them exactly as it checks freshly inflated
ones.

Folder: ``$OPTIMIZER_LAB_CACHE`` if set, else ``$XDG_CACHE_HOME/optimizer-lab/datasets``, else
``~/.cache/optimizer-lab/datasets``. Copies are written to a temporary name and renamed into
place, so a killed run never leaves a partial one. Any problem with the folder (read-only,
full, missing home) only means the file is inflated as before: the cache is never needed.
"""
from __future__ import annotations

import mmap
import os
import zlib
from pathlib import Path
from typing import Callable

CACHE_ENV = "OPTIMIZER_LAB_CACHE"
"""Environment variable naming the cache folder (overrides the XDG default)."""
MIN_CACHED_BYTES = 1 << 20
"""Smaller files inflate in about a millisecond: not worth a copy on disk."""
SUFFIX = ".idx"

Content = bytes | mmap.mmap
"""What :func:`read_gzip` returns: bytes, or a read-only map of the cached copy (slicing gives
bytes, ``len`` the size; NumPy reads it without copying through the buffer protocol)."""


def cache_folder() -> Path:
    """The folder the decompressed copies go in (see the module docstring); not created here."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "optimizer-lab" / "datasets"


def _source_key(path: Path) -> tuple[str, str]:
    """(prefix shared by every copy of ``path``, full name of the copy of its current state)."""
    status = path.stat()
    prefix = f"{zlib.crc32(os.fsencode(path.resolve())):08x}-"
    return prefix, (f"{prefix}{status.st_dev:x}-{status.st_ino:x}-{status.st_size:x}-"
                    f"{status.st_mtime_ns:x}-{status.st_ctime_ns:x}{SUFFIX}")


def _stated_size(path: Path) -> int:
    """The uncompressed size modulo 2**32 that the last gzip trailer of ``path`` states."""
    with open(path, "rb") as file:
        file.seek(-4, os.SEEK_END)
        return int.from_bytes(file.read(4), "little")


def _map(copy: Path) -> mmap.mmap:
    with open(copy, "rb") as file:
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


def _store(folder: Path, prefix: str, name: str, content: bytes) -> None:
    """Write ``content`` as ``folder/name`` (via a temporary name), then remove the older copies
    of the same source. Failures are ignored: the cache is only a shortcut."""
    temporary = folder / f".{name}.{os.getpid()}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())  # never a copy of the right size but without its bytes
        os.replace(temporary, folder / name)
        for old in folder.glob(f"{prefix}*{SUFFIX}"):
            if old.name != name:
                old.unlink(missing_ok=True)
    except OSError:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass


def read_gzip(path: Path, inflate: Callable[[Path], bytes]) -> Content:
    """The decompressed content of the gzip file ``path``: the cached copy when there is a valid
    one, else ``inflate(path)`` (whose errors propagate), stored for next time when it is at
    least MIN_CACHED_BYTES long."""
    try:
        prefix, name = _source_key(path)
        copy = cache_folder() / name
        if copy.is_file():
            size = copy.stat().st_size
            if size >= MIN_CACHED_BYTES and size % 2**32 == _stated_size(path):
                return _map(copy)
    except (OSError, ValueError):  # unreadable source or copy: inflate as without a cache
        prefix = name = None
    content = inflate(path)
    if name is not None and len(content) >= MIN_CACHED_BYTES:
        _store(cache_folder(), prefix, name, content)
    return content
