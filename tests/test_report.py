"""kit.report: the submission README's numbers equal the run files, its images exist, its header is honest."""

import json
import re
import warnings
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from kit.links import colab_url  # noqa: E402
from kit.report import COLAB_NOTEBOOKS, STRINGS, ReportEditedWarning, header_markdown, write_report  # noqa: E402
from kit.runs import RunNotFoundError  # noqa: E402
from run_factory import write_run, write_workspace  # noqa: E402

HEADER = {"group_name": "Kelompok Rendang Pedas",
          "members": [("Ani Lestari", "122140001"), ("Budi Santoso", "122140002"), ("Citra Dewi", "122140003")]}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    workspace = write_workspace(tmp_path_factory.mktemp("workspace"))
    write_run(workspace / "runs", "resnet34_se", "resnet34", seed=7, model_options={"se": True})
    write_run(workspace / "runs", "resnet34_mish", "resnet34", seed=8, model_options={"activation": "mish"})
    write_run(workspace / "runs", "resnet34_se_mish", "resnet34", seed=9,
              model_options={"se": True, "activation": "mish"})
    return workspace


@pytest.fixture(scope="module")
def report(workspace, tmp_path_factory):
    """The default Indonesian report of plain34 vs resnet34, written once for the read-only checks."""
    return write_report(workspace, ["plain34", "resnet34"], header=HEADER, out_dir=tmp_path_factory.mktemp("r") / "report")


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
            assert int(row["Epoch"]) == metrics[point]["epoch"]
            for column, key in (("Train acc", "train_acc"), ("Val acc", "val_acc")):
                assert float(row[column].rstrip("%")) == pytest.approx(100 * metrics[point][key], abs=0.005 + 1e-9)
            for column, key in (("Train loss", "train_loss"), ("Val loss", "val_loss")):
                assert float(row[column]) == pytest.approx(metrics[point][key], abs=0.00005 + 1e-12)
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
    assert_rows_equal_metrics(table_with(results, "Val acc"), workspace, ["plain34", "resnet34"], "id")
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


def test_small_settings_are_marked_as_a_smoke_run(report, tmp_path):
    t = STRINGS["id"]
    results = section(report.read_text(encoding="utf-8"), t["results"])
    settings = "Plain-34: image_size 32, epochs 6, device cpu; ResNet-34: image_size 32, epochs 6, device cpu"
    assert t["small_settings"].format(settings=settings) in results
    assert results.index("⚠ Run ini memakai pengaturan kecil") < results.index("| Val acc")

    workspace = write_workspace(tmp_path / "ws")
    for name, seed in (("plain34", 1), ("resnet34", 2)):  # the course's settings on a GPU: no mark
        write_run(workspace / "runs", name, name, seed=seed, epochs=10, config_changes={"image_size": 224},
                  device="cuda")
    text = write_report(workspace, header=HEADER, language="en").read_text(encoding="utf-8")
    assert "⚠" not in section(text, STRINGS["en"]["results"])
    write_run(workspace / "runs", "resnet34", "resnet34", seed=2, epochs=10, config_changes={"image_size": 224})
    text = write_report(workspace, header=HEADER, language="en").read_text(encoding="utf-8")
    assert STRINGS["en"]["small_settings"].format(settings="ResNet-34: image_size 224, epochs 10, device cpu") \
        in section(text, STRINGS["en"]["results"])


def test_analysis_facts_are_computed_from_the_runs(workspace, report):
    text = report.read_text(encoding="utf-8")
    analysis = section(text, STRINGS["id"]["analysis"])
    plain, resnet = (json.loads((workspace / "runs" / n / "metrics.json").read_text()) for n in ("plain34", "resnet34"))
    difference = 100 * (resnet["best"]["val_acc"] - plain["best"]["val_acc"])
    expected = (f"ResNet-34 mencapai val acc terbaik {100 * resnet['best']['val_acc']:.2f}% (epoch "
                f"{resnet['best']['epoch']}) vs Plain-34 {100 * plain['best']['val_acc']:.2f}% (epoch "
                f"{plain['best']['epoch']}): selisih {difference:+.2f} poin.")
    assert f"- {expected}" in analysis
    assert f"{resnet['last']['train_loss']:.4f} vs Plain-34 {plain['last']['train_loss']:.4f}" in analysis
    gap = 100 * (plain["last"]["train_acc"] - plain["last"]["val_acc"])
    assert f"Plain-34 {gap:+.2f} poin" in analysis
    assert STRINGS["id"]["fact_same_config"] in analysis
    assert STRINGS["id"]["fact_leakage_ok"].format(n=0) in analysis


def test_english_report(workspace, tmp_path):
    text = write_report(workspace, header=HEADER, out_dir=tmp_path, language="en").read_text(encoding="utf-8")
    t = STRINGS["en"]
    assert f"\n## {t['results']}\n" in text and f"\n## {t['analysis']}\n" in text
    assert_rows_equal_metrics(table_with(section(text, t["results"]), "Val acc"), workspace,
                              ["plain34", "resnet34"], "en")
    assert STRINGS["id"]["analysis"] + "\n" not in text and "selisih" not in text
    with pytest.raises(ValueError, match="language"):
        write_report(workspace, header=HEADER, out_dir=tmp_path, language="fr")


@pytest.mark.parametrize("header", [
    None,
    {"group_name": "Kelompok X", "members": [("Nama Anggota 1", "1xxxxxxxx"), ("Nama Anggota 2", "1xxxxxxxx")]},
    SimpleNamespace(group_name="", members=[("Ani Lestari", ""), ("Budi Santoso", "122140002")]),
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


def test_complete_header_and_invalid_nim():
    t = STRINGS["id"]
    top = header_markdown(HEADER)
    assert [(r[t["member"]], r["NIM"]) for r in table_with(top, "NIM")] == HEADER["members"]
    assert t["unfilled"] not in top and t["header_incomplete"] not in top
    header = {"group_name": "Kelompok Rendang Pedas", "members": [("Ani Lestari", "12214000l")]}
    assert table_with(header_markdown(header), "NIM")[0]["NIM"] == f"12214000l {t['invalid_nim']}"
    with pytest.raises(ValueError, match="members"):
        header_markdown({"group_name": "Kelompok Rendang Pedas"})
    with pytest.raises(TypeError, match="group_name and members"):
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
    assert_rows_equal_metrics(table_with(extra, "Val acc"), workspace, ["resnet34", "resnet34_se", "resnet34_mish"],
                              "id")
    differences = {r[t["parameter"]]: r for r in table_with(extra, t["parameter"])}
    assert set(differences) == {"model_options"}
    assert differences["model_options"]["resnet34_se"] == '{"se": true}'
    assert colab_url("05_modifications.ipynb") in text
    assert_images_exist(readme)
    # the main comparison is untouched by the extra runs
    assert "resnet34_se" not in section(text, t["results"])


def test_extra_runs_cite_their_modifications(workspace, tmp_path):
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


def test_group_analysis_survives_regeneration(workspace, tmp_path):
    readme = write_report(workspace, header=HEADER, out_dir=tmp_path)
    placeholder = STRINGS["id"]["own_analysis_placeholder"]
    own = "Plain-34 lebih sulit dioptimasi daripada ResNet-34.\n\nDua paragraf, dengan | pipa.\n"
    readme.write_text(readme.read_text(encoding="utf-8").replace(placeholder + "\n", own), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportEditedWarning)  # an edit inside the keep block needs no backup
        text = write_report(workspace, header=HEADER, out_dir=tmp_path).read_text(encoding="utf-8")
    assert own in text and placeholder not in text
    assert list(tmp_path.glob("README.edited-*")) == []


def test_edits_outside_the_keep_blocks_are_backed_up(workspace, tmp_path):
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


def test_report_language_is_remembered(workspace, tmp_path):
    english = STRINGS["en"]["analysis"]
    write_report(workspace, header=HEADER, out_dir=tmp_path, language="en")
    text = write_report(workspace, header=HEADER, out_dir=tmp_path).read_text(encoding="utf-8")  # as 05 and 06 do
    assert f"\n## {english}\n" in text
    write_report(workspace, header=HEADER, out_dir=tmp_path, language="id")
    text = write_report(workspace, header=HEADER, out_dir=tmp_path).read_text(encoding="utf-8")
    assert f"\n## {STRINGS['id']['analysis']}\n" in text and f"\n## {english}\n" not in text


def test_header_is_read_from_the_workspace(tmp_path):
    from kit.header import Header

    workspace = write_workspace(tmp_path / "ws")
    header = Header(HEADER["group_name"], tuple(HEADER["members"]))
    (workspace / "header.json").write_text(json.dumps(header.to_dict(), indent=2))  # as kit.notebook.start saves it
    t = STRINGS["id"]
    top = write_report(workspace).read_text(encoding="utf-8").split("\n## ")[0]  # as `kit all` calls it
    assert [(r[t["member"]], r["NIM"]) for r in table_with(top, "NIM")] == HEADER["members"]
    assert f"**{t['group']}:** {HEADER['group_name']}" in top and t["header_incomplete"] not in top
    (workspace / "header.json").write_text(json.dumps({**header.to_dict(), "is_placeholder": True}))
    assert t["header_incomplete"] in write_report(workspace).read_text(encoding="utf-8").split("\n## ")[0]


def test_leakage_and_unfinished_runs_are_flagged(tmp_path):
    workspace = write_workspace(tmp_path / "ws", n_val=10, leakage=3)
    write_run(workspace / "runs", "resnet34", "resnet34", seed=2, epochs=6, epochs_done=4, n_val=10)
    (workspace / "runs/resnet34/predictions.csv").unlink()
    text = write_report(workspace, header=None).read_text(encoding="utf-8")
    t = STRINGS["id"]
    assert t["header_incomplete"] in text.split("\n## ")[0]
    assert t["leakage_bad"].format(n=3) in text and t["fact_leakage_bad"].format(n=3) in text
    assert t["no_predictions"].format(run="ResNet-34") in text
    assert f"4/6 {t['unfinished']}" in text
    assert f"\n## {t['per_class']}\n" not in text  # F1 needs both runs' predictions
    assert_images_exist(workspace / "report" / "README.md")


def test_more_sections_can_be_added(workspace, tmp_path):
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
