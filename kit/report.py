"""The submission report: ``report/README.md`` plus ``report/images/*.png``, every number read from run files.

The structure follows the course's submissions: group header (names and NIMs), data and split summary
(leakage included), hyperparameters, the metric comparison table, training curves, confusion matrices, per-class
F1, optional extra runs (the Tahap-3 modifications) and an "Analisis" section whose measured facts are computed
from the runs, with marked room for the group's own analysis.

The report is a list of *sections*, each a function ``ReportContext -> markdown or None``; pass more with
``write_report(..., extra_sections=[...])``. Text the group writes between ``<!-- keep:NAME -->`` and
``<!-- /keep:NAME -->`` survives regenerating the report; a README edited anywhere else is first copied to
``README.edited-<time>.md`` (with a ``ReportEditedWarning``), so regenerating never loses the group's text.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from kit import experiments, plots
from kit.files import atomic_write_text
from kit.header import is_placeholder_name, is_placeholder_nim
from kit.links import colab_url
from kit.runs import (RunResult, comparison_table, differing_hyperparameters, display_name, f1_table,
                      hyperparameter_table, load_runs, run_summary_table)

STRINGS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Eksplorasi ResNet: {models}",
        "course": "Mata kuliah: IF25-40401 Deep Learning",
        "group": "Kelompok",
        "member": "Nama",
        "unfilled": "⚠ belum diisi",
        "invalid_nim": "⚠ NIM tidak valid (harus angka semua)",
        "header_incomplete": "⚠ **Header kelompok belum lengkap**: isi `GROUP_NAME` dan `MEMBERS` di sel header "
                             "notebook, lalu buat ulang laporan ini.",
        "colab": "Notebook Colab",
        "generated": "Semua angka dan gambar di laporan ini dihasilkan otomatis oleh `kit.report.write_report` dari "
                     "file run (`config.json`, `history.csv`, `metrics.json`, `predictions.csv`) dan dari "
                     "`data_report.json` / `split.csv`; jangan diketik ulang.",
        "data": "Data dan split",
        "data_missing": "⚠ `data_report.json` tidak ditemukan di {workspace}: jalankan `notebooks/01_data.ipynb`.",
        "item": "Keterangan",
        "value": "Nilai",
        "n_images": "Jumlah gambar terbaca",
        "formats": "Format file (isi, bukan ekstensi)",
        "blank_rows": "Baris kosong di CSV",
        "missing_files": "File tercantum tapi tidak ada",
        "unreadable_files": "File tidak terbaca",
        "unlisted_files": "File tidak tercantum di CSV",
        "duplicate_groups": "Grup duplikat (exact + near)",
        "leakage": "Leakage: gambar val yang punya duplikat di train",
        "leakage_ok": "{n} ✓",
        "leakage_bad": "⚠ {n}: split ini bocor, akurasi val terlalu tinggi",
        "class": "Kelas",
        "total": "Total",
        "split_missing": "⚠ `split.csv` tidak ditemukan di {workspace}: jalankan `notebooks/01_data.ipynb`.",
        "hyperparameters": "Hyperparameter",
        "hyperparameters_note": "Dibaca dari `config.json` setiap run.",
        "parameter": "Parameter",
        "results": "Hasil: perbandingan metrik",
        "results_note": "\"terbaik\" = epoch dengan val acc tertinggi; \"terakhir\" = epoch terakhir.",
        "small_settings": "⚠ Run ini memakai pengaturan kecil (smoke/CPU: {settings}); angkanya hanya uji jalan, "
                          "bukan hasil.",
        "model": "Model",
        "point": "Titik",
        "best": "terbaik",
        "last": "terakhir",
        "summary": "Ringkasan run",
        "parameters": "Parameter model",
        "epochs": "Epoch (selesai/rencana)",
        "device": "Device",
        "precision": "Presisi",
        "time": "Waktu training (s)",
        "speed": "Gambar/s",
        "unfinished": "⚠ belum selesai",
        "stopped_early": "early stopping",
        "curves": "Kurva training",
        "curves_note": "Garis putus-putus = train, garis penuh = val.",
        "confusion": "Confusion matrix",
        "no_predictions": "⚠ {run}: `predictions.csv` belum ada (run belum selesai).",
        "per_class": "F1 per kelas",
        "f1_difference": "selisih ({b} - {a})",
        "extra": "Run tambahan (modifikasi)",
        "extra_note": "Dibandingkan dengan {reference} sebagai baseline, dengan Config yang sama.",
        "extra_differences": "Perbedaan Config terhadap baseline",
        "references": "Referensi",
        "references_used_by": "dipakai oleh",
        "references_problem": "⚠ {run}: model_options tidak dikenal, referensinya tidak dapat dicantumkan: {error}",
        "analysis": "Analisis",
        "facts": "Fakta terukur (dihitung otomatis dari file run)",
        "own_analysis": "Analisis kelompok",
        "own_analysis_placeholder": "> ⚠ belum diisi: tuliskan analisis kelompok di sini (mengapa hasilnya "
                                    "begini, kaitkan dengan degradation problem dan residual connection, "
                                    "keterbatasan eksperimen). Teks di antara penanda `keep` tetap ada saat "
                                    "laporan dibuat ulang.",
        "fact_best": "{b} mencapai val acc terbaik {vb} (epoch {eb}) vs {a} {va} (epoch {ea}): selisih {d} poin.",
        "fact_last": "Pada epoch terakhir, val acc {b} {vb} (epoch {eb}) vs {a} {va} (epoch {ea}): selisih {d} poin.",
        "fact_train_loss": "Train loss akhir: {b} {lb} vs {a} {la} (selisih {d}).",
        "fact_gap": "Selisih train acc - val acc pada epoch terakhir: {gaps}.",
        "fact_epochs": "{run}: {done} dari {planned} epoch dijalankan{early}; epoch terbaik {best}.",
        "fact_early": " (berhenti lebih awal lewat early stopping)",
        "fact_unfinished": " (⚠ run belum selesai)",
        "fact_params": "Jumlah parameter: {params}.",
        "fact_time": "Waktu training: {times}.",
        "fact_same_config": "Semua run dilatih dengan Config yang sama, kecuali arsitektur modelnya.",
        "fact_diff_config": "⚠ Config berbeda antar run pada: {keys}.",
        "fact_leakage_ok": "Split bebas leakage: {n} gambar val punya duplikat di train.",
        "fact_leakage_bad": "⚠ {n} gambar val punya duplikat (exact/near) di train: akurasi val ikut terangkat.",
        "points": "poin",
        "gradient_flow": "Aliran gradien",
        "gradient_flow_note": "Norma gradien tiap blok (skala log), dari stem (`conv1`) sampai classifier (`fc`), "
                              "dicatat saat training setiap `grad_norm_every` langkah optimizer di "
                              "`gradient_norms.csv`; langkah tercatat pertama sebelum update = inisialisasi, epoch lain = median langkah yang "
                              "dicatat. `conv1/fc` jauh di bawah 1 berarti gradien menghilang (vanishing).",
        "gradient_point": "Titik",
        "gradient_min": "Blok terkecil",
        "gradient_max": "Blok terbesar",
        "seeds": "Beberapa seed",
        "seeds_note": "Config yang sama, seed berbeda (inisialisasi dan urutan data). Rata-rata ± simpangan baku "
                      "(sampel, n-1) atas seed yang selesai, dan nilai setiap seed, dari `metrics.json` tiap run.",
        "seeds_n": "Seed",
        "seeds_per_seed": "Val acc terbaik per seed",
        "seed_difference": "{b} − {a}, val acc ({point}): {mean} ± {std} poin atas {n} seed (per seed: {values}).",
        "seed_difference_one": "{b} − {a}, val acc ({point}): {mean} poin, hanya 1 seed yang sama (tanpa sebaran).",
        "seed_difference_loss": "{b} − {a}, train loss (terakhir): {mean} ± {std} atas {n} seed.",
        "seed_unfinished": "⚠ {run}: seed {seeds} belum selesai, tidak dihitung.",
        "seed_problem": "⚠ Run seed tidak dapat diringkas: {error}",
        "degradation": "Eksperimen degradasi: Plain/ResNet 18 vs 34",
        "degradation_note": "Empat model dengan Config yang sama, nilai pada epoch terakhir. Kolom paper: {source}. "
                            "Paper memakai ImageNet (1000 kelas), jadi bandingkan polanya (apakah 34 lapis lebih "
                            "baik dari 18 dalam satu keluarga), bukan nilainya.",
        "paper_error": "Paper top-1 error (%)",
        "val_error": "Val error (%)",
        "degradation_fact": "{family}: 34 − 18 lapis: train loss {dl}, train acc {dt} poin, val acc {dv} poin; "
                            "paper: top-1 error {dp} poin.",
        "degradation_problem": "⚠ Run degradasi tidak dapat dibandingkan: {error}",
    },
    "en": {
        "title": "ResNet exploration: {models}",
        "course": "Course: IF25-40401 Deep Learning",
        "group": "Group",
        "member": "Name",
        "unfilled": "⚠ not filled in",
        "invalid_nim": "⚠ invalid NIM (must be all digits)",
        "header_incomplete": "⚠ **Group header incomplete**: fill in `GROUP_NAME` and `MEMBERS` in the notebook's "
                             "header cell, then regenerate this report.",
        "colab": "Colab notebooks",
        "generated": "Every number and figure in this report was generated by `kit.report.write_report` from the run "
                     "files (`config.json`, `history.csv`, `metrics.json`, `predictions.csv`) and from "
                     "`data_report.json` / `split.csv`; do not retype them.",
        "data": "Data and split",
        "data_missing": "⚠ `data_report.json` not found in {workspace}: run `notebooks/01_data.ipynb`.",
        "item": "Item",
        "value": "Value",
        "n_images": "Images read",
        "formats": "File formats (by content, not extension)",
        "blank_rows": "Blank CSV rows",
        "missing_files": "Listed files that are missing",
        "unreadable_files": "Unreadable files",
        "unlisted_files": "Files not listed in the CSV",
        "duplicate_groups": "Duplicate groups (exact + near)",
        "leakage": "Leakage: val images with a duplicate in train",
        "leakage_ok": "{n} ✓",
        "leakage_bad": "⚠ {n}: this split leaks, val accuracy is inflated",
        "class": "Class",
        "total": "Total",
        "split_missing": "⚠ `split.csv` not found in {workspace}: run `notebooks/01_data.ipynb`.",
        "hyperparameters": "Hyperparameters",
        "hyperparameters_note": "Read from each run's `config.json`.",
        "parameter": "Parameter",
        "results": "Results: metric comparison",
        "results_note": "\"best\" = the epoch with the highest val acc; \"last\" = the final epoch.",
        "small_settings": "⚠ These runs use small settings (smoke/CPU: {settings}); their numbers only test that "
                          "the pipeline runs, they are not results.",
        "model": "Model",
        "point": "Point",
        "best": "best",
        "last": "last",
        "summary": "Run summary",
        "parameters": "Model parameters",
        "epochs": "Epochs (done/planned)",
        "device": "Device",
        "precision": "Precision",
        "time": "Training time (s)",
        "speed": "Images/s",
        "unfinished": "⚠ unfinished",
        "stopped_early": "early stopping",
        "curves": "Training curves",
        "curves_note": "Dashed = train, solid = val.",
        "confusion": "Confusion matrices",
        "no_predictions": "⚠ {run}: no `predictions.csv` yet (the run has not finished).",
        "per_class": "F1 per class",
        "f1_difference": "difference ({b} - {a})",
        "extra": "Additional runs (modifications)",
        "extra_note": "Compared with {reference} as the baseline, trained with the same Config.",
        "extra_differences": "Config differences from the baseline",
        "references": "References",
        "references_used_by": "used by",
        "references_problem": "⚠ {run}: unknown model_options, its references cannot be listed: {error}",
        "analysis": "Analysis",
        "facts": "Measured facts (computed from the run files)",
        "own_analysis": "The group's analysis",
        "own_analysis_placeholder": "> ⚠ not filled in: write the group's analysis here (why the results look "
                                    "like this, the degradation problem and residual connections, the "
                                    "experiment's limits). Text between the `keep` markers survives "
                                    "regenerating the report.",
        "fact_best": "{b} reaches a best val acc of {vb} (epoch {eb}) vs {a} {va} (epoch {ea}): a difference of "
                     "{d} points.",
        "fact_last": "At the last epoch, val acc of {b} is {vb} (epoch {eb}) vs {a} {va} (epoch {ea}): a "
                     "difference of {d} points.",
        "fact_train_loss": "Final train loss: {b} {lb} vs {a} {la} (difference {d}).",
        "fact_gap": "Train acc minus val acc at the last epoch: {gaps}.",
        "fact_epochs": "{run}: {done} of {planned} epochs run{early}; best epoch {best}.",
        "fact_early": " (stopped early)",
        "fact_unfinished": " (⚠ unfinished run)",
        "fact_params": "Parameters: {params}.",
        "fact_time": "Training time: {times}.",
        "fact_same_config": "All runs were trained with the same Config apart from the model architecture.",
        "fact_diff_config": "⚠ The runs' Configs differ in: {keys}.",
        "fact_leakage_ok": "Leak-free split: {n} val images have a duplicate in train.",
        "fact_leakage_bad": "⚠ {n} val images have an (exact/near) duplicate in train: val accuracy is inflated.",
        "points": "points",
        "gradient_flow": "Gradient flow",
        "gradient_flow_note": "Gradient norm of each block (log scale), from the stem (`conv1`) to the classifier "
                              "(`fc`), recorded during training every `grad_norm_every` optimizer steps in "
                              "`gradient_norms.csv`; the first recorded step before any update = initialisation, other epochs = median of the recorded "
                              "steps. `conv1/fc` far below 1 would mean a vanishing gradient.",
        "gradient_point": "Point",
        "gradient_min": "Smallest block",
        "gradient_max": "Largest block",
        "seeds": "Repeated seeds",
        "seeds_note": "The same Config, different seeds (initialisation and data order). Mean ± standard deviation "
                      "(sample, n-1) over the finished seeds, and every seed's value, from each run's "
                      "`metrics.json`.",
        "seeds_n": "Seeds",
        "seeds_per_seed": "Best val acc per seed",
        "seed_difference": "{b} − {a}, val acc ({point}): {mean} ± {std} points over {n} seeds (per seed: "
                           "{values}).",
        "seed_difference_one": "{b} − {a}, val acc ({point}): {mean} points, only 1 seed in common (no spread).",
        "seed_difference_loss": "{b} − {a}, train loss (last): {mean} ± {std} over {n} seeds.",
        "seed_unfinished": "⚠ {run}: seeds {seeds} unfinished, not counted.",
        "seed_problem": "⚠ The seed runs cannot be summarised: {error}",
        "degradation": "Degradation experiment: Plain/ResNet 18 vs 34",
        "degradation_note": "Four models with one Config, values at the last epoch. Paper column: {source}. The "
                            "paper trains on ImageNet (1000 classes), so compare the pattern (does 34 layers beat 18 "
                            "within a family?), not the values.",
        "paper_error": "Paper top-1 error (%)",
        "val_error": "Val error (%)",
        "degradation_fact": "{family}: 34 − 18 layers: train loss {dl}, train acc {dt} points, val acc {dv} points; "
                            "paper: top-1 error {dp} points.",
        "degradation_problem": "⚠ The degradation runs cannot be compared: {error}",
    },
}
"""Every sentence of the report, per language (``id`` is the course's language and the default)."""

DEFAULT_RUNS = ("plain34", "resnet34")
COLAB_NOTEBOOKS = ("01_data.ipynb", "02_plain34.ipynb", "03_resnet34.ipynb", "04_compare.ipynb",
                   "05_modifications.ipynb", "06_degradation.ipynb")
"""Every notebook of the kit, linked from the report's header."""
HEADER_FILE = "header.json"
"""The group header that ``kit.notebook.start`` saves in the workspace (read when no header is given)."""
SMALL_IMAGE_SIZE, SMALL_EPOCHS = 224, 10
"""Below either (or on a CPU) a run is a smoke test, and the report says so."""

_KEEP_BLOCK = re.compile(r"<!-- keep:(?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /keep:(?P=name) -->", re.DOTALL)
_TRAILER = re.compile(r"<!-- kit-report: sha256=(?P<sha256>[0-9a-f]{64}) language=(?P<language>[\w-]+) -->\n?")
"""The README's last line: the fingerprint of the generated text (keep-block bodies left out) and its language."""


class ReportEditedWarning(UserWarning):
    """The existing README was edited outside its keep blocks; it was copied aside before being replaced."""


# --- the group header ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupHeader:
    """The group name and ``(name, NIM)`` pairs, read from ``kit.header.Header``, any object with
    ``group_name`` and ``members`` attributes, or a dict with those keys."""

    group_name: str
    members: tuple[tuple[str, str], ...]
    flagged_incomplete: bool = False
    """True when the source header itself says it is unfilled (``kit.header.Header.is_placeholder``)."""

    @classmethod
    def read(cls, header: Any) -> GroupHeader:
        if header is None:
            return cls("", ())
        if isinstance(header, GroupHeader):
            return header
        if isinstance(header, Mapping):
            missing = [k for k in ("group_name", "members") if k not in header]
            if missing:
                raise ValueError(f"Header dict lacks {missing}: give group_name and members [(name, NIM), ...]")
            group_name, members = header["group_name"], header["members"]
        elif hasattr(header, "group_name") and hasattr(header, "members"):
            group_name, members = header.group_name, header.members
        else:
            raise TypeError(f"Header must have group_name and members (kit.header.Header or a dict), got "
                            f"{type(header).__name__}")
        pairs = []
        for position, member in enumerate(members, start=1):
            if isinstance(member, Mapping):
                member = (member.get("name", ""), member.get("nim", ""))
            if isinstance(member, (str, bytes)) or len(tuple(member)) != 2:
                raise ValueError(f"Member {position} must be a (name, NIM) pair, got {member!r}")
            name, nim = (str(part).strip() for part in member)
            pairs.append((name, nim))
        flagged = bool(header.get("is_placeholder", False) if isinstance(header, Mapping)
                       else getattr(header, "is_placeholder", False))
        return cls(str(group_name or "").strip(), tuple(pairs), flagged)

    def problems(self) -> list[str]:
        """Which fields are unfilled or invalid (empty for a complete header)."""
        found = []
        if is_placeholder_name(self.group_name):
            found.append("group_name")
        if not self.members:
            found.append("members")
        for position, (name, nim) in enumerate(self.members, start=1):
            if is_placeholder_name(name):
                found.append(f"member {position} name")
            if not nim.isdigit():
                found.append(f"member {position} NIM")
        if self.flagged_incomplete and not found:
            found.append("header")
        return found


def _nim_cell(nim: str, text: dict[str, str]) -> str:
    if nim.isdigit():
        return nim
    # "1xxxxxxxx" or empty is an unfilled template; anything else with non-digits is a typo.
    if is_placeholder_nim(nim):
        return f"{_escape(nim)} {text['unfilled']}".strip()
    return f"{_escape(nim)} {text['invalid_nim']}"


def _name_cell(name: str, text: dict[str, str]) -> str:
    return f"{_escape(name)} {text['unfilled']}".strip() if is_placeholder_name(name) else _escape(name)


# --- the context every section reads -----------------------------------------------------------------------

@dataclass
class ReportContext:
    """What sections read: the loaded runs, the workspace files, the header and the language's strings."""

    workspace: Path
    out_dir: Path
    runs: list[RunResult]
    extra_runs: list[RunResult]
    header: GroupHeader
    language: str
    data_report: dict[str, Any] | None
    split: pd.DataFrame | None

    @property
    def text(self) -> dict[str, str]:
        return STRINGS[self.language]

    @property
    def all_runs(self) -> list[RunResult]:
        return self.runs + self.extra_runs

    def figure(self, fig: Figure, name: str, alt: str) -> str:
        """Save ``fig`` as ``images/<name>.png`` and return the markdown that shows it."""
        filename = re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".png"
        path = self.out_dir / "images" / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        return f"![{alt}](images/{filename})"


Section = Callable[[ReportContext], "str | None"]


def write_report(workspace: str | Path, runs: Sequence[str | Path | RunResult] = DEFAULT_RUNS, header: Any = None,
                 out_dir: str | Path | None = None, language: str | None = None,
                 extra_runs: Sequence[str | Path | RunResult] | None = None,
                 extra_sections: Iterable[Section] = ()) -> Path:
    """Write ``<out_dir>/README.md`` (default ``<workspace>/report``) and its ``images/*.png``; return the path.

    ``runs`` are run names (looked up in ``<workspace>/runs``), run folders or loaded runs; the first is the
    reference the others are compared with (Plain-34, then ResNet-34). ``extra_runs`` (e.g. the Tahap-3
    modifications) get their own section, compared with the last of ``runs``; by default they are the runs
    chosen in 05_modifications (``modifications.json``) that have been trained, with a warning naming any
    chosen run that has not. A missing run raises
    ``kit.runs.RunNotFoundError`` naming the notebook that creates it.

    ``header`` defaults to ``<workspace>/header.json`` (saved by ``kit.notebook.start``) when present.
    ``language`` is ``"id"`` or ``"en"``; by default the language of the existing report in ``out_dir``, else
    ``"id"``. The group's text between keep markers is carried over; if the existing README was edited anywhere
    else, it is first copied to ``README.edited-<YYYYmmdd-HHMMSS>.md`` with a ``ReportEditedWarning``.
    """
    workspace = Path(workspace)
    out_dir = Path(out_dir) if out_dir is not None else workspace / "report"
    readme = out_dir / "README.md"
    old = readme.read_text(encoding="utf-8") if readme.is_file() else None
    if language is None:
        stored = _split_trailer(old)[1] if old is not None else None
        language = stored["language"] if stored else "id"
    _strings(language)
    if header is None:
        header = _read_json(workspace / HEADER_FILE)
    loaded = load_runs(runs, workspace)
    if not loaded:
        raise ValueError("write_report needs at least one run")
    extra = load_runs(_chosen_modifications(workspace) if extra_runs is None else extra_runs, workspace)
    clashes = sorted({r.name for r in loaded} & {r.name for r in extra})
    if clashes:
        raise ValueError(f"Runs {clashes} are given both in runs and in extra_runs")
    context = ReportContext(workspace=workspace, out_dir=out_dir, runs=loaded, extra_runs=extra,
                            header=GroupHeader.read(header), language=language,
                            data_report=_read_json(workspace / "data_report.json"),
                            split=_read_csv(workspace / "split.csv"))
    sections = [*DEFAULT_SECTIONS[:-1], *extra_sections, DEFAULT_SECTIONS[-1]]  # analysis stays last
    markdown = "\n\n".join(part.strip() for part in (section(context) for section in sections) if part) + "\n"
    if old is not None:
        markdown = _carry_keep_blocks(old, markdown)
        if _loses_text(old, markdown):
            backup = _backup(readme)
            warnings.warn(f"{readme} was edited outside its <!-- keep:NAME --> blocks (or a block lost its closing "
                          f"marker), and the regenerated report cannot carry that text: the old file is saved as "
                          f"{backup}. Move what you wrote into a keep block.", ReportEditedWarning, stacklevel=2)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(readme, markdown + f"<!-- kit-report: sha256={_fingerprint(markdown)} language={language} -->\n")
    return readme


def _chosen_modifications(workspace: Path) -> list[str]:
    """Runs named in modifications.json that exist; a warning names the chosen ones not trained yet."""
    from kit.modifications import load_choice

    chosen = list(load_choice(workspace))
    trained = [name for name in chosen if (workspace / "runs" / name / "metrics.json").exists()]
    missing = sorted(set(chosen) - set(trained))
    if missing:
        warnings.warn(f"Modifications {', '.join(missing)} are chosen in modifications.json but not trained yet: "
                      "run notebooks/05_modifications.ipynb to add them to the report.", stacklevel=3)
    return trained


# --- sections -----------------------------------------------------------------------------------------------

def header_markdown(header: Any, language: str = "id") -> str:
    """The group line and the member table (name, NIM), with unfilled or invalid entries visibly marked."""
    t = _strings(language)
    header = GroupHeader.read(header)
    group = header.group_name
    lines = [f"**{t['group']}:** {_name_cell(group, t) if group else t['unfilled']}", "",
             f"| No | {t['member']} | NIM |", "| --- | --- | --- |"]
    if header.members:
        lines += [f"| {i} | {_name_cell(name, t)} | {_nim_cell(nim, t)} |"
                  for i, (name, nim) in enumerate(header.members, start=1)]
    else:
        lines.append(f"| 1 | {t['unfilled']} | {t['unfilled']} |")
    if header.problems():
        lines += ["", t["header_incomplete"]]
    return "\n".join(lines)


def header_section(ctx: ReportContext) -> str:
    """Title, course, the group header, Colab links and where the numbers come from."""
    t = ctx.text
    links = " · ".join(f"[{name.removesuffix('.ipynb')}]({colab_url(name)})" for name in COLAB_NOTEBOOKS)
    return "\n".join([f"# {t['title'].format(models=' vs '.join(r.label for r in ctx.runs))}", "", t["course"], "",
                      header_markdown(ctx.header, ctx.language), "", f"**{t['colab']}:** {links}", "",
                      f"_{t['generated']}_"])


def data_section(ctx: ReportContext) -> str:
    """Data report counts, leakage (must be 0) and images per class and split from split.csv."""
    t = ctx.text
    lines = [f"## {t['data']}", ""]
    report = ctx.data_report
    if report is None:
        lines.append(t["data_missing"].format(workspace=ctx.workspace))
    else:
        rows = []
        for key in ("n_images", "blank_rows", "missing_files", "unreadable_files", "unlisted_files",
                    "duplicate_groups"):
            if key in report:
                rows.append((t[key], _count(report[key])))
        if isinstance(report.get("formats"), Mapping):
            rows.append((t["formats"], ", ".join(f"{k} {v}" for k, v in report["formats"].items())))
        leakage = report.get("val_with_duplicate_in_train")
        if leakage is not None:
            n = _count(leakage)
            rows.append((t["leakage"], t["leakage_ok" if n == 0 else "leakage_bad"].format(n=n)))
        lines.append(_markdown_table(pd.DataFrame(rows, columns=[t["item"], t["value"]])))
    lines.append("")
    if ctx.split is None:
        lines.append(t["split_missing"].format(workspace=ctx.workspace))
    else:
        counts = pd.crosstab(ctx.split["label"], ctx.split["split"], margins=True, margins_name=t["total"])
        ordered = [s for s in ("train", "val", "test") if s in counts.columns]
        counts = counts[ordered + [c for c in counts.columns if c not in ordered]]
        counts.index.name = t["class"]
        counts.columns.name = None
        lines.append(_markdown_table(counts.reset_index()))
    return "\n".join(lines)


def hyperparameter_section(ctx: ReportContext) -> str:
    """Every Config field of the compared runs, from their config.json."""
    t = ctx.text
    table = hyperparameter_table(ctx.runs)
    table.index.name = t["parameter"]
    return "\n".join([f"## {t['hyperparameters']}", "", t["hyperparameters_note"], "",
                      _markdown_table(table.reset_index())])


def results_section(ctx: ReportContext) -> str:
    """The metric comparison table (best and last epoch), marked when the runs are smoke/CPU runs, and a
    summary of each run."""
    t = ctx.text
    return "\n".join([f"## {t['results']}", "", t["results_note"], "", *_small_settings_note(ctx.runs, t),
                      comparison_markdown(ctx.runs, t), "", f"### {t['summary']}", "", summary_markdown(ctx.runs, t)])


def _small_settings_note(runs: Sequence[RunResult], t: dict[str, str]) -> list[str]:
    """The warning line (and a blank line) naming the runs with smoke/CPU settings; empty when there are none."""
    small = []
    for run in runs:
        size, epochs, device = run.config.get("image_size"), run.config.get("epochs"), run.metrics.get("device")
        if ((isinstance(size, (int, float)) and size < SMALL_IMAGE_SIZE)
                or (isinstance(epochs, (int, float)) and epochs < SMALL_EPOCHS)
                or str(device).split(":")[0] == "cpu"):
            small.append(f"{run.label}: image_size {size}, epochs {epochs}, device {device or '?'}")
    return [t["small_settings"].format(settings="; ".join(small)), ""] if small else []


def curves_section(ctx: ReportContext) -> str:
    """Overlaid curves of all compared runs, then each run's own curves."""
    t = ctx.text
    lines = [f"## {t['curves']}", "", t["curves_note"], "",
             ctx.figure(plots.compare_curves(ctx.runs), "curves_comparison", t["curves"])]
    for run in ctx.runs:
        lines += ["", ctx.figure(plots.training_curves(run), f"curves_{run.name}", f"{t['curves']} {run.label}")]
    return "\n".join(lines)


def confusion_section(ctx: ReportContext) -> str:
    """Counts and normalized confusion matrices of every compared run."""
    t = ctx.text
    lines = [f"## {t['confusion']}"]
    for run in ctx.runs:
        lines.append("")
        if run.predictions is None:
            lines.append(t["no_predictions"].format(run=run.label))
        else:
            lines.append(ctx.figure(plots.confusion_matrices(run), f"confusion_{run.name}",
                                    f"{t['confusion']} {run.label}"))
    return "\n".join(lines)


def per_class_section(ctx: ReportContext) -> str | None:
    """F1 per class of each run and the difference last-minus-first (needs finished runs)."""
    finished = [r for r in ctx.runs if r.predictions is not None]
    if len(finished) < 2:
        return None
    t = ctx.text
    table = f1_table(finished).rename(columns={
        "difference": t["f1_difference"].format(b=finished[-1].label, a=finished[0].label)})
    table.index.name = t["class"]
    figure = plots.f1_difference(finished[0], finished[-1])
    return "\n".join([f"## {t['per_class']}", "", _markdown_table(table.reset_index(), floatfmt=".3f"), "",
                      ctx.figure(figure, "f1_difference", t["per_class"])])


def extra_runs_section(ctx: ReportContext) -> str | None:
    """The additional runs next to the baseline (the last compared run): table, Config differences, curves."""
    if not ctx.extra_runs:
        return None
    t = ctx.text
    reference = ctx.runs[-1]
    group = [reference, *ctx.extra_runs]
    lines = [f"## {t['extra']}", "", t["extra_note"].format(reference=reference.label), "",
             comparison_markdown(group, t), "", summary_markdown(group, t)]
    differing = differing_hyperparameters(group, ignore=())
    if differing:
        table = hyperparameter_table(group).loc[differing]
        table.index.name = t["parameter"]
        lines += ["", f"### {t['extra_differences']}", "", _markdown_table(table.reset_index())]
    lines += ["", ctx.figure(plots.compare_curves(group), "curves_extra", f"{t['curves']} {t['extra']}"), ""]
    lines += [f"- {fact}" for fact in _comparison_facts(reference, ctx.extra_runs, t)]
    lines += _references(ctx.extra_runs, t)
    return "\n".join(lines)


def _references(runs: Sequence[RunResult], t: dict[str, str]) -> list[str]:
    """A "Referensi" list: one bullet per paper behind the runs' ``model_options``, naming the runs using it."""
    from kit.models import describe_options  # loads torch, so only when there are extra runs

    used: dict[str, list[str]] = {}
    problems = []
    for run in runs:
        try:
            options = describe_options(**(run.config.get("model_options") or {}))
        except (TypeError, ValueError) as error:
            problems.append(f"- {t['references_problem'].format(run=run.label, error=error)}")
            continue
        for _, row in options.iterrows():
            option, value = row["option"], row["value"]
            setting = option if option.split("=")[-1] == value else f"{option} {value}"  # "activation=mish" once
            used.setdefault(row["citation"], []).append(f"{run.label} ({setting})")
    if not used and not problems:
        return []
    return ["", f"### {t['references']}", "",
            *[f"- {citation} ({t['references_used_by']}: {', '.join(names)})" for citation, names in used.items()],
            *problems]


def analysis_section(ctx: ReportContext) -> str:
    """Measured facts as bullets, then the marked room for the group's own analysis (kept on regeneration)."""
    t = ctx.text
    facts = measured_facts(ctx.runs, ctx.data_report, ctx.language)
    return "\n".join([f"## {t['analysis']}", "", f"### {t['facts']}", "", *[f"- {f}" for f in facts], "",
                      f"### {t['own_analysis']}", "", "<!-- keep:analysis -->", t["own_analysis_placeholder"],
                      "<!-- /keep:analysis -->"])


def seeds_section(ctx: ReportContext) -> str | None:
    """Mean ± std over seeds of the compared runs (runs ``<name>-seed<N>``, ``kit.experiments.run_seeds``) and
    the seed-paired difference last-minus-first; absent when no seed runs exist."""
    t = ctx.text
    names = [run.name for run in ctx.runs]
    try:
        groups = {name: experiments.seed_runs(ctx.workspace, name) for name in names}
        if not any(groups.values()):
            return None
        best, last = (experiments.seed_summary(ctx.workspace, names, point=point, runs=groups)
                      for point in ("best", "last"))
    except ValueError as error:
        return "\n".join([f"## {t['seeds']}", "", t["seed_problem"].format(error=error)])
    last = last.set_index("name")
    rows = []
    for _, row in best.iterrows():
        end = last.loc[row["name"]]
        rows.append({t["model"]: row["label"], t["seeds_n"]: ", ".join(map(str, row["seeds"])) or "-",
                     f"Val acc ({t['best']})": experiments.format_mean_std(row["val_acc_mean"], row["val_acc_std"], "val_acc"),
                     f"Val acc ({t['last']})": experiments.format_mean_std(end["val_acc_mean"], end["val_acc_std"], "val_acc"),
                     f"Train loss ({t['last']})": experiments.format_mean_std(end["train_loss_mean"], end["train_loss_std"], "train_loss"),
                     t["seeds_per_seed"]: ", ".join(f"{s}: {_pct(v)}" for s, v in zip(row["seeds"],
                                                                                       row["val_acc_per_seed"]))})
    lines = [f"## {t['seeds']}", "", t["seeds_note"], "", _markdown_table(pd.DataFrame(rows)), ""]
    for _, row in best.iterrows():
        if row["unfinished"]:
            seeds = ", ".join(map(str, row["unfinished"]))
            lines.append("- " + t["seed_unfinished"].format(run=row["label"], seeds=seeds))
    if len(names) > 1 and {names[0], names[-1]} <= set(best["name"]):
        lines += [f"- {fact}" for fact in _seed_difference_facts(ctx, names[0], names[-1], groups)]
    figure = plots.seed_curves({run.label: groups[run.name] for run in ctx.runs if groups[run.name]})
    lines += ["", ctx.figure(figure, "seeds_val_acc", t["seeds"])]
    return "\n".join(lines)


def _seed_difference_facts(ctx: ReportContext, reference: str, other: str,
                           groups: experiments.SeedRuns) -> list[str]:
    """``other - reference`` paired by seed: val acc at the best and last epoch, final train loss; ``groups``
    holds the seed runs of both, already loaded."""
    t, a, b = ctx.text, display_name(reference), display_name(other)
    try:
        differences = {point: experiments.paired_difference(ctx.workspace, reference, other, "val_acc", point,
                                                            runs=groups)
                       for point in ("best", "last")}
        loss = experiments.paired_difference(ctx.workspace, reference, other, "train_loss", "last", runs=groups)
    except (ValueError, FileNotFoundError):
        return []  # no finished seed in common yet: the table above shows which seeds exist
    facts = []
    for point, d in differences.items():
        per_seed = ", ".join(f"{seed}: {d.format_value(value)}" for seed, value in zip(d.seeds, d.differences))
        facts.append(t["seed_difference" if d.n > 1 else "seed_difference_one"].format(
            a=a, b=b, point=t[point], mean=d.format_value(d.mean), std=d.format_value(d.std).lstrip("+"), n=d.n,
            values=per_seed))
    if differences["best"].differing_config:
        facts.append(t["fact_diff_config"].format(keys=", ".join(differences["best"].differing_config)))
    if loss.n > 1:
        facts.append(t["seed_difference_loss"].format(a=a, b=b, mean=loss.format_value(loss.mean),
                                                      std=loss.format_value(loss.std).lstrip("+"), n=loss.n))
    return facts


def gradient_flow_section(ctx: ReportContext) -> str | None:
    """Per-block gradient norms of the compared runs (figure and table); absent when no run recorded them."""
    from kit.diagnostics import gradient_flow_table, has_gradient_norms  # torch, as the confusion section loads

    recorded = [run for run in ctx.runs if has_gradient_norms(run)]
    if not recorded:
        return None
    t = ctx.text
    table = gradient_flow_table(recorded)
    shown = pd.DataFrame({t["model"]: table["run"], t["gradient_point"]: table["point"], "conv1": table["conv1"],
                          t["gradient_min"]: table["min_block"], t["gradient_max"]: table["max_block"],
                          "fc": table["fc"], "conv1/fc": table["stem_to_fc"]})
    return "\n".join([f"## {t['gradient_flow']}", "", t["gradient_flow_note"], "",
                      ctx.figure(plots.gradient_flow(recorded), "gradient_flow", t["gradient_flow"]), "",
                      _markdown_table(shown, floatfmt=".3g")])


def degradation_section(ctx: ReportContext) -> str | None:
    """Plain/ResNet 18 vs 34 under one Config beside He et al. (2016), Table 2, with the Fig. 4 analogue;
    absent until all four runs exist (``kit.experiments.degradation_runs``)."""
    if not experiments.has_degradation_runs(ctx.workspace):
        return None
    t = ctx.text
    try:
        runs = experiments.load_degradation_runs(ctx.workspace)
        table = experiments.degradation_table(ctx.workspace, runs=runs)
    except ValueError as error:
        return "\n".join([f"## {t['degradation']}", "", t["degradation_problem"].format(error=error)])
    shown = pd.DataFrame({t["model"]: table["label"], "Epoch": table["epoch"],
                          "Train loss": [f"{v:.4f}" for v in table["train_loss"]],
                          "Train acc": [f"{v:.2f}%" for v in table["train_acc_%"]],
                          "Val acc": [f"{v:.2f}%" for v in table["val_acc_%"]],
                          t["val_error"]: [f"{v:.2f}" for v in table["val_error_%"]],
                          t["paper_error"]: [f"{v:.2f}" for v in table["paper_top1_error_%"]]})
    lines = [f"## {t['degradation']}", "", t["degradation_note"].format(source=experiments.PAPER_SOURCE), "",
             _markdown_table(shown), ""]
    for _, row in experiments.depth_effect(table).iterrows():
        family = "Plain" if row["family"] == "plain" else "ResNet"
        lines.append("- " + t["degradation_fact"].format(
            family=family, dl=f"{row['train_loss']:+.4f}", dt=f"{row['train_acc_points']:+.2f}",
            dv=f"{row['val_acc_points']:+.2f}", dp=f"{row['paper_top1_error_points']:+.2f}"))
    lines += ["", ctx.figure(plots.degradation_curves(runs), "degradation_curves", t["degradation"])]
    return "\n".join(lines)


DEFAULT_SECTIONS: tuple[Section, ...] = (header_section, data_section, hyperparameter_section, results_section,
                                         seeds_section, curves_section, confusion_section, per_class_section,
                                         gradient_flow_section, degradation_section, extra_runs_section,
                                         analysis_section)
"""The report's sections in order; ``write_report(extra_sections=...)`` inserts more before the analysis.
Sections with nothing to show (no seed runs, no gradient norms, no degradation runs) leave no trace."""


# --- tables and facts, usable on their own (e.g. in the comparison notebook) ---------------------------------

def comparison_markdown(runs: Sequence[RunResult], text: dict[str, str] | None = None) -> str:
    """:func:`kit.runs.comparison_table` as a markdown table: accuracies in percent, losses to 4 decimals."""
    t = text or STRINGS["id"]
    table = comparison_table(runs)
    shown = pd.DataFrame({
        t["model"]: table["run"],
        t["point"]: [t[p] for p in table["point"]],
        "Epoch": table["epoch"],
        "Train acc": [_pct(v) for v in table["train_acc"]],
        "Val acc": [_pct(v) for v in table["val_acc"]],
        "Train loss": [f"{v:.4f}" for v in table["train_loss"]],
        "Val loss": [f"{v:.4f}" for v in table["val_loss"]],
    })
    return _markdown_table(shown)


def summary_markdown(runs: Sequence[RunResult], text: dict[str, str] | None = None) -> str:
    """:func:`kit.runs.run_summary_table` as a markdown table."""
    t = text or STRINGS["id"]
    table = run_summary_table(runs)
    epochs = []
    for _, row in table.iterrows():
        cell = f"{row['epochs_done']}/{row['epochs_planned']}"
        if row["stopped_early"]:
            cell += f" ({t['stopped_early']})"
        elif row["finished"] is False:
            cell += f" {t['unfinished']}"
        epochs.append(cell)
    shown = pd.DataFrame({
        t["model"]: table["run"],
        t["parameters"]: [f"{int(p):,}" if p is not None else "-" for p in table["parameters"]],
        t["epochs"]: epochs,
        t["device"]: table["device"], t["precision"]: table["precision"],
        t["time"]: [f"{s:.1f}" for s in table["train_seconds"]],
        t["speed"]: [f"{s:.0f}" for s in table["images_per_s"]],
    })
    return _markdown_table(shown)


def measured_facts(runs: Sequence[RunResult], data_report: Mapping[str, Any] | None = None,
                   language: str = "id") -> list[str]:
    """The analysis bullets: every number computed from the runs' files (and the data report)."""
    t = _strings(language)
    reference, others = runs[0], list(runs[1:])
    facts = _comparison_facts(reference, others, t)
    for run in runs:
        early = t["fact_early"] if run.metrics.get("stopped_early") else ""
        if not run.finished and not early:
            early = t["fact_unfinished"]
        facts.append(t["fact_epochs"].format(run=run.label, done=run.metrics.get("epochs_done", len(run.history)),
                                             planned=run.metrics.get("epochs_planned", "?"), early=early,
                                             best=run.metrics["best"]["epoch"]))
    gaps = ", ".join(f"{r.label} {_points(r.metrics['last']['train_acc'] - r.metrics['last']['val_acc'])} "
                     f"{t['points']}" for r in runs)
    facts.append(t["fact_gap"].format(gaps=gaps))
    if all(r.metrics.get("parameters") is not None for r in runs):
        facts.append(t["fact_params"].format(params=", ".join(f"{r.label} {int(r.metrics['parameters']):,}"
                                                              for r in runs)))
    if all("seconds" in r.history for r in runs):
        facts.append(t["fact_time"].format(times=", ".join(
            f"{r.label} {r.history['seconds'].sum():.1f} s ({r.metrics.get('device', '?')}, "
            f"{r.metrics.get('precision', '?')})" for r in runs)))
    if len(runs) > 1:
        differing = differing_hyperparameters(runs, ignore=("model",))
        facts.append(t["fact_diff_config"].format(keys=", ".join(differing)) if differing
                     else t["fact_same_config"])
    if data_report is not None and data_report.get("val_with_duplicate_in_train") is not None:
        n = _count(data_report["val_with_duplicate_in_train"])
        facts.append(t["fact_leakage_ok" if n == 0 else "fact_leakage_bad"].format(n=n))
    return facts


def _comparison_facts(reference: RunResult, others: Sequence[RunResult], t: dict[str, str]) -> list[str]:
    facts = []
    a, ma = reference.label, reference.metrics
    for other in others:
        b, mb = other.label, other.metrics
        for point, key in (("best", "fact_best"), ("last", "fact_last")):
            facts.append(t[key].format(a=a, b=b, va=_pct(ma[point]["val_acc"]), vb=_pct(mb[point]["val_acc"]),
                                       ea=ma[point]["epoch"], eb=mb[point]["epoch"],
                                       d=_points(mb[point]["val_acc"] - ma[point]["val_acc"])))
        la, lb = ma["last"]["train_loss"], mb["last"]["train_loss"]
        facts.append(t["fact_train_loss"].format(a=a, b=b, la=f"{la:.4f}", lb=f"{lb:.4f}", d=f"{lb - la:+.4f}"))
    return facts


# --- helpers ------------------------------------------------------------------------------------------------

def _strings(language: str) -> dict[str, str]:
    if language not in STRINGS:
        raise ValueError(f"language must be one of {sorted(STRINGS)}, got {language!r}")
    return STRINGS[language]


def _pct(fraction: float) -> str:
    return f"{100 * float(fraction):.2f}%"


def _points(fraction_difference: float) -> str:
    return f"{100 * float(fraction_difference):+.2f}"


def _count(value: Any) -> int:
    """Counts in data_report.json may be numbers or the lists/dicts of what was counted."""
    if isinstance(value, (list, tuple, dict)):
        return len(value)
    return int(value)


def _escape(cell: str) -> str:
    return str(cell).replace("|", "\\|")


def _markdown_table(frame: pd.DataFrame, floatfmt: str = "g") -> str:
    frame = frame.apply(lambda column: column.map(lambda v: _escape(v) if isinstance(v, str) else v))
    return frame.to_markdown(index=False, floatfmt=floatfmt, disable_numparse=floatfmt == "g")


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}): fix or delete it") from error


def _read_csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def _carry_keep_blocks(old: str, new: str) -> str:
    """Put the group's text from the old README's ``keep`` blocks into the new one, so regenerating the report
    never overwrites what the group wrote."""
    kept = {m.group("name"): m.group("body") for m in _KEEP_BLOCK.finditer(old)}

    def replace(match: re.Match[str]) -> str:
        body = kept.get(match.group("name"), match.group("body"))
        return f"<!-- keep:{match.group('name')} -->\n{body}<!-- /keep:{match.group('name')} -->"

    return _KEEP_BLOCK.sub(replace, new)


def _fingerprint(markdown: str) -> str:
    """sha256 of the report with the keep blocks emptied: it changes exactly when text outside them changes."""
    skeleton = _KEEP_BLOCK.sub(lambda m: f"<!-- keep:{m['name']} -->\n<!-- /keep:{m['name']} -->", markdown)
    return hashlib.sha256(skeleton.encode("utf-8")).hexdigest()


def _split_trailer(text: str) -> tuple[str, re.Match[str] | None]:
    """The README without its kit-report line, and that line's match (None when there is none)."""
    found = list(_TRAILER.finditer(text))
    if not found:
        return text, None
    last = found[-1]
    return text[:last.start()] + text[last.end():], last


def _loses_text(old: str, new: str) -> bool:
    """Whether writing ``new`` over ``old`` drops text the group wrote: edits outside the keep blocks (seen by the
    fingerprint; a README without one counts as edited unless identical) or a keep block ``new`` lacks."""
    body, trailer = _split_trailer(old)
    edited = body != new if trailer is None else _fingerprint(body) != trailer["sha256"]
    dropped = {m["name"] for m in _KEEP_BLOCK.finditer(old)} - {m["name"] for m in _KEEP_BLOCK.finditer(new)}
    return edited or bool(dropped)


def _backup(readme: Path) -> Path:
    """Copy ``readme`` to ``README.edited-<YYYYmmdd-HHMMSS>.md`` beside it, never over an earlier backup."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup, n = readme.with_name(f"{readme.stem}.edited-{stamp}{readme.suffix}"), 1
    while backup.exists():
        backup, n = readme.with_name(f"{readme.stem}.edited-{stamp}-{n}{readme.suffix}"), n + 1
    shutil.copy2(readme, backup)
    return backup
