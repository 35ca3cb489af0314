"""IDX/MNIST loading: the bundled set, and one clear DatasetError per kind of bad file."""
import gzip
import hashlib

import numpy as np
import pytest

from nncore.data import BUNDLED_DIRECTORY, DatasetError, load_mnist, read_idx, scale_batch
from run_helpers import result

IMAGES, LABELS = 0x0803, 0x0801


def idx_bytes(magic, array):
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_dataset(directory, n_train=6, n_test=4, compress=True, **overrides):
    """Four small IDX files in the MNIST layout; `overrides` replaces a file's bytes by role."""
    rng = np.random.default_rng(0)
    contents = {
        "train-images-idx3-ubyte": idx_bytes(IMAGES, rng.integers(0, 256, (n_train, 28, 28))),
        "train-labels-idx1-ubyte": idx_bytes(LABELS, rng.integers(0, 10, n_train)),
        "t10k-images-idx3-ubyte": idx_bytes(IMAGES, rng.integers(0, 256, (n_test, 28, 28))),
        "t10k-labels-idx1-ubyte": idx_bytes(LABELS, rng.integers(0, 10, n_test)),
    }
    contents.update({name.replace("_", "-"): data for name, data in overrides.items()})
    for name, data in contents.items():
        if compress:
            (directory / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (directory / name).write_bytes(data)
    return contents


@pytest.mark.parametrize("compress", [True, False])
def test_small_dataset_round_trips(tmp_path, compress):
    contents = write_dataset(tmp_path, compress=compress)
    (x_train, t_train), (x_test, t_test) = load_mnist(tmp_path)
    assert x_train.shape == (6, 784) and x_test.shape == (4, 784)
    assert x_train.dtype == t_train.dtype == np.uint8
    assert x_train.tobytes() == contents["train-images-idx3-ubyte"][16:]
    assert t_test.tobytes() == contents["t10k-labels-idx1-ubyte"][8:]


def test_bundled_mnist_is_the_original():
    (x_train, t_train), (x_test, t_test) = load_mnist()
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert t_train.shape == (60000,) and t_test.shape == (10000,)
    assert x_train.dtype == np.uint8
    assert set(np.unique(t_train)) == set(range(10))
    # MD5 of the uncompressed originals (header + data), as published with the files.
    header = IMAGES.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in (10000, 28, 28))
    assert hashlib.md5(header + x_test.tobytes()).hexdigest() == "2646ac647ad5339dbf082846283269ea"
    assert (BUNDLED_DIRECTORY / "README.md").is_file()


def test_scale_batch_maps_uint8_to_unit_interval():
    pixels = np.array([[0, 51, 255]], dtype=np.uint8)
    scaled = scale_batch(pixels)
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(scaled, [[0.0, 0.2, 1.0]], rtol=1e-6)
    out = np.empty((1, 3), dtype=np.float32)
    assert scale_batch(pixels, out=out) is out


def expect_error(directory, file_part, *words):
    with pytest.raises(DatasetError) as info:
        load_mnist(directory)
    message = str(info.value)
    assert file_part in message, message
    for word in words:
        assert word in message, message
    return info.value


def test_missing_file(tmp_path):
    write_dataset(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    expect_error(tmp_path, "t10k-labels-idx1-ubyte", "not found")


def test_missing_directory(tmp_path):
    expect_error(tmp_path / "nowhere", "train-images-idx3-ubyte", "not found")


def test_truncated_body(tmp_path):
    good = idx_bytes(IMAGES, np.zeros((6, 28, 28)))
    write_dataset(tmp_path, train_images_idx3_ubyte=good[:-100])
    expect_error(tmp_path, "train-images-idx3-ubyte", "truncated")


def test_truncated_header(tmp_path):
    write_dataset(tmp_path, train_labels_idx1_ubyte=b"\x00\x00\x08")
    expect_error(tmp_path, "train-labels-idx1-ubyte", "truncated header")


def test_truncated_gzip_stream(tmp_path):
    write_dataset(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:200])
    expect_error(tmp_path, "train-images-idx3-ubyte.gz", "cannot be read")


def test_wrong_magic_number(tmp_path):
    # A labels file where the images file should be: magic 0x801 instead of 0x803.
    write_dataset(tmp_path, t10k_images_idx3_ubyte=idx_bytes(LABELS, np.zeros(4)))
    expect_error(tmp_path, "t10k-images-idx3-ubyte", "magic", "0x00000801", "0x00000803")


def test_image_and_label_counts_differ(tmp_path):
    write_dataset(tmp_path, train_labels_idx1_ubyte=idx_bytes(LABELS, np.zeros(5)))
    expect_error(tmp_path, "train-labels-idx1-ubyte", "5 labels for 6 images")


def test_label_outside_0_to_9(tmp_path):
    write_dataset(tmp_path, t10k_labels_idx1_ubyte=idx_bytes(LABELS, np.array([1, 2, 12, 3])))
    error = expect_error(tmp_path, "t10k-labels-idx1-ubyte", "label 12 at index 2", "0-9")
    assert error.path.name == "t10k-labels-idx1-ubyte.gz"


def test_trailing_bytes(tmp_path):
    write_dataset(tmp_path, train_labels_idx1_ubyte=idx_bytes(LABELS, np.zeros(6)) + b"xx")
    expect_error(tmp_path, "train-labels-idx1-ubyte", "unexpected bytes")


def test_dataset_error_is_a_value_error(tmp_path):
    """Callers catch ValueError for every bad input: a DatasetError must be one, and it must be
    the DatasetError (naming the file) that a truncated header raises, not some other error."""
    assert issubclass(DatasetError, ValueError)
    path = tmp_path / "x"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x01")
    with pytest.raises(ValueError) as info:
        read_idx(path, IMAGES)
    assert type(info.value) is DatasetError and info.value.path == path
    assert str(info.value).startswith(f"{path}: truncated header")


def signed_header(magic, *dims):
    return magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big", signed=True) for d in dims)


@pytest.mark.parametrize("side", [14, 8, 1])
def test_square_images_of_any_side_train(tmp_path, side):
    """The input layer follows the data: side x side pixels, evaluated with the same side."""
    from nncore.experiment import run_mnist
    from nncore.settings import MnistSettings, Settings

    rng = np.random.default_rng(1)
    write_dataset(tmp_path, train_images_idx3_ubyte=idx_bytes(IMAGES, rng.integers(0, 256, (6, side, side))),
                  t10k_images_idx3_ubyte=idx_bytes(IMAGES, rng.integers(0, 256, (4, side, side))))
    (x_train, _), (x_test, _) = load_mnist(tmp_path)
    assert x_train.shape == (6, side * side) and x_test.shape == (4, side * side)
    settings = Settings(optimizers=("SGD", "Adam"), mnist=MnistSettings(
        iterations=5, batch_size=4, hidden_sizes=(8,), eval_interval=2, data_dir=str(tmp_path)))
    history = result(run_mnist(settings))
    assert history.finished and np.isfinite(history.losses["Adam"]).all()
    assert [i for i, _ in history.accuracies["SGD"]] == [0, 2, 4, 5]


def test_images_that_are_not_square_name_the_file(tmp_path):
    write_dataset(tmp_path, t10k_images_idx3_ubyte=idx_bytes(IMAGES, np.zeros((4, 28, 20))))
    expect_error(tmp_path, "t10k-images-idx3-ubyte", "28 x 20", "square")


def test_training_and_test_images_of_different_sides_name_the_test_file(tmp_path):
    write_dataset(tmp_path, t10k_images_idx3_ubyte=idx_bytes(IMAGES, np.zeros((4, 14, 14))))
    expect_error(tmp_path, "t10k-images-idx3-ubyte", "14 x 14", "28 x 28")


@pytest.mark.parametrize("role", ["train_images_idx3_ubyte", "t10k_images_idx3_ubyte"])
def test_a_file_without_images_names_the_file(tmp_path, role):
    write_dataset(tmp_path, **{role: idx_bytes(IMAGES, np.zeros((0, 28, 28))),
                               role.replace("images_idx3", "labels_idx1"): idx_bytes(LABELS, np.zeros(0))})
    expect_error(tmp_path, role.replace("_", "-"), "no images")


@pytest.mark.parametrize("dims", [(-1, 28, 28), (6, -28, 28), (6, 28, -2147483648)])
def test_negative_header_dimensions_name_the_file(tmp_path, dims):
    write_dataset(tmp_path, train_images_idx3_ubyte=signed_header(IMAGES, *dims) + bytes(6 * 784))
    expect_error(tmp_path, "train-images-idx3-ubyte", "negative dimension")


def test_a_huge_announced_shape_is_a_truncated_file_not_an_overflow(tmp_path):
    write_dataset(tmp_path, train_images_idx3_ubyte=signed_header(IMAGES, 2**31 - 1, 2**31 - 1, 2**31 - 1)
                  + bytes(100))
    expect_error(tmp_path, "train-images-idx3-ubyte", "truncated", "100 data bytes")


def test_a_gzip_file_of_several_members_loads_whole(tmp_path):
    """The fast inflater reads one gzip member; a file of two (as `cat a.gz b.gz` makes) is
    still read whole, by the standard library."""
    contents = write_dataset(tmp_path)
    data = contents["train-images-idx3-ubyte"]
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(data[:1000]) + gzip.compress(data[1000:]))
    (x_train, _), _ = load_mnist(tmp_path)
    assert x_train.tobytes() == data[16:]
