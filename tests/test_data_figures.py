"""kit.data_figures: notebook 01's tables and figures of the dataset, in the student's language.

Also guards the split of issue "data vs presentation": preparing data never loads matplotlib.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

from kit import data_figures, text
from kit.data import prepare
from kit.data.reading import DataWarning
from kit.data.report import SPLIT_WAYS, compare_splits

RAW_KEYS = ("n_images", "blank_rows", "named_otherwise", "val_with_duplicate_in_train", "short_side", "total_")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the synthetic set holds a blank row and a missing file
        return prepare("synthetic", tmp_path_factory.mktemp("workspace"))


def _texts(figure):
    """Every title, axis label, legend entry and caption a figure shows."""
    found = [figure._suptitle.get_text()] if figure._suptitle else []
    for ax in figure.axes:
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        found += [t.get_text() for t in legend.get_texts()] if legend else []
    return [t for t in found if t]


def test_preparing_data_loads_no_matplotlib(tmp_path):
    code = ("import sys, warnings; warnings.simplefilter('ignore'); import kit.data; "
            f"kit.data.prepare('synthetic', {str(tmp_path)!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert (tmp_path / "split.csv").is_file()  # it did prepare the data


def test_tables_count_what_the_data_holds(prepared):
    formats = data_figures.format_table(prepared.records, language="en")
    assert formats.loc["WEBP", "misleading extension"] == 1 and formats.loc["JPEG", "misleading extension"] == 0
    assert data_figures.size_table(prepared.records).shape == (5, 9)
    counts = data_figures.class_split_table(prepared.split, prepared.classes, language="en")
    assert counts.loc["total", "total"] == prepared.report["n_images"]
    items = data_figures.report_table(prepared.report, language="en").set_index("item")["value"]
    assert items["images read"] == str(prepared.report["n_images"])
    assert items["blank rows in the CSV"] == "1" and items["files listed but missing"] == "1"


@pytest.mark.parametrize("language, words", [("id", ("hal", "gambar terbaca", "porsi bocor", "kelas")),
                                             ("en", ("item", "images read", "share leaked", "class"))])
def test_tables_speak_the_language_not_raw_keys(prepared, language, words):
    tables = [data_figures.report_table(prepared.report, language=language),
              data_figures.class_split_table(prepared.split, prepared.classes, language=language),
              data_figures.format_table(prepared.records, language=language),
              data_figures.size_table(prepared.records, language=language),
              data_figures.split_leakage_table(prepared.records, prepared.hashes, prepared.split, language=language)]
    shown = " ".join(" ".join(map(str, [*t.columns.to_flat_index(), t.index.name, *t.iloc[:, 0]])) for t in tables)
    assert all(word in shown for word in words), shown
    assert not any(key in shown for key in RAW_KEYS), shown


def test_every_count_of_the_data_report_is_shown(prepared):
    counts = [key for key, value in prepared.report.items() if isinstance(value, int) and not isinstance(value, bool)]
    shown = set(data_figures.report_table(prepared.report, language="en")["item"])
    english = text.table("data_figures", "en")
    assert counts and [key for key in counts if english.get(key) not in shown] == []  # nothing silently left out


@pytest.mark.parametrize("language, words", [("id", "Data sintetis"), ("en", "Synthetic data")])
def test_the_source_line_cannot_miss_synthetic_data(prepared, language, words):
    line = data_figures.source_line(prepared.report, language=language)
    assert words in line._repr_markdown_() and words in str(line) and "**" not in str(line)


def test_the_leakage_table_writes_shares_as_percent(prepared):
    raw = compare_splits(prepared.records, prepared.hashes, prepared.split)
    assert tuple(raw["split"]) == SPLIT_WAYS and raw.set_index("split").loc["kit", "with_duplicate_in_train"] == 0
    shown = data_figures.split_leakage_table(prepared.records, prepared.hashes, prepared.split, language="en")
    assert list(shown["share leaked"]) == [f"{100 * s:.1f}%" for s in raw["share"]]


@pytest.mark.parametrize("language, title", [("id", "Gambar per kelas dan split"),
                                             ("en", "Images per class and split")])
def test_figure_labels_follow_the_language(prepared, language, title):
    figures = [data_figures.plot_class_counts(prepared.split, prepared.classes, language=language),
               data_figures.plot_formats(prepared.records, language=language),
               data_figures.plot_sizes(prepared.records, language=language),
               data_figures.plot_samples(prepared.records, per_class=1, language=language)]
    assert title in _texts(figures[0])
    other_language = {"id": "en", "en": "id"}[language]
    other = data_figures.plot_class_counts(prepared.split, prepared.classes, language=other_language)
    assert title not in _texts(other)
    for figure in figures[:3]:
        assert figure.axes and figure.axes[0].has_data()


def test_the_default_language_is_the_current_one(prepared, monkeypatch):
    monkeypatch.setenv("KIT_LANGUAGE", "en")
    assert "Images per class and split" in _texts(data_figures.plot_class_counts(prepared.split))
    monkeypatch.setenv("KIT_LANGUAGE", "id")
    assert "Gambar per kelas dan split" in _texts(data_figures.plot_class_counts(prepared.split))


def test_leakage_examples_show_each_val_image_beside_its_training_copy(prepared):
    pairs = json.loads((prepared.root / "synthetic.json").read_text())["duplicate_pairs"]
    leaky = prepared.split.copy()
    leaky["split"] = "train"
    leaky.loc[leaky["filename"].isin([copy for _, copy, _ in pairs]), "split"] = "val"  # copies in val
    figure = data_figures.plot_leakage_examples(leaky, prepared.hashes, prepared.records, n=2, language="en")
    assert len([ax for ax in figure.axes if ax.images]) == 4  # two rows: val image, its training copy
    captions = [ax.get_title() for ax in figure.axes if ax.images]
    assert captions[0].startswith("val ") and captions[1].startswith("train ") and "bits" in captions[1]
