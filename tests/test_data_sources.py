"""Getting and reading the data: downloads, safe zip extraction, both layouts, decoding, bad input."""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import shutil
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from kit import CLASSES
from kit.data import sources
from kit.data.reading import DataWarning, detect_layout, open_rgb, read_dataset
from kit.data.sources import DataUnavailableError, fetch, find_dataset_root, safe_extract
from kit.data.synthetic import make_synthetic

pytestmark = pytest.mark.filterwarnings("ignore::kit.data.reading.DataWarning")


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Messages are matched in English here; kit.text's own tests check that both languages exist."""
    monkeypatch.setenv("KIT_LANGUAGE", "en")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return make_synthetic(tmp_path_factory.mktemp("synthetic") / "IF25-4041-dataset", per_class=6, n_test=4)


@pytest.fixture()
def copy(synthetic, tmp_path) -> Path:
    """A private copy of the synthetic dataset that a test may damage."""
    return Path(shutil.copytree(synthetic, tmp_path / "dataset"))


def _zip_of(folder: Path, zip_path: Path, prefix: str = "IF25-4041-dataset/") -> Path:
    with zipfile.ZipFile(zip_path, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, prefix + file.relative_to(folder).as_posix())
    return zip_path


def _read(root, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = read_dataset(root, **kwargs)
    return dataset, [str(w.message).lower() for w in caught if issubclass(w.category, DataWarning)]


# --------------------------------------------------------------------------------------------------- zips

def test_safe_extract_extracts_and_marks(synthetic, tmp_path):
    target = safe_extract(_zip_of(synthetic, tmp_path / "d.zip"), tmp_path / "out")
    assert (target / "IF25-4041-dataset" / "train.csv").is_file()
    assert json.loads((target / sources.EXTRACTED_MARKER).read_text())["bytes"] == (tmp_path / "d.zip").stat().st_size
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".extracting")]


@pytest.mark.parametrize("evil", ["../escape.txt", "a/../../escape.txt", "/tmp/absolute.txt", "C:/windows.txt"])
def test_safe_extract_rejects_entries_outside_the_target(tmp_path, evil):
    zip_path = tmp_path / "evil.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("good.txt", "fine")
        archive.writestr(evil, "bad")
    with pytest.raises(ValueError, match="outside"):
        safe_extract(zip_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing written, not even the good entry
    assert not (tmp_path / "escape.txt").exists()


def test_safe_extract_names_a_file_that_is_not_a_zip(tmp_path):
    (tmp_path / "page.zip").write_text("<html>quota exceeded</html>")
    with pytest.raises(ValueError, match="not a zip"):
        safe_extract(tmp_path / "page.zip", tmp_path / "out")


def test_fetch_local_zip_extracts_once(synthetic, tmp_path):
    zip_path = _zip_of(synthetic, tmp_path / "IF25-4041-dataset.zip")
    root = fetch(zip_path, tmp_path / "data")
    assert root == (tmp_path / "data" / "IF25-4041-dataset" / "IF25-4041-dataset").resolve()
    stamp = (root / "train.csv").stat().st_mtime_ns
    assert fetch(zip_path, tmp_path / "data") == root  # skipped: the marker says it is done
    assert (root / "train.csv").stat().st_mtime_ns == stamp


def test_a_different_zip_of_the_same_size_is_not_taken_for_the_extracted_one(synthetic, tmp_path):
    zip_path = _zip_of(synthetic, tmp_path / "IF25-4041-dataset.zip")
    root = fetch(zip_path, tmp_path / "data")
    original = zip_path.read_bytes()
    changed = bytearray(original)
    changed[-30] ^= 0xFF  # same size, other bytes
    zip_path.write_bytes(bytes(changed))
    with pytest.raises(FileExistsError, match="different"):
        fetch(zip_path, tmp_path / "data")
    zip_path.write_bytes(original)  # the same content again, with a new modification time: reused
    os.utime(zip_path, ns=(1, 1))
    assert fetch(zip_path, tmp_path / "data") == root


def test_fetch_folder_finds_the_nested_dataset(synthetic, tmp_path):
    nested = tmp_path / "download" / "IF25-4041-dataset"
    shutil.copytree(synthetic, nested)
    (tmp_path / "download" / "__MACOSX").mkdir()
    assert fetch(tmp_path / "download", tmp_path / "data") == nested.resolve()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fetch(tmp_path / "nowhere", tmp_path / "data")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="data_README.md"):
        find_dataset_root(tmp_path / "empty")


# --------------------------------------------------------------------------------------------------- downloads

@pytest.fixture()
def http_server(tmp_path):
    """A web server on 127.0.0.1 serving ``tmp_path/www``."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_downloads_a_url_with_gdown(synthetic, tmp_path, http_server, monkeypatch):
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    www, url = http_server
    _zip_of(synthetic, www / "IF25-4041-dataset.zip")
    root = fetch(f"{url}/IF25-4041-dataset.zip", tmp_path / "data")
    assert (root / "train.csv").is_file()
    assert (tmp_path / "data" / "IF25-4041-dataset.zip").is_file()
    assert not list((tmp_path / "data").glob("*.part"))


def test_fetch_url_that_is_not_a_zip_says_how_to_get_the_data(tmp_path, http_server, monkeypatch):
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    www, url = http_server
    (www / "page.zip").write_text("<html>Google Drive: quota exceeded</html>")
    with pytest.raises(DataUnavailableError, match="not a zip") as error:
        fetch(f"{url}/page.zip", tmp_path / "data")
    assert "data_README.md" in str(error.value)
    assert not list((tmp_path / "data").glob("*"))  # no half file left to be mistaken for the data


def test_fetch_gdrive_uses_the_configured_id_and_skips_when_present(synthetic, tmp_path, monkeypatch):
    import gdown

    calls = []

    def fake_download(*, output, quiet, id=None, url=None):
        calls.append(id)
        _zip_of(synthetic, Path(output))
        return output

    monkeypatch.setattr(gdown, "download", fake_download)
    root = fetch("gdrive", tmp_path / "data")
    assert calls == [sources.GDRIVE_ID] and (root / "train.csv").is_file()
    assert fetch(None, tmp_path / "data") == root and len(calls) == 1  # zip already there: no download
    other = fetch("gdrive:abc123", tmp_path / "other")
    assert calls[-1] == "abc123" and (tmp_path / "other" / "gdrive-abc123.zip").is_file()
    assert other.name == "IF25-4041-dataset"


def test_the_report_says_which_data_was_used(synthetic, tmp_path, monkeypatch):
    import gdown
    import hashlib

    from kit.data.prepare import prepare

    monkeypatch.setattr(gdown, "download", lambda *, output, quiet, id=None, url=None: str(_zip_of(synthetic, Path(output))))
    course = prepare("gdrive", tmp_path / "ws1").report["source"]
    course_zip = tmp_path / "ws1" / "data" / sources.ZIP_NAME
    assert course == {"kind": "course zip", "url": sources.drive_url(sources.GDRIVE_ID), "zip": str(course_zip),
                      "bytes": course_zip.stat().st_size,
                      "sha256": hashlib.sha256(course_zip.read_bytes()).hexdigest(), "damaged_members": []}
    local_zip = _zip_of(synthetic, tmp_path / "mine.zip")
    local = prepare(local_zip, tmp_path / "ws2").report["source"]
    assert (local["kind"], local["path"], local["bytes"]) == ("zip", str(local_zip), local_zip.stat().st_size)
    assert local["sha256"] == hashlib.sha256(local_zip.read_bytes()).hexdigest()
    assert prepare(synthetic, tmp_path / "ws3").report["source"] == {"kind": "folder", "path": str(synthetic)}
    assert prepare("synthetic", tmp_path / "ws4").report["source"] == {"kind": "synthetic", "path": "data/synthetic"}


def test_offline_download_error_points_at_data_readme(tmp_path, monkeypatch):
    import gdown

    def offline(**kwargs):
        raise ConnectionError("Failed to resolve 'drive.google.com'")

    monkeypatch.setattr(gdown, "download", offline)
    with pytest.raises(DataUnavailableError) as error:
        fetch("gdrive", tmp_path / "data")
    message = str(error.value)
    assert "data_README.md" in message and sources.GDRIVE_ID in message and "by hand" in message


# --------------------------------------------------------------------------------------------------- decoding

def _bytes(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["L", "CMYK", "RGBA", "P", "LA"])
def test_open_rgb_converts_every_mode_to_rgb(mode):
    pixels = (np.random.default_rng(0).random((20, 30, 3)) * 255).astype(np.uint8)
    image = Image.fromarray(pixels).convert(mode)
    fmt = "JPEG" if mode in ("L", "CMYK") else "PNG"
    decoded = open_rgb(_bytes(image, fmt))
    assert decoded.mode == "RGB" and decoded.size == (30, 20)


def test_open_rgb_whitens_transparent_pixels():
    image = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert open_rgb(_bytes(image, "PNG")).getpixel((0, 0)) == (255, 255, 255)


def test_open_rgb_applies_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = _bytes(Image.new("RGB", (40, 20), "red"), "JPEG", exif=exif.tobytes())
    assert open_rgb(data).size == (20, 40)


def test_open_rgb_uses_jpeg_draft_mode_for_big_photos():
    big = Image.fromarray((np.random.default_rng(0).random((1200, 1600, 3)) * 255).astype(np.uint8))
    decoded = open_rgb(_bytes(big, "JPEG"), min_side=140)
    assert decoded.size == (200, 150)  # the 1/8 DCT scale, never the full 1600x1200
    assert open_rgb(_bytes(big, "JPEG"), min_side=400).size == (800, 600)


# --------------------------------------------------------------------------------------------------- reading

def test_read_course_layout_counts_and_names_every_problem(synthetic):
    facts = json.loads((synthetic / "synthetic.json").read_text())
    dataset, messages = _read(synthetic)
    assert dataset.layout == "course" and dataset.synthetic
    assert len(dataset.records) == facts["n_images"]
    assert dataset.records["label"].value_counts().to_dict() == facts["per_class"]
    assert dataset.problems["blank_rows"] == facts["blank_rows"]
    assert dataset.problems["missing_files"] == facts["missing_files"]
    assert any("blank rows" in m for m in messages) and any(facts["missing_files"][0] in m for m in messages)
    by_name = dataset.records.set_index("filename")
    assert by_name.loc[facts["webp_named_jpg"][0], "format"] == "WEBP"
    assert by_name.loc[facts["png_named_jpg"][0], ["format", "mode"]].tolist() == ["PNG", "P"]
    assert by_name.loc[facts["jpeg_extension"][0], "format"] == "JPEG"
    assert len(dataset.test) == 4 and dataset.test_listed == 4 and (dataset.test["label"] == "").all()
    assert set(dataset.records["relpath"]) == {f"train/{f}" for f in dataset.records["filename"]}


def test_read_ignores_hidden_files_and_reports_unlisted_and_unreadable(copy):
    train = copy / "train"
    (train / ".ipynb_checkpoints").mkdir()
    (train / ".ipynb_checkpoints" / "0001-checkpoint.jpg").write_bytes(b"x")
    (train / ".DS_Store").write_bytes(b"x")
    (train / "._0001.jpg").write_bytes(b"x")
    shutil.copy(train / "0001.jpg", train / "extra.jpg")
    good = (train / "0004.jpg").read_bytes()
    (train / "0004.jpg").write_bytes(good[: len(good) // 2])       # truncated
    (train / "0006.jpg").write_text("not an image")                # listed, unreadable
    dataset, messages = _read(copy)
    assert dataset.problems["unlisted_files"] == ["extra.jpg"]
    assert dataset.problems["unreadable_files"] == ["0004.jpg", "0006.jpg"]
    assert set(dataset.errors) == {"train/0004.jpg", "train/0006.jpg"}
    assert not dataset.records["filename"].isin(["0004.jpg", "0006.jpg", "extra.jpg"]).any()
    assert any("unreadable" in m and "0004.jpg" in m for m in messages)
    assert any("extra.jpg" in m for m in messages)


def _rewrite_csv(root: Path, edit) -> None:
    rows = pd.read_csv(root / "train.csv", dtype=str, keep_default_na=False)
    edit(rows).to_csv(root / "train.csv", index=False)


def test_unknown_label_is_an_error_naming_the_row(copy):
    _rewrite_csv(copy, lambda rows: rows.replace({"label": {"rendang": "Rendang"}}))
    with pytest.raises(ValueError, match=r"labels outside the class list.*line \d+: '\d+\.jpe?g' -> 'Rendang'"):
        read_dataset(copy)


def test_a_file_with_two_labels_is_an_error(copy):
    def twice(rows):
        first = rows[rows["filename"] != ""].iloc[0]
        other = next(c for c in CLASSES if c != first["label"])
        return pd.concat([rows, pd.DataFrame([{"filename": first["filename"], "label": other}])])

    _rewrite_csv(copy, twice)
    with pytest.raises(ValueError, match="two different labels"):
        read_dataset(copy)


def test_a_repeated_identical_row_is_counted_once(copy):
    _rewrite_csv(copy, lambda rows: pd.concat([rows, rows.iloc[[0]]]))
    dataset, messages = _read(copy)
    assert len(dataset.problems["duplicate_rows"]) == 1 and any("repeated" in m for m in messages)
    assert not dataset.records["filename"].duplicated().any()


def test_a_class_without_images_is_an_error(copy):
    _rewrite_csv(copy, lambda rows: rows[rows["label"] != "bakso"])
    with pytest.raises(ValueError, match=r"classes with no images: \['bakso'\]"):
        read_dataset(copy)


def test_an_empty_dataset_is_an_error(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train.csv").write_text("filename,label\n,\n")
    with pytest.raises(ValueError, match="no readable labelled images"):
        read_dataset(tmp_path)


def test_imagefolder_layout_is_detected_and_read(synthetic, tmp_path):
    base, _ = _read(synthetic)
    root = tmp_path / "folders"
    for row in base.records.itertuples():
        (root / "train" / row.label).mkdir(parents=True, exist_ok=True)
        shutil.copy(row.path, root / "train" / row.label / row.filename)
    (root / "train" / "bakso" / ".ipynb_checkpoints").mkdir()
    (root / "val").mkdir()
    assert detect_layout(root) == ("imagefolder", "train")
    dataset, messages = _read(root)
    assert dataset.layout == "imagefolder" and len(dataset.records) == len(base.records)
    assert dataset.records["label"].value_counts().to_dict() == base.records["label"].value_counts().to_dict()
    assert dataset.records["filename"].str.contains("/").all()  # class/file keeps names unique
    assert dataset.problems["unlisted_files"] == ["val/"] and any("val/" in m for m in messages)
    (root / "train" / "pizza").mkdir()
    with pytest.raises(ValueError, match="pizza"):
        read_dataset(root)


def test_reading_cache_skips_unchanged_files(synthetic, tmp_path, monkeypatch):
    from kit.data import reading

    cache = tmp_path / "info.csv"
    first, _ = _read(synthetic, cache_file=cache)
    calls = []
    monkeypatch.setattr(reading, "inspect_image", lambda path: calls.append(path) or {})
    again, _ = _read(synthetic, cache_file=cache)
    assert calls == []
    pd.testing.assert_frame_equal(first.records, again.records)


def test_default_source_follows_kit_data_then_smoke_mode(monkeypatch):
    from kit.data import default_source

    monkeypatch.delenv("KIT_DATA", raising=False)
    monkeypatch.setenv("KIT_SMOKE", "0")
    assert default_source() == "gdrive"
    monkeypatch.setenv("KIT_SMOKE", "1")
    assert default_source() == "synthetic"
    monkeypatch.setenv("KIT_DATA", "/data/IF25-4041-dataset.zip")
    assert default_source() == "/data/IF25-4041-dataset.zip"
