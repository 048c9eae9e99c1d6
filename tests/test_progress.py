"""kit.progress: a saved notebook shows what happened (the lines), never a bar frozen at 0%."""

import re

import pytest

import kit.progress as progress
from kit.progress import WIDGET_MIME, NotebookBar, progress_bar, write_line

FROZEN_BAR = re.compile(r"(?<!\d)0%\|")  # "0%|" as tqdm draws a bar that never moved; "100%|" is not frozen


class FakeNotebook:
    """What a notebook frontend keeps: outputs in order; an update replaces the data of the output with that id."""

    def __init__(self):
        self.outputs: list[dict] = []

    def display(self, bundle, *, raw, display_id):
        assert raw and display_id is True, "a bar must be displayed raw and under a display id, to be replaceable"
        output = {"display_id": len(self.outputs), "data": dict(bundle)}
        self.outputs.append(output)
        return FakeHandle(output)

    def saved(self) -> list[dict]:
        return [output["data"] for output in self.outputs]


class FakeHandle:
    def __init__(self, output):
        self.output = output

    def update(self, bundle, *, raw):
        assert raw
        self.output["data"] = dict(bundle)


@pytest.fixture
def notebook(monkeypatch):
    fake = FakeNotebook()
    monkeypatch.setattr(progress, "_notebook_display", lambda: fake.display)
    return fake


def test_a_bar_shows_as_a_widget_while_it_runs(notebook):
    bar = progress_bar(range(6), total=6, desc="epoch 1/2")
    assert isinstance(bar, NotebookBar)
    [live] = notebook.saved()
    assert live[WIDGET_MIME]["model_id"] == bar.container.model_id
    assert not FROZEN_BAR.search(live["text/plain"]), "the fallback saved with the widget must not read 0%"
    bar.close()


def test_saved_notebook_keeps_each_epoch_line_in_place_of_its_bar(notebook):
    for epoch in (1, 2):
        bar = progress_bar(range(6), total=6, desc=f"epoch {epoch}/2")
        for step in bar:
            bar.set_postfix(loss=f"{1 / (step + 1):.3f}", refresh=False)
        bar.close()
        write_line(f"epoch {epoch}/2  val_acc 50.0%", replacing=bar)
    assert notebook.saved() == [{"text/plain": "epoch 1/2  val_acc 50.0%"}, {"text/plain": "epoch 2/2  val_acc 50.0%"}]


def test_a_closed_bar_without_a_line_leaves_its_final_state_as_text(notebook):
    bar = progress_bar(range(4), total=4, desc="caching 64px images")
    for _ in bar:
        pass
    bar.close()
    [saved] = notebook.saved()
    assert set(saved) == {"text/plain"}
    assert saved["text/plain"].startswith("caching 64px images: 100%|") and "4/4" in saved["text/plain"]


def test_an_interrupted_bar_says_where_it_stopped(notebook):
    bar = progress_bar(range(10), total=10, desc="epoch 3/30")
    for step in bar:
        if step == 3:
            break
    bar.close()
    [saved] = notebook.saved()
    assert WIDGET_MIME not in saved and "3/10" in saved["text/plain"]


def test_closing_twice_changes_nothing(notebook):
    bar = progress_bar(range(2), total=2, desc="epoch 1/1")
    list(bar)
    bar.close()
    write_line("epoch 1/1 done", replacing=bar)
    bar.close()
    assert notebook.saved() == [{"text/plain": "epoch 1/1 done"}]


def test_outside_a_notebook_the_bar_is_text_erased_when_done_and_the_line_printed(capsys):
    bar = progress_bar(range(3), total=3, desc="epoch 1/1")
    assert not isinstance(bar, NotebookBar)
    list(bar)
    bar.close()
    write_line("epoch 1/1  val_acc 50.0%", replacing=bar)
    out, err = capsys.readouterr()
    assert out == "epoch 1/1  val_acc 50.0%\n"
    drawn = err.split("\r")  # a terminal shows what the last carriage return drew over the bar
    assert "epoch 1/1" in err and err.endswith("\r") and drawn[-2].strip() == "", "leave=False: the bar is erased"


def test_a_disabled_bar_displays_nothing(notebook, capsys):
    bar = progress_bar(range(3), total=3, desc="epoch 1/1", enabled=False)
    assert list(bar) == [0, 1, 2]
    bar.close()
    assert notebook.outputs == []
    assert capsys.readouterr() == ("", "")


def test_in_a_real_kernel_the_saved_notebook_holds_the_lines(tmp_path):
    """The whole path: a Jupyter kernel with this environment's ipywidgets (7 in Colab, 8 elsewhere), tqdm and
    IPython's display handles, executed as nbval and nbconvert execute the course notebooks."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = ("from kit.progress import progress_bar, write_line\n"
            "for epoch in (1, 2):\n"
            "    bar = progress_bar(range(6), total=6, desc=f'epoch {epoch}/2')\n"
            "    for _ in bar: pass\n"
            "    bar.close()\n"
            "    write_line(f'epoch {epoch}/2 done', replacing=bar)\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
                            ).execute()
    outputs = notebook.cells[0].outputs
    texts = [output.get("data", {}).get("text/plain", output.get("text", "")) for output in outputs]
    assert texts == ["epoch 1/2 done", "epoch 2/2 done"], outputs
    assert not any(WIDGET_MIME in output.get("data", {}) for output in outputs)
