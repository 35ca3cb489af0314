"""The user's cache of decompressed dataset files (nncore.dataset_cache): later loads map the
copy instead of inflating, and a copy is never used for a file that changed."""
import gzip
import os

import numpy as np
import pytest

import nncore.data
from nncore import dataset_cache
from nncore.data import DatasetError, load_mnist
from nncore.dataset_cache import CACHE_ENV, MIN_CACHED_BYTES, cache_folder
from test_data import IMAGES, idx_bytes, write_dataset

N_TRAIN = MIN_CACHED_BYTES // 784 + 1
"""Enough training images for their file to be cached (the others stay below the size)."""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of this test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def inflations(monkeypatch):
    """The paths inflated (decompressed from the .gz) by the loader, in order."""
    inflated = []
    original = nncore.data._gunzip

    def counting(path):
        inflated.append(path.name)
        return original(path)
    monkeypatch.setattr(nncore.data, "_gunzip", counting)
    return inflated


def copies(folder):
    return sorted(path.name for path in folder.glob("*.idx"))


def test_second_load_maps_the_copy_instead_of_inflating(tmp_path, cache, inflations):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    contents = write_dataset(data_dir, n_train=N_TRAIN)
    first = load_mnist(data_dir)
    assert "train-images-idx3-ubyte.gz" in inflations and len(copies(cache)) == 1
    inflations.clear()
    (x_train, t_train), (x_test, _) = load_mnist(data_dir)
    assert "train-images-idx3-ubyte.gz" not in inflations  # the small files are inflated again
    assert x_train.tobytes() == contents["train-images-idx3-ubyte"][16:]
    np.testing.assert_array_equal(x_train, first[0][0])
    np.testing.assert_array_equal(t_train, first[0][1])
    assert not x_train.flags.writeable
    assert len(copies(cache)) == 1


def test_changed_source_gets_a_new_copy(tmp_path, cache, inflations):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_dataset(data_dir, n_train=N_TRAIN)
    load_mnist(data_dir)
    old = copies(cache)
    # Same size and the same modification time: only the content (and so st_ctime) differs.
    images = data_dir / "train-images-idx3-ubyte.gz"
    status = images.stat()
    replacement = np.full((N_TRAIN, 28, 28), 7, dtype=np.uint8)
    images.write_bytes(gzip.compress(idx_bytes(IMAGES, replacement)))
    os.utime(images, ns=(status.st_atime_ns, status.st_mtime_ns))
    inflations.clear()
    (x_train, _), _ = load_mnist(data_dir)
    assert "train-images-idx3-ubyte.gz" in inflations
    assert (x_train == 7).all()
    assert len(copies(cache)) == 1 and copies(cache) != old  # the stale copy is gone


def test_truncated_copy_is_not_used(tmp_path, cache, inflations):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    contents = write_dataset(data_dir, n_train=N_TRAIN)
    load_mnist(data_dir)
    (copy,) = cache.glob("*.idx")
    copy.write_bytes(copy.read_bytes()[:-1000])
    inflations.clear()
    (x_train, _), _ = load_mnist(data_dir)
    assert "train-images-idx3-ubyte.gz" in inflations
    assert x_train.tobytes() == contents["train-images-idx3-ubyte"][16:]
    assert copy.stat().st_size == len(contents["train-images-idx3-ubyte"])  # written again


def test_unwritable_cache_folder_still_loads(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    contents = write_dataset(data_dir, n_train=N_TRAIN)
    for _ in range(2):
        (x_train, _), _ = load_mnist(data_dir)
        assert x_train.tobytes() == contents["train-images-idx3-ubyte"][16:]


def test_bad_large_file_is_reported_and_not_cached(tmp_path, cache):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    good = idx_bytes(IMAGES, np.zeros((N_TRAIN, 28, 28)))
    write_dataset(data_dir, n_train=N_TRAIN,
                  train_images_idx3_ubyte=good[:4] + (N_TRAIN + 5).to_bytes(4, "big") + good[8:])
    for _ in range(2):  # the same message when the copy is read
        with pytest.raises(DatasetError, match="truncated"):
            load_mnist(data_dir)
    corrupt = data_dir / "train-images-idx3-ubyte.gz"
    corrupt.write_bytes(gzip.compress(good)[:-20])
    with pytest.raises(DatasetError, match="cannot be read"):
        load_mnist(data_dir)


def test_default_folder_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder() == tmp_path / "optimizer-lab" / "datasets"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_folder() == tmp_path / "home" / ".cache" / "optimizer-lab" / "datasets"
    assert dataset_cache.MIN_CACHED_BYTES > 100_000  # the label files are not worth a copy
