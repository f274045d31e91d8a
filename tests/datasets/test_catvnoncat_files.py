"""load_catvnoncat on malformed HDF5 files: one ValueError naming the file and the dataset."""

import numpy as np
import pytest

from nnbackend import datasets

h5py = pytest.importorskip("h5py")


def _write(folder, train=None, test=None):
    rng = np.random.default_rng(0)
    for split, changes in (("train", train or {}), ("test", test or {})):
        with h5py.File(folder / f"{split}_catvnoncat.h5", "w") as h5:
            content = {
                f"{split}_set_x": rng.integers(0, 256, (4, 2, 2, 3), dtype=np.uint8),
                f"{split}_set_y": np.array([0, 1, 0, 1]),
                "list_classes": np.array([b"non-cat", b"cat"]),
            }
            content.update({key.replace("SPLIT", split): v for key, v in changes.items()})
            for key, value in content.items():
                if callable(value):
                    value(h5, key)
                else:
                    h5[key] = value


@pytest.mark.parametrize(
    ("link", "why"),
    [
        (lambda h5, key: h5.__setitem__(key, h5py.SoftLink("/nothing")), "cannot be opened"),
        (
            lambda h5, key: h5.__setitem__(key, h5py.ExternalLink("missing.h5", "/x")),
            "cannot be opened",
        ),
    ],
    ids=["dangling-soft-link", "external-link-to-no-file"],
)
def test_a_link_to_nothing_is_a_value_error(link, why, tmp_path):
    _write(tmp_path, train={"SPLIT_set_x": link})  # was a KeyError from h5py
    with pytest.raises(ValueError, match=rf"train_catvnoncat\.h5: train_set_x {why}"):
        datasets.load_catvnoncat(tmp_path)


def test_a_dataset_too_large_to_read_is_refused_before_reading(tmp_path):
    # a chunked dataset declares 9 GiB in a file of a few KiB: reading it was a MemoryError
    def huge(h5, key):
        h5.create_dataset(key, shape=(10**5, 64, 64, 3), dtype="f8", chunks=(1, 64, 64, 3))

    _write(tmp_path, train={"SPLIT_set_x": huge})
    with pytest.raises(ValueError, match=r"train_set_x declares shape \(100000, 64, 64, 3\).*MiB"):
        datasets.load_catvnoncat(tmp_path)


@pytest.mark.parametrize(
    ("pixels", "shown"),
    [(np.full((4, 2, 2, 3), -5), "-5"), (np.full((4, 2, 2, 3), 300.0), "300.0")],
)
def test_pixels_outside_0_255_are_refused(pixels, shown, tmp_path):
    # the images are divided by 255: these came back outside [0, 1] without a word
    _write(tmp_path, test={"SPLIT_set_x": pixels})
    with pytest.raises(ValueError, match=rf"test_set_x holds the pixel value {shown} .*0 to 255"):
        datasets.load_catvnoncat(tmp_path)


@pytest.mark.parametrize("label", [5, -1, 2])
def test_labels_that_index_no_class_are_refused(label, tmp_path):
    _write(tmp_path, train={"SPLIT_set_y": np.array([0, 1, label, 1])})
    with pytest.raises(
        ValueError, match=rf"train_set_y holds the label {label} at index 2: .*0 to 1"
    ):
        datasets.load_catvnoncat(tmp_path)


def test_a_valid_small_file_still_loads(tmp_path):
    _write(
        tmp_path, test={"list_classes": np.array([b"a", b"b", b"c"]), "SPLIT_set_y": [2, 1, 0, 2]}
    )
    X_train, y_train, X_test, y_test, classes = datasets.load_catvnoncat(tmp_path)
    assert X_train.shape == (4, 12) and X_test.shape == (4, 12)
    assert X_train.min() >= 0 and X_train.max() <= 1
    assert y_test.tolist() == [2, 1, 0, 2] and len(classes) == 3
