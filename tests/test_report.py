"""kit.report: the submission README's numbers equal the run files, its images exist and travel in report.zip,
its header is honest, it speaks one language and names its data."""

import json
import re
import warnings
import zipfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kit import numbers  # noqa: E402
from kit.header import Header, save_header  # noqa: E402
from kit.links import colab_url  # noqa: E402
from kit.report import (COLAB_NOTEBOOKS, ReportArchiveWarning, ReportEditedWarning, header_markdown,  # noqa: E402
                        write_report, zip_path)
from kit.runs import RunNotFoundError  # noqa: E402
from kit.text import LANGUAGES, table  # noqa: E402
from run_factory import write_run, write_workspace  # noqa: E402

STRINGS = {language: {**table("columns", language), **table("report", language)} for language in LANGUAGES}
"""The report's sentences and the table words it shares with kit.tables, per language."""

HEADER = {"group_name": "Kelompok Rendang Pedas",
          "members": [("Ani Lestari", "122140001"), ("Budi Santoso", "122140002"), ("Citra Dewi", "122140003")]}


def with_images(workspace: Path, **entries) -> Path:
    """Record in data_report.json where the images are (as kit.data.prepare does), plus any other entries."""
    report = json.loads((workspace / "data_report.json").read_text())
    report.update({"root": "data", "image_dir": "train", **entries})
    (workspace / "data_report.json").write_text(json.dumps(report, indent=2))
    return workspace


@pytest.fixture
def fast_figures(monkeypatch):
    """Every figure of kit.plots as a bare 1x1 Figure, for tests that read only the README's text: drawing and
    saving the real figures is most of a report's time. Tests of the images themselves do not use it."""
    from matplotlib.figure import Figure

    from kit import plots

    def bare(*args, **kwargs):
        return Figure(figsize=(1, 1))

    for name in ("training_curves", "compare_curves", "confusion_matrices", "f1_difference", "misclassified_grid",
                 "gradient_flow", "degradation_curves", "seed_curves"):
        monkeypatch.setattr(plots, name, bare)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    workspace = with_images(write_workspace(tmp_path_factory.mktemp("workspace")))
    write_run(workspace / "runs", "resnet34_se", "resnet34", seed=7, model_options={"se": True})
    write_run(workspace / "runs", "resnet34_mish", "resnet34", seed=8, model_options={"activation": "mish"})
    write_run(workspace / "runs", "resnet34_se_mish", "resnet34", seed=9,
              model_options={"se": True, "activation": "mish"})
    return workspace


@pytest.fixture(scope="module")
def report(workspace, tmp_path_factory):
    """The Indonesian report of plain34 vs resnet34, written once for the read-only checks."""
    return write_report(workspace, ["plain34", "resnet34"], header=HEADER, language="id",
                        out_dir=tmp_path_factory.mktemp("r") / "report")


@pytest.fixture(autouse=True)
def default_language(monkeypatch):
    """Each test starts in the kit's default language, whatever a test before it chose."""
    from kit.text import LANGUAGE_ENV, set_language

    monkeypatch.delenv(LANGUAGE_ENV, raising=False)
    set_language(None)
    yield
    set_language(None)


# --- a small markdown reader: tables, sections, image links ------------------------------------------------

def tables(markdown: str) -> list[list[list[str]]]:
    """Every pipe table as rows of cells (header row first, separator row dropped)."""
    found, current = [], []
    for line in markdown.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start:end if end != -1 else None]


def table_with(markdown: str, column: str) -> list[dict[str, str]]:
    table = next(t for t in tables(markdown) if column in t[0])
    return [dict(zip(table[0], row)) for row in table[1:]]


def image_links(markdown: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", markdown)


def assert_rows_equal_metrics(rows, workspace, run_names, language):
    t = STRINGS[language]
    labels = {"plain34": "Plain-34", "resnet34": "ResNet-34"}
    seen = 0
    for name in run_names:
        metrics = json.loads((workspace / "runs" / name / "metrics.json").read_text())
        for point in ("best", "last"):
            row = next(r for r in rows if r[t["model"]] == labels.get(name, name) and r[t["point"]] == t[point])
            assert int(row[t["epoch"]]) == metrics[point]["epoch"]
            for key in ("train_acc", "val_acc"):  # one decimal of a percent, as everywhere in the kit
                assert re.fullmatch(r"\d+\.\d%", row[t[key]])
                assert float(row[t[key]].rstrip("%")) == pytest.approx(100 * metrics[point][key], abs=0.05 + 1e-9)
            for key in ("train_loss", "val_loss"):
                assert float(row[t[key]]) == pytest.approx(metrics[point][key], abs=0.00005 + 1e-12)
            seen += 1
    assert seen == len(rows)


def assert_images_exist(readme):
    links = image_links(readme.read_text(encoding="utf-8"))
    assert links, "the report shows no figures"
    for link in links:
        assert (readme.parent / link).is_file(), link
    # and nothing stale: every image in images/ is one the README shows
    assert sorted(p.name for p in (readme.parent / "images").iterdir()) == sorted(l.split("/")[-1] for l in links)


# --- tests --------------------------------------------------------------------------------------------------

def test_report_numbers_equal_the_run_files(workspace, report):
    readme = report
    assert readme.name == "README.md" and readme.parent.name == "report"
    text = readme.read_text(encoding="utf-8")
    t = STRINGS["id"]

    results = section(text, t["results"])
    assert_rows_equal_metrics(table_with(results, t["val_acc"]), workspace, ["plain34", "resnet34"], "id")
    assert_images_exist(readme)

    # header: group name and every NIM, nothing marked unfilled
    header_rows = table_with(text, "NIM")
    assert [(r[t["member"]], r["NIM"]) for r in header_rows] == HEADER["members"]
    assert f"**{t['group']}:** {HEADER['group_name']}" in text
    assert t["unfilled"] not in text.split("## ")[0]

    # data: leakage from data_report.json, split counts from split.csv
    data_report = json.loads((workspace / "data_report.json").read_text())
    data = section(text, t["data"])
    items = {r[t["item"]]: r[t["value"]] for r in table_with(data, t["item"])}
    assert items[t["leakage"]] == t["leakage_ok"].format(n=data_report["val_with_duplicate_in_train"]) == "0 ✓"
    assert int(items[t["n_images"]]) == data_report["n_images"]
    totals = next(r for r in table_with(data, t["class"]) if r[t["class"]] == t["total"])
    assert int(totals["val"]) == 30 and int(totals[t["total"]]) == data_report["n_images"]

    # hyperparameters: straight from config.json
    config = json.loads((workspace / "runs/resnet34/config.json").read_text())
    hyper = {r[t["parameter"]]: r for r in table_with(section(text, t["hyperparameters"]), t["parameter"])}
    assert float(hyper["lr"]["ResNet-34"]) == config["lr"] and int(hyper["epochs"]["Plain-34"]) == config["epochs"]
    assert hyper["model"]["Plain-34"] == "plain34"

    assert colab_url("04_compare.ipynb") in text
    assert "<!-- keep:analysis -->" in text and t["own_analysis_placeholder"] in text


def test_colab_links_name_every_notebook_of_the_kit(report):
    notebooks = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
    assert list(COLAB_NOTEBOOKS) == notebooks and "06_degradation.ipynb" in notebooks
    header = report.read_text(encoding="utf-8").split("\n## ")[0]
    assert all(colab_url(name) in header for name in notebooks)  # 05 and 06 too, without extra runs


def test_small_settings_are_marked_as_a_smoke_run(report, tmp_path, fast_figures):
    t = STRINGS["id"]
    results = section(report.read_text(encoding="utf-8"), t["results"])
    settings = "Plain-34: image_size 32, epochs 6, device cpu; ResNet-34: image_size 32, epochs 6, device cpu"
    assert t["small_settings"].format(settings=settings) in results
    assert results.index("⚠ Run ini memakai pengaturan kecil") < results.index(f"| {t['model']}")

    workspace = write_workspace(tmp_path / "ws")
    for name, seed in (("plain34", 1), ("resnet34", 2)):  # the course's settings on a GPU: no mark
        write_run(workspace / "runs", name, name, seed=seed, epochs=10, config_changes={"image_size": 224},
                  device="cuda")
    text = write_report(workspace, header=HEADER, language="en").read_text(encoding="utf-8")
    assert "small settings" not in section(text, STRINGS["en"]["results"])
    write_run(workspace / "runs", "resnet34", "resnet34", seed=2, epochs=10, config_changes={"image_size": 224})
    text = write_report(workspace, header=HEADER, language="en").read_text(encoding="utf-8")
    assert STRINGS["en"]["small_settings"].format(settings="ResNet-34: image_size 224, epochs 10, device cpu") \
        in section(text, STRINGS["en"]["results"])


def test_analysis_facts_are_computed_from_the_runs(workspace, report):
    import numpy as np

    from kit.stats import accuracy_interval

    text = report.read_text(encoding="utf-8")
    analysis = section(text, STRINGS["id"]["analysis"])
    plain, resnet = (json.loads((workspace / "runs" / n / "metrics.json").read_text()) for n in ("plain34", "resnet34"))
    difference = 100 * (resnet["best"]["val_acc"] - plain["best"]["val_acc"])
    plain_interval, resnet_interval = (  # Wilson, over the 30 val images of run_factory's predictions.csv
        accuracy_interval(np.arange(30) < round(30 * m["best"]["val_acc"])) for m in (plain, resnet))
    expected = (f"Pada epoch terbaik, akurasi val ResNet-34 {100 * resnet['best']['val_acc']:.1f}% "
                f"[{numbers.percent(resnet_interval.low)}, {numbers.percent(resnet_interval.high)}] (epoch "
                f"{resnet['best']['epoch']}) vs Plain-34 {100 * plain['best']['val_acc']:.1f}% "
                f"[{numbers.percent(plain_interval.low)}, {numbers.percent(plain_interval.high)}] (epoch "
                f"{plain['best']['epoch']}): selisih {difference:+.1f} poin.")
    assert f"- {expected}" in analysis
    assert f"{resnet['last']['train_loss']:.4f} vs Plain-34 {plain['last']['train_loss']:.4f}" in analysis
    gap = 100 * (plain["last"]["train_acc"] - plain["last"]["val_acc"])
    assert f"Plain-34 {gap:+.1f} poin" in analysis
    assert STRINGS["id"]["fact_same_config"] in analysis
    assert STRINGS["id"]["fact_leakage_ok"].format(n=0) in analysis


def test_english_report(workspace, tmp_path, fast_figures):
    text = write_report(workspace, header=HEADER, out_dir=tmp_path, language="en").read_text(encoding="utf-8")
    t = STRINGS["en"]
    assert f"\n## {t['results']}\n" in text and f"\n## {t['analysis']}\n" in text
    assert_rows_equal_metrics(table_with(section(text, t["results"]), t["val_acc"]), workspace,
                              ["plain34", "resnet34"], "en")
    assert STRINGS["id"]["analysis"] + "\n" not in text and "selisih" not in text
    with pytest.raises(ValueError, match="language"):
        write_report(workspace, header=HEADER, out_dir=tmp_path, language="fr")


@pytest.mark.parametrize("header", [
    None,
    {"group_name": "Kelompok X", "members": [("Nama Anggota 1", "1xxxxxxxx"), ("Nama Anggota 2", "1xxxxxxxx")]},
    {"group_name": "", "members": [("Ani Lestari", ""), ("Budi Santoso", "122140002")]},
])
def test_unfilled_header_is_marked(header):
    t = STRINGS["id"]
    top = header_markdown(header)
    assert t["header_incomplete"] in top
    rows = table_with(top, "NIM")
    assert any(t["unfilled"] in r["NIM"] for r in rows)
    assert t["unfilled"] in top.split(f"**{t['group']}:**")[1].splitlines()[0]
    for row in rows:  # a NIM that is filled in is shown as it is, unmarked
        if row["NIM"].isdigit():
            assert row[t["member"]] == "Budi Santoso"


def test_complete_header_and_bad_headers():
    t = STRINGS["id"]
    top = header_markdown(HEADER)
    assert [(r[t["member"]], r["NIM"]) for r in table_with(top, "NIM")] == HEADER["members"]
    assert t["unfilled"] not in top and t["header_incomplete"] not in top
    # one header type: kit.header.Header validates a dict exactly as it validates the notebook's header cell
    with pytest.raises(ValueError, match="12214000l"):
        header_markdown({"group_name": "Kelompok Rendang Pedas", "members": [("Ani Lestari", "12214000l")]})
    with pytest.raises(ValueError, match="members"):
        header_markdown({"group_name": "Kelompok Rendang Pedas"})
    with pytest.raises(TypeError, match="kit.header.Header"):
        header_markdown(["Ani", "122140001"])


def test_kit_header_object_is_accepted():
    from kit import header as config

    header = config.Header(group_name=HEADER["group_name"], members=tuple(HEADER["members"]))
    top = header_markdown(header, language="en")
    assert [r["NIM"] for r in table_with(top, "NIM")] == [nim for _, nim in HEADER["members"]]
    assert STRINGS["en"]["header_incomplete"] not in top
    placeholder = config.Header(group_name=config.PLACEHOLDER_GROUP_NAME, members=config.PLACEHOLDER_MEMBERS)
    assert STRINGS["en"]["header_incomplete"] in header_markdown(placeholder, language="en")


def test_missing_run_names_the_notebook(workspace, tmp_path):
    with pytest.raises(RunNotFoundError, match=r"Run 'resnet50' not found in .*: run notebooks/05_modifications"):
        write_report(workspace, ["plain34", "resnet50"], header=HEADER, out_dir=tmp_path)
    empty = tmp_path / "empty_workspace"
    with pytest.raises(RunNotFoundError, match=r"Run 'plain34' not found in .*: run notebooks/02_plain34.ipynb first"):
        write_report(empty, header=HEADER)
    assert not (empty / "report").exists()


def test_extra_runs_section(workspace, tmp_path):
    readme = write_report(workspace, header=HEADER, out_dir=tmp_path, extra_runs=["resnet34_se", "resnet34_mish"])
    text = readme.read_text(encoding="utf-8")
    t = STRINGS["id"]
    extra = section(text, t["extra"])
    assert_rows_equal_metrics(table_with(extra, t["val_acc"]), workspace, ["resnet34", "resnet34_se", "resnet34_mish"],
                              "id")
    differences = {r[t["parameter"]]: r for r in table_with(extra, t["parameter"])}
    assert set(differences) == {"model_options"}
    assert differences["model_options"]["resnet34_se"] == '{"se": true}'
    assert colab_url("05_modifications.ipynb") in text
    assert_images_exist(readme)
    # the main comparison is untouched by the extra runs
    assert "resnet34_se" not in section(text, t["results"])


def test_extra_runs_cite_their_modifications(workspace, tmp_path, fast_figures):
    from kit.models import MODIFICATIONS

    names = ["resnet34_se", "resnet34_mish", "resnet34_se_mish"]
    for language, used_by in (("id", "dipakai oleh"), ("en", "used by")):
        readme = write_report(workspace, header=HEADER, out_dir=tmp_path / language, extra_runs=names,
                              language=language)
        t = STRINGS[language]
        extra = section(readme.read_text(encoding="utf-8"), t["extra"])
        references = extra.split(f"### {t['references']}\n\n")[1].split("\n\n")[0].splitlines()
        se, mish = MODIFICATIONS["se"].citation, MODIFICATIONS["activation=mish"].citation
        assert references == [f"- {se} ({used_by}: resnet34_se (se r=16), resnet34_se_mish (se r=16))",
                              f"- {mish} ({used_by}: resnet34_mish (activation=mish), "
                              "resnet34_se_mish (activation=mish))"]


def test_group_analysis_survives_regeneration(workspace, tmp_path, fast_figures):
    readme = write_report(workspace, header=HEADER, out_dir=tmp_path)
    placeholder = STRINGS["id"]["own_analysis_placeholder"]
    own = "Plain-34 lebih sulit dioptimasi daripada ResNet-34.\n\nDua paragraf, dengan | pipa.\n"
    readme.write_text(readme.read_text(encoding="utf-8").replace(placeholder + "\n", own), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportEditedWarning)  # an edit inside the keep block needs no backup
        text = write_report(workspace, header=HEADER, out_dir=tmp_path).read_text(encoding="utf-8")
    assert own in text and placeholder not in text
    assert list(tmp_path.glob("README.edited-*")) == []


def test_edits_outside_the_keep_blocks_are_backed_up(workspace, tmp_path, fast_figures):
    readme = write_report(workspace, header=HEADER, out_dir=tmp_path)
    placeholder = STRINGS["id"]["own_analysis_placeholder"]
    own = "Analisis kami: ResNet-34 konvergen lebih cepat.\n"
    outside = "Catatan di luar penanda: dosen minta tabel ini.\n"
    # the group's text, its closing marker deleted, and a note after the results heading
    edited = readme.read_text(encoding="utf-8").replace(placeholder + "\n<!-- /keep:analysis -->", own)
    edited = edited.replace(f"## {STRINGS['id']['results']}\n", f"## {STRINGS['id']['results']}\n{outside}")
    readme.write_text(edited, encoding="utf-8")
    with pytest.warns(ReportEditedWarning, match=r"README\.edited-\d{8}-\d{6}"):
        write_report(workspace, header=HEADER, out_dir=tmp_path)
    backups = list(tmp_path.glob("README.edited-*.md"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == edited
    assert re.fullmatch(r"README\.edited-\d{8}-\d{6}\.md", backups[0].name)
    new = readme.read_text(encoding="utf-8")
    assert outside not in new and placeholder in new and "<!-- /keep:analysis -->" in new

    # a README without the kit's fingerprint (written by hand or by an older kit) is kept unless identical
    unmarked = re.sub(r"<!-- kit-report: [^>]*-->\n", "", new)
    assert unmarked != new
    readme.write_text(unmarked, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportEditedWarning)
        write_report(workspace, header=HEADER, out_dir=tmp_path)
    readme.write_text(unmarked + "Tambahan.\n", encoding="utf-8")
    with pytest.warns(ReportEditedWarning):
        write_report(workspace, header=HEADER, out_dir=tmp_path)  # in the same second: a second, distinct backup
    assert sorted(p.read_text(encoding="utf-8") for p in tmp_path.glob("README.edited-*.md")) == \
        sorted([edited, unmarked + "Tambahan.\n"])


def test_report_language_is_remembered(workspace, tmp_path, fast_figures):
    english = STRINGS["en"]["analysis"]
    write_report(workspace, header=HEADER, out_dir=tmp_path, language="en")
    text = write_report(workspace, header=HEADER, out_dir=tmp_path).read_text(encoding="utf-8")  # as 05 and 06 do
    assert f"\n## {english}\n" in text
    write_report(workspace, header=HEADER, out_dir=tmp_path, language="id")
    text = write_report(workspace, header=HEADER, out_dir=tmp_path).read_text(encoding="utf-8")
    assert f"\n## {STRINGS['id']['analysis']}\n" in text and f"\n## {english}\n" not in text


def test_header_filled_once_reaches_the_report(tmp_path, fast_figures):
    workspace = write_workspace(tmp_path / "ws")
    save_header(Header(HEADER["group_name"], tuple(HEADER["members"])), workspace)  # as notebook 01 saves it
    t = STRINGS["id"]
    top = write_report(workspace).read_text(encoding="utf-8").split("\n## ")[0]  # as `kit all`, 05 and 06 call it
    assert [(r[t["member"]], r["NIM"]) for r in table_with(top, "NIM")] == HEADER["members"]
    assert f"**{t['group']}:** {HEADER['group_name']}" in top and t["header_incomplete"] not in top
    save_header(Header("Kelompok X", (("Ani Lestari", "1xxxxxxxx"),)), workspace)
    assert t["header_incomplete"] in write_report(workspace).read_text(encoding="utf-8").split("\n## ")[0]


def test_leakage_and_unfinished_runs_are_flagged(tmp_path, fast_figures):
    workspace = write_workspace(tmp_path / "ws", n_val=10, leakage=3)
    write_run(workspace / "runs", "resnet34", "resnet34", seed=2, epochs=6, epochs_done=4, n_val=10)
    (workspace / "runs/resnet34/predictions.csv").unlink()
    text = write_report(workspace, header=None).read_text(encoding="utf-8")
    t = STRINGS["id"]
    assert t["header_incomplete"] in text.split("\n## ")[0]
    assert t["leakage_bad"].format(n=3) in text and t["fact_leakage_bad"].format(n=3) in text
    assert t["no_predictions"].format(run="ResNet-34") in text
    assert f"4/6 {t['unfinished']}" in text
    per_class = section(text, t["per_class"])  # Plain-34's scores; ResNet-34 is named as unfinished, no F1 pair
    assert t["no_predictions"].format(run="ResNet-34") in per_class and "### F1" not in per_class
    assert_images_exist(workspace / "report" / "README.md")


def test_more_sections_can_be_added(workspace, tmp_path, fast_figures):
    def gradient_section(ctx):
        return "## Aliran gradien\n\n" + ", ".join(r.label for r in ctx.runs)

    text = write_report(workspace, header=HEADER, out_dir=tmp_path, extra_sections=[gradient_section]).read_text()
    assert "## Aliran gradien\n\nPlain-34, ResNet-34" in text
    assert text.index("## Aliran gradien") < text.index(f"## {STRINGS['id']['analysis']}")


def test_notebook_warnings_and_report_marks_agree_on_placeholders():
    from kit.header import Header

    for template in ("TODO", "Member 1", "<nama>"):
        header = Header("Kelompok 7", ((template, "<NIM>"),))
        assert len(header.warnings) == 2  # the notebook warns about the name and the NIM ...
        table = table_with(header_markdown(header), "NIM")[0]
        assert STRINGS["id"]["unfilled"] in table["Nama"] and STRINGS["id"]["unfilled"] in table["NIM"]  # ... the report marks both


# --- one language, the submission zip, the data named, what a lecturer expects ------------------------------

def _literal_pieces(templates) -> set[str]:
    """The fixed text of sentence templates (the parts between their {fields}), long enough to be telling."""
    pieces = set()
    for template in templates:
        for piece in re.split(r"\{[^}]*\}", template):
            piece = piece.strip(" .,:;()*_`>-⚠")
            if len(piece) >= 10:
                pieces.add(piece)
    return pieces


def test_each_language_speaks_only_itself(workspace, tmp_path, fast_figures):
    texts = {language: write_report(workspace, header={"group_name": "Rendang Pedas", "members": HEADER["members"]},
                                    out_dir=tmp_path / language / "report", language=language,
                                    extra_runs=["resnet34_se", "resnet34_mish"]).read_text(encoding="utf-8")
             for language in LANGUAGES}
    for language, other in (("id", "en"), ("en", "id")):
        own = STRINGS[language]
        assert f"\n## {own['results']}\n" in texts[language] and f"\n## {own['method']}\n" in texts[language]
        foreign = _literal_pieces(STRINGS[other].values()) - _literal_pieces(own.values())
        assert len(foreign) > 50  # the check has teeth: most sentences differ between the languages
        words = re.sub(r"\]\([^)]*\)", "]", texts[language])  # image file names are not sentences
        leaked = sorted(piece for piece in foreign if re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", words))
        assert leaked == [], f"{other} text in the {language} report: {leaked}"
        headings = re.findall(r"^#+ (.+)$", texts[language], flags=re.MULTILINE)
        other_headings = {STRINGS[other][k] for k in STRINGS[other]} - {own[k] for k in own}
        assert not set(headings) & other_headings


def test_zip_holds_the_readme_and_every_image_it_shows(workspace, tmp_path, fast_figures):
    out_dir = tmp_path / "report"
    readme = write_report(workspace, header=HEADER, out_dir=out_dir)
    archive = zip_path(out_dir)
    assert archive == tmp_path / "report.zip"  # <workspace>/report.zip for the default <workspace>/report
    links = image_links(readme.read_text(encoding="utf-8"))
    with zipfile.ZipFile(archive) as packed:
        assert sorted(packed.namelist()) == sorted(["README.md", *links])
        assert packed.read("README.md") == readme.read_bytes()
        for link in links:
            assert packed.read(link) == (out_dir / link).read_bytes()

    # the group's own image in its analysis travels too; a missing one is named, not silently dropped
    own = "Grafik kami:\n\n![grafik](images/our_plot.png)\n\n![hilang](images/missing.png)\n"
    (out_dir / "images" / "our_plot.png").write_bytes((out_dir / links[0]).read_bytes())
    placeholder = STRINGS["id"]["own_analysis_placeholder"]
    readme.write_text(readme.read_text(encoding="utf-8").replace(placeholder + "\n", own), encoding="utf-8")
    with pytest.warns(ReportArchiveWarning, match="images/missing.png"):
        write_report(workspace, header=HEADER, out_dir=out_dir)
    with zipfile.ZipFile(archive) as packed:
        assert "images/our_plot.png" in packed.namelist() and "images/missing.png" not in packed.namelist()
    assert not list(tmp_path.glob(".report.zip.*"))  # written through a temporary file, none left behind


@pytest.mark.parametrize("entries", [{"synthetic": True, "source": "synthetic"},
                                     {"source": {"kind": "synthetic", "path": None}}])
def test_a_smoke_report_on_synthetic_data_says_so(tmp_path, entries, fast_figures):
    workspace = with_images(write_workspace(tmp_path / "ws"), **entries)
    text = write_report(workspace, header=HEADER).read_text(encoding="utf-8")
    top = text.split("\n## ")[0]
    assert "data sintetis" in top.lower() and "bukan hasil" in top  # before any number, in the header
    assert STRINGS["id"]["source_synthetic"] in section(text, STRINGS["id"]["data"])
    english = write_report(workspace, header=HEADER, out_dir=tmp_path / "en", language="en").read_text()
    assert "synthetic data" in english.split("\n## ")[0].lower() and "not results" in english


def test_the_course_zip_is_named_with_size_and_checksum(tmp_path, fast_figures):
    source = {"kind": "course zip", "url": "https://drive.google.com/uc?id=1abc",  # as kit.data.prepare records it
              "zip": "/content/data/IF25-4041-dataset.zip", "bytes": 52_428_800, "sha256": "ab" * 32,
              "damaged_members": []}
    workspace = with_images(write_workspace(tmp_path / "ws"), source=source, synthetic=False)
    data = section(write_report(workspace, header=HEADER).read_text(encoding="utf-8"), STRINGS["id"]["data"])
    line = next(line for line in data.splitlines() if line.startswith(f"**{STRINGS['id']['source']}:**"))
    assert STRINGS["id"]["source_course_zip"].format(name="IF25-4041-dataset.zip") in line
    assert "52.4 MB" in line and f"sha256 `{'ab' * 32}`" in line and "drive.google.com" in line
    assert "sintetis" not in data.lower()
    folder = with_images(write_workspace(tmp_path / "ws2"), source={"kind": "folder", "path": "/data/course"})
    assert "folder `/data/course`" in write_report(folder, header=HEADER).read_text(encoding="utf-8")


def test_per_class_precision_recall_f1_equal_the_predictions(workspace, report):
    from sklearn.metrics import precision_recall_fscore_support

    t = STRINGS["id"]
    per_class = section(report.read_text(encoding="utf-8"), t["per_class"])
    predictions = pd.read_csv(workspace / "runs/plain34/predictions.csv")
    classes = [c[2:] for c in predictions.columns if c.startswith("p_")]
    precision, recall, f1, support = precision_recall_fscore_support(
        predictions["label"], predictions["prediction"], labels=classes, zero_division=0)
    plain = per_class.split("### Plain-34\n")[1]
    rows = {r[t["class"]]: r for r in table_with(plain, t["precision"])}
    for i, name in enumerate(classes):
        assert [rows[name][t[k]] for k in ("precision", "recall", "f1")] == \
            [numbers.f1(precision[i]), numbers.f1(recall[i]), numbers.f1(f1[i])]
        assert int(rows[name][t["support"]]) == support[i]
    assert rows[t["macro_avg"]][t["f1"]] == numbers.f1(f1.mean())


def test_misclassified_examples_come_from_the_runs_data_or_are_skipped_with_a_line(workspace, report, tmp_path,
                                                                                   fast_figures):
    t = STRINGS["id"]
    shown = section(report.read_text(encoding="utf-8"), t["misclassified"])
    for name in ("plain34", "resnet34"):
        assert f"](images/misclassified_{name}.png)" in shown
        assert (report.parent / "images" / f"misclassified_{name}.png").is_file()

    bare = write_workspace(tmp_path / "bare")  # data_report.json without the image folder
    text = section(write_report(bare, header=HEADER).read_text(encoding="utf-8"), t["misclassified"])
    assert t["misclassified_no_data"].format(run="Plain-34") in text and "](images/" not in text

    other = with_images(write_workspace(tmp_path / "other"))  # Plain-34 predicted images split.csv lacks
    predictions = pd.read_csv(other / "runs/plain34/predictions.csv")
    predictions.assign(filename="x" + predictions["filename"]).to_csv(other / "runs/plain34/predictions.csv",
                                                                      index=False)
    text = section(write_report(other, header=HEADER).read_text(encoding="utf-8"), t["misclassified"])
    assert t["misclassified_other_data"].format(run="Plain-34") in text
    assert "](images/misclassified_resnet34.png)" in text  # the run trained on the workspace's data is shown

    moved = with_images(write_workspace(tmp_path / "moved"), root="/nowhere")
    text = section(write_report(moved, header=HEADER).read_text(encoding="utf-8"), t["misclassified"])
    assert t["misclassified_no_images"].format(run="ResNet-34", folder=Path("/nowhere/train")) in text


def test_method_section_reads_table_1_and_the_parameter_counts(workspace, report):
    t = STRINGS["id"]
    method = section(report.read_text(encoding="utf-8"), t["method"])
    rows = {r[t["model"]]: r for r in table_with(method, t["method_stages"])}
    plain, resnet = (json.loads((workspace / "runs" / n / "metrics.json").read_text())["parameters"]
                     for n in ("plain34", "resnet34"))
    assert rows["Plain-34"][t["method_stages"]] == rows["ResNet-34"][t["method_stages"]] == "[3, 4, 6, 3]"
    assert rows["Plain-34"][t["parameters"]] == numbers.count(plain)
    assert rows["ResNet-34"][t["method_shortcut"]] == t["shortcut_identity"]
    assert rows["Plain-34"][t["method_shortcut"]] == t["shortcut_none"]
    assert t["method_difference"].format(plain="Plain-34", resnet="ResNet-34",
                                         difference=numbers.count(resnet - plain)) in method


def test_references_cite_the_paper_and_the_settings_used(workspace, tmp_path, fast_figures):
    from kit.models import MODIFICATIONS

    text = write_report(workspace, header=HEADER, out_dir=tmp_path / "r", language="en",
                        extra_runs=["resnet34_se"]).read_text(encoding="utf-8")
    references = section(text, STRINGS["en"]["references"])
    entries = re.findall(r"^\d+\. (.+)$", references, flags=re.MULTILINE)
    assert entries[0].startswith("He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep Residual Learning")
    assert any("Decoupled Weight Decay" in e for e in entries)  # the runs' optimizer is AdamW
    assert any("SGDR" in e for e in entries) and any("Rethinking the Inception" in e for e in entries)
    assert MODIFICATIONS["se"].citation in entries and len(entries) == len(set(entries))
    assert text.rstrip().split("\n## ")[-1].startswith(STRINGS["en"]["references"])  # the report's last section


def test_best_is_defined_by_the_runs_monitor(tmp_path, fast_figures):
    t = STRINGS["en"]
    workspace = with_images(write_workspace(tmp_path / "ws"))
    for name in ("plain34", "resnet34"):  # metrics.json's best = the epoch of lowest val loss, as the monitor says
        run_dir = workspace / "runs" / name
        history = pd.read_csv(run_dir / "history.csv")
        row = history.loc[history["val_loss"].idxmin()]
        metrics = json.loads((run_dir / "metrics.json").read_text())
        metrics["best"] = {k: (int(row[k]) if k == "epoch" else float(row[k]))
                           for k in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")}
        (run_dir / "metrics.json").write_text(json.dumps(metrics))
    results = section(write_report(workspace, header=HEADER, language="en").read_text(), t["results"])
    assert t["results_note"].format(criterion=t["criterion_val_loss"], monitor="val_loss") in results
    assert "was chosen by" not in results  # no mismatch warning

    write_run(workspace / "runs", "resnet34", "resnet34", seed=3, epochs=12)  # best = highest val acc again
    history = pd.read_csv(workspace / "runs/resnet34/history.csv")
    assert history["val_loss"].idxmin() != history["val_acc"].idxmax()  # this seed tells the two rules apart
    results = section(write_report(workspace, header=HEADER, language="en").read_text(), t["results"])
    assert t["best_mismatch"].format(runs="ResNet-34", criterion=t["criterion_val_acc"],
                                     monitor="val_loss") in results


def prepared_workspace(workspace: Path, runs=(("plain34", 1), ("resnet34", 2))) -> Path:
    """kit.data.prepare's synthetic stand-in, and run_factory runs whose predictions.csv name its val images."""
    from kit.data import prepare

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the stand-in carries the course's defects on purpose (blank rows ...)
        prepare("synthetic", workspace)
    val = pd.read_csv(workspace / "split.csv").query("split == 'val'").reset_index(drop=True)
    for name, seed in runs:
        run_dir = write_run(workspace / "runs", name, name, seed=seed, n_val=len(val))
        predictions = pd.read_csv(run_dir / "predictions.csv")
        predictions["filename"], predictions["label"] = val["filename"], val["label"]
        predictions["correct"] = predictions["label"] == predictions["prediction"]
        predictions.to_csv(run_dir / "predictions.csv", index=False)
    return workspace


def test_smoke_report_on_data_prepared_by_the_kit(tmp_path):
    """End to end with kit.data.prepare's synthetic stand-in: the report names it as synthetic data and finds the
    validation images where data_report.json says they are (root + image_dir, as the data layer writes them)."""
    workspace = prepared_workspace(tmp_path / "ws")
    for name in ("plain34", "resnet34"):  # fit records its batches' fingerprint (data, split and augmentation)
        metrics = json.loads((workspace / "runs" / name / "metrics.json").read_text())
        (workspace / "runs" / name / "metrics.json").write_text(json.dumps({**metrics, "data": "b5f992a60cf26a7e"}))
    readme = write_report(workspace, header=HEADER)
    text = readme.read_text(encoding="utf-8")
    assert "data sintetis" in text.split("\n## ")[0].lower()
    shown = section(text, STRINGS["id"]["misclassified"])
    assert "](images/misclassified_plain34.png)" in shown and "⚠" not in shown
    with zipfile.ZipFile(zip_path(readme.parent)) as packed:
        assert "images/misclassified_plain34.png" in packed.namelist()


def test_comparisons_say_how_sure_the_difference_is(workspace, report, tmp_path, fast_figures):
    from kit.comparisons import format_pvalue
    from kit.stats import accuracy_interval, mcnemar

    t, stats = STRINGS["id"], table("stats", "id")
    results = section(report.read_text(encoding="utf-8"), t["results"])
    assert f"### {t['uncertainty']}" in results
    row = table_with(results, stats["mcnemar_p"])[0]
    plain, resnet = (pd.read_csv(workspace / "runs" / n / "predictions.csv").set_index("filename")
                     for n in ("plain34", "resnet34"))
    correct_plain = (plain["label"] == plain["prediction"]).to_numpy()
    correct_resnet = (resnet.loc[plain.index, "label"] == resnet.loc[plain.index, "prediction"]).to_numpy()
    interval = accuracy_interval(correct_plain)
    assert row[stats["accuracy_a"]] == (f"{numbers.percent(interval.estimate)} [{numbers.percent(interval.low)}, "
                                        f"{numbers.percent(interval.high)}]")
    assert row[stats["mcnemar_p"]] == format_pvalue(mcnemar(correct_plain, correct_resnet).pvalue)
    assert "McNemar p = " in results.split(f"### {t['summary']}")[0]  # the verdict, in words
    references = section(report.read_text(encoding="utf-8"), t["references"])
    assert "McNemar, Q. (1947)" in references and "Dietterich, T. G. (1998)" in references

    extra = section(write_report(workspace, header=HEADER, out_dir=tmp_path / "r", extra_runs=["resnet34_se"])
                    .read_text(encoding="utf-8"), t["extra"])
    assert [r[stats["model_b"]] for r in table_with(extra, stats["mcnemar_p"])] == ["resnet34_se"]

    other = with_images(write_workspace(tmp_path / "other"))  # ResNet-34 evaluated on other val images
    predictions = pd.read_csv(other / "runs/resnet34/predictions.csv")
    predictions.assign(filename="x" + predictions["filename"]).to_csv(other / "runs/resnet34/predictions.csv",
                                                                      index=False)
    results = section(write_report(other, header=HEADER).read_text(encoding="utf-8"), t["results"])
    assert t["uncertainty_problem"].format(a="Plain-34", b="ResNet-34", error="") in results
    assert stats["mcnemar_p"] not in results


def test_the_language_the_group_chose_is_the_reports(workspace, tmp_path, fast_figures):
    from kit.language import save_language

    chosen = write_workspace(tmp_path / "ws")
    save_language(chosen, "en")  # start(..., language="en") in any notebook, as `kit all` finds it later
    assert f"\n## {STRINGS['en']['results']}\n" in write_report(chosen, header=HEADER).read_text(encoding="utf-8")
    text = write_report(chosen, header=HEADER, language="id").read_text(encoding="utf-8")  # said here: wins
    assert f"\n## {STRINGS['id']['results']}\n" in text
    # The README now says Indonesian, yet the group's saved choice comes before the language of an old README.
    again = write_report(chosen, header=HEADER).read_text(encoding="utf-8")
    assert f"\n## {STRINGS['en']['results']}\n" in again and "language=en -->" in again


def test_the_zip_takes_html_images_too_and_refuses_paths_outside_the_report(tmp_path):
    from kit.report import write_zip

    folder = tmp_path / "report"
    (folder / "images").mkdir(parents=True)
    for name in ("a.png", "b.png"):
        (folder / "images" / name).write_bytes(b"\x89PNG " + name.encode())
    (tmp_path / "outside.png").write_bytes(b"\x89PNG outside")
    readme = folder / "README.md"
    readme.write_text('![a](images/a.png)\n<img src="images/b.png" width="300">\n![web](https://x.org/c.png)\n'
                      "![again](images/a.png)\n![up](../outside.png)\n", encoding="utf-8")
    with pytest.warns(ReportArchiveWarning, match=r"\.\./outside\.png"):
        archive = write_zip(readme)
    with zipfile.ZipFile(archive) as packed:
        assert sorted(packed.namelist()) == ["README.md", "images/a.png", "images/b.png"]


def test_the_report_shows_where_finished_runs_look(tmp_path, fast_figures):
    """A finished run has a best.pt: the report's Grad-CAM section shows the maps of both runs on the same val
    images, and the image travels in report.zip. Without best.pt the section says why instead."""
    import torch

    from kit.models import build_model

    workspace = prepared_workspace(tmp_path / "ws", runs=(("plain18", 1), ("resnet18", 2)))
    for name, seed in (("plain18", 1), ("resnet18", 2)):  # random weights: the maps, not their meaning, are tested
        torch.manual_seed(seed)
        run_dir = workspace / "runs" / name
        torch.save({"epoch": 6, "model": build_model(name, 5).state_dict(),
                    "config": json.loads((run_dir / "config.json").read_text())}, run_dir / "best.pt")
    t = table("explain", "en")
    readme = write_report(workspace, ["plain18", "resnet18"], header=HEADER, language="en")
    shown = section(readme.read_text(encoding="utf-8"), t["title"])
    assert image_links(shown) == ["images/gradcam.png"]
    assert (readme.parent / "images" / "gradcam.png").stat().st_size > 1000
    with zipfile.ZipFile(zip_path(readme.parent)) as packed:
        assert "images/gradcam.png" in packed.namelist()

    (workspace / "runs" / "plain18" / "best.pt").unlink()
    readme = write_report(workspace, ["plain18", "resnet18"], header=HEADER, language="en", out_dir=tmp_path / "b")
    shown = section(readme.read_text(encoding="utf-8"), t["title"])
    assert not image_links(shown) and "best.pt" in shown


def test_depth_and_seed_comparisons_say_how_sure_they_are(tmp_path, fast_figures):
    from kit.comparisons import compare_runs, format_pvalue
    from kit.experiments import paired_difference
    from kit.stats import summarize_differences

    workspace = write_workspace(tmp_path / "ws")
    for model, seed in (("plain18", 3), ("resnet18", 4)):
        write_run(workspace / "runs", model, model, seed=seed)
    for name, accuracy in (("plain34", 0.4), ("resnet34", 0.7)):
        for seed in (1, 2):
            write_run(workspace / "runs", f"{name}-seed{seed}", name, seed=7 * seed + len(name), accuracy=accuracy,
                      config_changes={"seed": seed})
    t, stats = STRINGS["en"], table("stats", "en")
    text = write_report(workspace, header=HEADER, language="en").read_text(encoding="utf-8")

    results = section(text, t["results"])
    assert all(re.fullmatch(r"\[\d+\.\d%, \d+\.\d%\]", row[t["val_acc_interval"]])
               for row in table_with(results, t["val_acc"]))

    depth = section(text, t["degradation"])
    rows = table_with(depth, stats["mcnemar_p"])
    assert [(r[stats["model_a"]], r[stats["model_b"]]) for r in rows] == [("Plain-18", "Plain-34"),
                                                                           ("ResNet-18", "ResNet-34")]
    for row, (a, b) in zip(rows, (("plain18", "plain34"), ("resnet18", "resnet34"))):
        comparison = compare_runs(a, b, workspace)
        assert row[stats["mcnemar_p"]] == format_pvalue(comparison.mcnemar.pvalue)
        assert f"- {comparison.verdict('en')}" in depth
    assert all(re.fullmatch(r"\[\d+\.\d%, \d+\.\d%\]", row[t["val_acc_interval"]])
               for row in table_with(depth, t["paper_error"]))

    seeds = section(text, t["seeds"])
    difference = paired_difference(workspace, "plain34", "resnet34", "val_acc", "best")
    summary = summarize_differences(difference.differences)
    assert (f"95% t interval of the mean paired difference {numbers.points(summary.low)} to "
            f"{numbers.points(summary.high)} points, paired t-test p = {format_pvalue(summary.pvalue)}") in seeds


def test_fold_runs_get_their_own_section_with_the_corrected_interval(tmp_path, fast_figures):
    from kit.cross_validation import fold_comparison, fold_run_name

    workspace = write_workspace(tmp_path / "ws")
    heading = "\n## " + STRINGS["en"]["folds"].format(k=3) + "\n"
    assert heading not in write_report(workspace, header=HEADER, language="en").read_text(encoding="utf-8")
    split = pd.read_csv(workspace / "split.csv")
    split.assign(fold=split.index % 3).to_csv(workspace / "split.csv", index=False)
    for fold in range(3):
        for model, accuracy in (("plain34", 0.4), ("resnet34", 0.7)):
            write_run(workspace / "runs", fold_run_name(model, fold), model, seed=5 * fold + len(model),
                      accuracy=accuracy)
    text = write_report(workspace, header=HEADER, language="en").read_text(encoding="utf-8")
    folds = section(text, STRINGS["en"]["folds"].format(k=3))
    expected = fold_comparison(workspace, "plain34", "resnet34", folds=3)
    assert f"- {expected.describe('en')}" in folds and "Nadeau-Bengio corrected 95% interval" in folds
    rows = table_with(folds, "Fold")
    assert [r["Fold"] for r in rows] == ["0", "1", "2"]
    assert [r["ResNet-34"] for r in rows] == [numbers.percent(v) for v in expected.table["other"]]
