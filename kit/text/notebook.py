"""What the notebook session says (``kit.notebook``, ``kit.env``, ``kit.language``, ``kit.warnings_display``)."""

STRINGS = {
    "id": {
        "warning_line": "⚠ {message}",
        "workspace": "workspace: `{path}`",
        "language": "bahasa: Indonesia (ganti: `start(GROUP_NAME, MEMBERS, language=\"en\")`)",
        "smoke": "**smoke mode** (gambar kecil, 2 epoch: hanya memeriksa bahwa semuanya berjalan)",
        "gpu": "GPU: {name} ({memory} GiB)",
        "gpu_mps": "GPU: Apple MPS",
        "no_gpu_colab": "Tidak ada GPU. Di Colab pilih Runtime → Change runtime type → T4 GPU, lalu jalankan ulang "
                        "notebook dari atas (training di CPU memakan waktu berjam-jam).",
        "no_gpu_local": "Tidak ada GPU: berjalan di CPU (cukup untuk smoke run; training penuh butuh GPU).",
        "drive_failed": "Google Drive tidak dapat di-mount ({problem}). Jalankan ulang sel ini dan izinkan akses "
                        "ke Google Drive saat diminta: tanpa Drive, run dan split.csv hilang saat VM Colab terputus.",
        "language_file_broken": "{path} tidak dapat dibaca ({problem}). Hapus berkas itu lalu jalankan ulang "
                                "sel `start(...)`.",
        "experiment_conflict": "{path} sudah menetapkan hyperparameter eksperimen, dan notebook ini meminta nilai "
                               "lain ({changes}). Run yang dibandingkan di laporan harus memakai satu Config yang "
                               "sama: tetapkan hyperparameter di notebook pertama (01_data) dan panggil "
                               "session.experiment() tanpa argumen di notebook lain; atau hapus {file} dan run di "
                               "{runs} untuk mulai dari awal.",
        "experiment_change": "{name}: tersimpan {saved!r}, diminta {asked!r}",
        "missing_split": "Belum ada split.csv di {workspace}: jalankan dulu notebooks/01_data.ipynb (dengan "
                         "workspace yang sama).",
        "submit": "**Yang dikumpulkan: satu berkas, `report.zip`** ({size}), di `{path}`. Isinya `README.md` "
                  "(laporan, dengan analisis kelompok di antara penanda `<!-- keep:analysis -->`) dan gambarnya "
                  "di `images/`.",
        "submit_missing": "Belum ada {path}: jalankan dulu sel `write_report(...)` di atas.",
        "submit_downloading": "Colab mengunduh berkas itu ke komputer Anda (izinkan unduhan bila browser "
                              "bertanya); salinannya tetap ada di Google Drive.",
        "submit_download_failed": "Unduhan otomatis gagal ({problem}): ambil `report.zip` dari panel Files di kiri "
                                  "atau dari Google Drive.",
    },
    "en": {
        "warning_line": "⚠ {message}",
        "workspace": "workspace: `{path}`",
        "language": "language: English (back to Indonesian: `start(GROUP_NAME, MEMBERS, language=\"id\")`)",
        "smoke": "**smoke mode** (small images, 2 epochs: a check that everything runs)",
        "gpu": "GPU: {name} ({memory} GiB)",
        "gpu_mps": "GPU: Apple MPS",
        "no_gpu_colab": "No GPU. In Colab choose Runtime → Change runtime type → T4 GPU, then run the notebook "
                        "again from the top (training on the CPU takes hours).",
        "no_gpu_local": "No GPU found: running on the CPU (fine for smoke runs; full training wants a GPU).",
        "drive_failed": "Google Drive could not be mounted ({problem}). Run this cell again and allow access to "
                        "Google Drive when asked: without Drive, runs and split.csv are lost when the Colab VM "
                        "disconnects.",
        "language_file_broken": "{path} cannot be read ({problem}). Delete that file and run the `start(...)` cell "
                                "again.",
        "experiment_conflict": "{path} already fixes the experiment's settings and this notebook asks for others "
                               "({changes}). Runs compared in the report must share one Config: set hyperparameters "
                               "in the first notebook that runs (01_data) and call session.experiment() without "
                               "arguments elsewhere; or delete {file} and the runs in {runs} to start over.",
        "experiment_change": "{name}: saved {saved!r}, asked {asked!r}",
        "missing_split": "No split.csv in {workspace}: run notebooks/01_data.ipynb first (with the same workspace).",
        "submit": "**What to submit: one file, `report.zip`** ({size}), at `{path}`. It holds `README.md` (the "
                  "report, with the group's analysis between the `<!-- keep:analysis -->` markers) and its images in "
                  "`images/`.",
        "submit_missing": "There is no {path} yet: run the `write_report(...)` cell above first.",
        "submit_downloading": "Colab is downloading that file to your computer (allow the download if the browser "
                              "asks); a copy stays on Google Drive.",
        "submit_download_failed": "The automatic download failed ({problem}): take `report.zip` from the Files panel "
                                  "on the left or from Google Drive.",
    },
}
