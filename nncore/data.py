"""Reading MNIST-layout datasets (MNIST, Fashion-MNIST, ...) from IDX files, plain or gzipped.

IDX layout: a big-endian int32 magic number (0x00000803 for uint8 images of rank 3, 0x00000801
for uint8 labels of rank 1), one big-endian int32 per dimension, then the raw uint8 data.

Images stay uint8 in memory (47 MB for the 60,000 training images instead of 376 MB as float64);
:func:`scale_batch` turns a batch into floats in [0, 1] when it is used.
"""
from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import deflate
import numpy as np

from .dataset_cache import Content, read_gzip

BUNDLED_DIRECTORY = Path(__file__).resolve().parent.parent / "resources" / "mnist"
"""The copy of MNIST that ships with the application."""

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
"""Role -> file name without the optional ``.gz``."""

IMAGE_MAGIC = 0x00000803
LABEL_MAGIC = 0x00000801
NUM_CLASSES = 10

Split = tuple[np.ndarray, np.ndarray]


class DatasetError(ValueError):
    """A dataset file is missing or malformed; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


def find_file(directory: Path, name: str) -> Path:
    """``directory/name.gz`` if it exists, else ``directory/name``; DatasetError if neither does."""
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
            return candidate
    raise DatasetError(directory / f"{name}.gz",
                       f"file not found (looked for {name}.gz and {name} in {directory})")


def _read_bytes(path: Path) -> Content:
    """The content of an IDX file, decompressed if it is gzipped (from the user's cache of
    decompressed copies when it holds one: :mod:`nncore.dataset_cache`)."""
    try:
        if path.suffix == ".gz":
            return read_gzip(path, _gunzip)
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        # gzip raises EOFError for a truncated stream and BadGzipFile (an OSError) for junk.
        raise DatasetError(path, f"cannot be read: {error}") from None


def _gunzip(path: Path) -> bytes:
    """The decompressed content of the gzip file at ``path``.

    libdeflate (the ``deflate`` package) inflates MNIST's training images in less than half
    zlib's time (85 ms against 186 ms of CPU). It reads only a file's first gzip member (and
    checks that member's CRC): when the size in the file's last trailer is not the size it
    produced (a file of several members), it produced nothing or it refuses the file, the
    standard library reads
    the file again; it handles every valid file and describes what is wrong with the others.
    """
    raw = path.read_bytes()
    try:
        content = deflate.gzip_decompress(raw)
    except (ValueError, deflate.DeflateError):
        content = None
    # libdeflate returns nothing for some truncated streams whose last 4 bytes happen to be 0.
    if not content or int.from_bytes(raw[-4:], "little") != len(content) % 2**32:
        content = gzip.decompress(raw)
    return content


def read_idx(path: Path | str, expected_magic: int) -> np.ndarray:
    """The uint8 array stored in the IDX file at ``path`` (read-only, no copy of the data).

    Raises DatasetError for a wrong magic number, a truncated header or body, or trailing bytes.
    """
    path = Path(path)
    raw = _read_bytes(path)
    rank = expected_magic & 0xFF
    header_size = 4 + 4 * rank
    if len(raw) >= 4:
        magic = int.from_bytes(raw[:4], "big")
        if magic != expected_magic:
            kind = "images" if expected_magic == IMAGE_MAGIC else "labels"
            raise DatasetError(path, f"wrong magic number 0x{magic:08x}, expected "
                                     f"0x{expected_magic:08x} ({kind})")
    if len(raw) < header_size:
        raise DatasetError(path, f"truncated header: {len(raw)} bytes, expected at least {header_size}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=rank, offset=4))
    if any(d < 0 for d in shape):
        raise DatasetError(path, f"negative dimension in the header: shape {shape}")
    size = math.prod(shape)  # Python ints: no overflow for huge announced shapes
    body = len(raw) - header_size
    if body < size:
        raise DatasetError(path, f"truncated: {body} data bytes, the header announces {size} "
                                 f"for shape {shape}")
    if body > size:
        raise DatasetError(path, f"{body - size} unexpected bytes after the data of shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def _load_split(directory: Path, images_name: str, labels_name: str) -> Split:
    images_path = find_file(directory, images_name)
    labels_path = find_file(directory, labels_name)
    images = read_idx(images_path, IMAGE_MAGIC)
    labels = read_idx(labels_path, LABEL_MAGIC)
    count, rows, columns = images.shape
    if count == 0:
        raise DatasetError(images_path, "the file holds no images")
    if rows != columns or rows == 0:
        raise DatasetError(images_path, f"images of {rows} x {columns} pixels: only square "
                                        f"images (side x side, side >= 1) can be used")
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(labels_path, f"{labels.shape[0]} labels for {images.shape[0]} images "
                                        f"in {images_path.name}")
    if labels.size and labels.max() >= NUM_CLASSES:
        index = int(np.argmax(labels >= NUM_CLASSES))
        raise DatasetError(labels_path, f"label {labels[index]} at index {index} is outside 0-9")
    return images.reshape(images.shape[0], -1), labels


def load_mnist(directory: Path | str | None = None) -> tuple[Split, Split]:
    """``(x_train, t_train), (x_test, t_test)`` from the four IDX files in ``directory``.

    Images are uint8 of shape (N, side * side), e.g. (60000, 784), any square side; labels uint8
    of shape (N,). Each split holds at least one image, and both have the same side.
    The default directory is the bundled MNIST. Raises DatasetError naming the file and problem.
    """
    directory = BUNDLED_DIRECTORY if directory is None else Path(directory)
    train = _load_split(directory, FILES["train_images"], FILES["train_labels"])
    test = _load_split(directory, FILES["test_images"], FILES["test_labels"])
    if train[0].shape[1] != test[0].shape[1]:
        raise DatasetError(find_file(directory, FILES["test_images"]),
                           f"images of {image_side(test[0])} x {image_side(test[0])} pixels, but "
                           f"the training images are {image_side(train[0])} x "
                           f"{image_side(train[0])}")
    return train, test


def image_side(images: np.ndarray) -> int:
    """The side in pixels of the square images stored as rows of ``images`` (N, side * side)."""
    return math.isqrt(images.shape[1])


def scale_batch(images: np.ndarray, dtype=np.float32, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 pixel rows -> floats in [0, 1] (pixel / 255), written into ``out`` when given."""
    return np.multiply(images, np.asarray(1.0 / 255.0, dtype=dtype), out=out, dtype=dtype)
