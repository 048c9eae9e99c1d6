"""kit.background_writer: files land in order, atomically; a failure in the writer thread reaches the loop."""

import errno

import pytest
import torch

import kit.background_writer as background_writer
from kit.background_writer import BackgroundWriter, RunFilesNotWritten, write_files

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize("background", [True, False])
def test_files_land_in_order_as_text_or_tensors(tmp_path, background):
    writer = BackgroundWriter(background=background)
    writer.submit([(tmp_path / "a.txt", "first\n"), (tmp_path / "b.pt", {"w": torch.ones(2)})])
    writer.submit([(tmp_path / "a.txt", "second\n")])  # waits for the first write
    writer.wait()
    writer.raise_error()
    assert (tmp_path / "a.txt").read_text() == "second\n"
    assert torch.equal(torch.load(tmp_path / "b.pt", weights_only=True)["w"], torch.ones(2))


def test_a_full_disk_in_the_writer_thread_is_raised_in_the_loop_naming_the_file(tmp_path, monkeypatch):
    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(background_writer, "atomic_write_text", full)
    writer = BackgroundWriter(background=True)
    writer.submit([(tmp_path / "history.csv", "epoch\n")])
    writer.wait()
    with pytest.raises(RunFilesNotWritten, match=r"history.csv failed: the disk is full"):
        writer.raise_error()
    writer.raise_error()  # raised once, then cleared


def test_torchs_own_full_disk_error_is_recognised(tmp_path, monkeypatch):
    def torch_full(obj, path):
        raise RuntimeError("[enforce fail at inline_container.cc:603] . unexpected pos 64 vs 0: file write failed")

    monkeypatch.setattr(background_writer, "atomic_save", torch_full)
    with pytest.raises(OSError, match=r"last.pt failed: the disk is full"):
        write_files([(tmp_path / "last.pt", {"model": {}})])
