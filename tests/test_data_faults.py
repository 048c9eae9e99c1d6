"""Bad input a demanding user tries: links to nowhere, named pipes, broken CSVs, huge images, damaged zips.

Each ends in a message naming the file (and line) or in the file being skipped and named; never a traceback,
never a hang.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import pytest
from PIL import Image

from kit.data import reading
from kit.data.reading import DataWarning, open_rgb, read_dataset
from kit.data.synthetic import make_synthetic


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("KIT_LANGUAGE", "en")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return make_synthetic(tmp_path_factory.mktemp("faults") / "IF25-4041-dataset", per_class=4, n_test=2)


@pytest.fixture()
def copy(synthetic, tmp_path) -> Path:
    return Path(shutil.copytree(synthetic, tmp_path / "dataset"))


def _read(root: Path, timeout: float = 60):
    """read_dataset in a daemon thread: a hang fails the test instead of blocking the suite."""
    outcome: dict = {}

    def work():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                outcome["dataset"] = read_dataset(root)
            except Exception as error:  # handed to the test thread
                outcome["error"] = error
        outcome["warnings"] = caught

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "reading the dataset hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["dataset"], [w for w in outcome["warnings"]]


# --------------------------------------------------------------------------------------------------- not files

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_dangling_links_and_fifos_are_skipped_and_named_never_opened(copy):
    train = copy / "train"
    (train / "0003.jpg").unlink()
    (train / "0003.jpg").symlink_to(train / "no-such-file.jpg")        # listed, dangling
    (train / "0005.jpg").unlink()
    os.mkfifo(train / "0005.jpg")                                       # listed, a named pipe
    os.mkfifo(train / "extra.jpg")                                      # unlisted, a named pipe
    (train / "good-link.jpg").symlink_to(train / "0001.jpg")            # a link to a real file is fine
    dataset, caught = _read(copy)
    assert dataset.problems["unreadable_files"] == ["0003.jpg", "0005.jpg"]
    assert "link" in dataset.errors["train/0003.jpg"] and "FIFO" in dataset.errors["train/0005.jpg"]
    assert dataset.problems["unlisted_files"] == ["extra.jpg", "good-link.jpg"]
    messages = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert any("0003.jpg" in m and "0005.jpg" in m for m in messages)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_fifo_in_test_folder_is_an_unreadable_test_image(copy):
    test_file = sorted((copy / "test").iterdir())[0]
    test_file.unlink()
    os.mkfifo(test_file)
    dataset, _ = _read(copy)
    assert dataset.problems["unreadable_test_files"] == [test_file.name]
    assert dataset.problems["missing_test_files"] == []


# --------------------------------------------------------------------------------------------------- CSVs

def test_a_train_csv_that_is_not_utf8_names_the_file_and_line(copy):
    lines = (copy / "train.csv").read_bytes().splitlines()
    lines[3] = lines[3].replace(b".jpg", b"\xe9.jpg")  # Latin-1 "é", as Excel on Windows saves it
    (copy / "train.csv").write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(ValueError, match=r"train\.csv line 4 is not UTF-8 text \(byte 0xe9\)"):
        _read(copy)


@pytest.mark.parametrize("content", [b"", b"\n  \n"])
def test_an_empty_train_csv_names_the_file(copy, content):
    (copy / "train.csv").write_bytes(content)
    with pytest.raises(ValueError, match=r"train\.csv is empty .*line 1"):
        _read(copy)


def test_a_ragged_csv_names_the_file_and_line(copy):
    with open(copy / "train.csv", "a") as handle:
        handle.write("0001.jpg,bakso,extra,fields\n")
    with pytest.raises(ValueError, match=r"train\.csv cannot be read as CSV: .*line \d+"):
        _read(copy)


# --------------------------------------------------------------------------------------------------- large images

def test_a_huge_image_is_named_once_and_read_at_reduced_size(copy, monkeypatch):
    # Pillow's own limit (89 MP) made small, so a 1200 x 1200 PNG stands in for a 12000 x 12000 one
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    monkeypatch.setattr(reading, "LARGE_IMAGE_PIXELS", 1_000_000)
    Image.new("RGB", (1200, 1200), (200, 120, 40)).save(copy / "train" / "0002.jpg", "PNG")
    dataset, caught = _read(copy)
    assert [str(w.message) for w in caught if issubclass(w.category, Image.DecompressionBombWarning)] == []
    named = [str(w.message) for w in caught if issubclass(w.category, DataWarning) and "large" in str(w.message)]
    assert len(named) == 1 and "train/0002.jpg" in named[0]
    assert dataset.problems["large_images"] == ["train/0002.jpg"]
    row = dataset.records.set_index("filename").loc["0002.jpg"]
    assert (row["width"], row["height"]) == (1200, 1200)
    with reading.quiet_large_images():
        assert open_rgb(copy / "train" / "0002.jpg", min_side=100).size == (100, 100)  # reduced 12-fold


@pytest.mark.parametrize("mode", ["RGB", "P", "RGBA", "L"])
def test_reduced_decoding_keeps_orientation_colour_and_the_minimum_side(mode):
    import io

    exif = Image.Exif()
    exif[reading.EXIF_ORIENTATION] = 6  # display rotated: 300 x 200 stored, 200 x 300 shown
    image = Image.new("RGB", (300, 200), (250, 10, 10)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif.tobytes())
    decoded = open_rgb(buffer.getvalue(), min_side=64)
    assert decoded.mode == "RGB" and decoded.size == (67, 100)  # reduce(3): short side 67 >= 64, upright
    expected = image.convert("RGB").getpixel((150, 100))
    # a palette image is dithered: the box average is close to the colour, not equal
    assert max(abs(a - b) for a, b in zip(decoded.getpixel((10, 10)), expected)) <= 10


def test_decoding_a_huge_png_needs_about_one_copy_of_it(tmp_path):
    """A 4000 x 4000 PNG (64 MB decoded, 4 bytes a pixel in Pillow) read and verified in a fresh process:
    before reduced decoding its peak was more than twice that (two full decodes plus full-size copies)."""
    path = tmp_path / "huge.png"
    Image.new("RGB", (4000, 4000), (30, 90, 200)).save(path, "PNG", compress_level=1)
    script = textwrap.dedent(f"""
        import resource, warnings
        from pathlib import Path
        from kit.data.reading import inspect_image, open_rgb
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert inspect_image(Path({str(path)!r}))["error"] == ""
        assert min(open_rgb(Path({str(path)!r}), min_side=128).size) < 256
        print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb = int(result.stdout.split()[-1])
    assert peak_mb < 64 * 1.5, f"decoding took {peak_mb} MB more at its peak"


# --------------------------------------------------------------------------------------------------- damaged zips

def _zip_with_a_bad_crc(folder: Path, zip_path: Path, damaged: str) -> Path:
    """The dataset zipped without compression, then one byte of member ``damaged`` flipped (its CRC no longer
    matches), as a broken download or a failing disk leaves it."""
    import zipfile

    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_STORED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, "IF25-4041-dataset/" + file.relative_to(folder).as_posix())
        info = archive.getinfo(damaged)
    data = bytearray(zip_path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)  # local header, then data
    data[start + info.file_size // 2] ^= 0xFF
    zip_path.write_bytes(bytes(data))
    return zip_path


def test_a_zip_member_with_a_bad_crc_is_skipped_and_named_every_time(synthetic, tmp_path):
    from kit.data.sources import fetch, source_facts

    member = "IF25-4041-dataset/train/0003.jpg"
    zip_path = _zip_with_a_bad_crc(synthetic, tmp_path / "IF25-4041-dataset.zip", member)
    for _ in range(2):  # extracting, then reusing the extraction: named both times
        with pytest.warns(DataWarning, match=f"bad CRC.*{member}"):
            root = fetch(zip_path, tmp_path / "data")
    assert not (root / "train" / "0003.jpg").exists() and (root / "train" / "0001.jpg").is_file()
    dataset, _ = _read(root)
    assert "0003.jpg" in dataset.problems["missing_files"]
    assert source_facts(zip_path, tmp_path / "data")["damaged_members"] == [member]


def test_kit_data_on_a_damaged_zip_names_the_member_and_finishes(synthetic, tmp_path, capsys):
    from kit.cli import main

    member = "IF25-4041-dataset/train/0002.jpg"
    zip_path = _zip_with_a_bad_crc(synthetic, tmp_path / "data.zip", member)
    assert main(["data", str(zip_path), "--workspace", str(tmp_path / "ws")]) == 0
    err = capsys.readouterr().err
    assert member in err and "Traceback" not in err


# --------------------------------------------------------------------------------------------------- kit data

def test_kit_data_prints_what_it_found_before_the_error(copy, tmp_path, capsys):
    from kit.cli import main

    for image in (copy / "train").iterdir():  # an empty train/: every listed file is absent
        image.unlink()
    assert main(["data", str(copy), "--workspace", str(tmp_path / "ws")]) == 2
    err = capsys.readouterr().err
    absent, failure = err.index("listed in train.csv but absent"), err.index("no readable labelled images")
    assert absent < failure and "Traceback" not in err


@pytest.mark.parametrize("content, said", [(b"", "train.csv is empty"),
                                           (b"filename,label\n0001.jpg,bakso\n0002.jpg,r\xe9ndang\n",
                                            "train.csv line 3 is not UTF-8")])
def test_kit_data_names_a_broken_train_csv(copy, tmp_path, capsys, content, said):
    from kit.cli import main

    (copy / "train.csv").write_bytes(content)
    assert main(["data", str(copy), "--workspace", str(tmp_path / "ws")]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
