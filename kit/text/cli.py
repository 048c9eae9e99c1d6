"""What the ``kit`` commands print (``kit/commands/``): the data summary, the training progress and summaries."""

STRINGS = {
    "id": {
        "stopped": "kit {command}: dihentikan. Setiap epoch yang selesai sudah tersimpan; jalankan perintah yang sama "
                   "lagi untuk melanjutkan.",
        "data_source": "dataset: {root} (susunan {layout})",
        "data_source_synthetic": "dataset: {root} (susunan {layout}, data sintetis: pengganti, angkanya bukan hasil)",
        "data_images": "gambar: {n}; per kelas: {per_class}",
        "data_formats": "format: {formats}",
        "skipped_blank_rows": "dilewati, baris kosong: {n}{examples}",
        "skipped_duplicate_rows": "dilewati, baris ganda: {n}{examples}",
        "skipped_missing_files": "dilewati, berkas tidak ada: {n}{examples}",
        "skipped_unreadable_files": "dilewati, berkas tidak terbaca: {n}{examples}",
        "skipped_unlisted_files": "dilewati, berkas tidak tercantum di CSV: {n}{examples}",
        "data_duplicates": "duplikat: {unique} unik menurut byte; {groups} grup berisi {images} gambar (ambang "
                           "kemiripan {threshold} bit)",
        "data_split": "split: {sizes} (seed {seed}); gambar val yang punya duplikat di train: {leaked}",
        "data_wrote": "ditulis: {files}",
        "small_no_gpu": "Tidak ada GPU: gambar kecil ({size} px), {epochs} epoch, batch {batch}, agar selesai dalam "
                        "hitungan menit; angka dari run seperti ini hanya smoke check, bukan hasil.",
        "small_smoke": "Pengaturan smoke: gambar kecil ({size} px), {epochs} epoch, batch {batch}, agar selesai "
                       "dalam hitungan menit; angka dari run seperti ini hanya smoke check, bukan hasil.",
        "cpu_slow": "Tidak ada GPU: melatih {epochs} epoch pada {size} px di CPU akan lambat; tambahkan --smoke "
                    "untuk pemeriksaan cepat.",
        "source_workspace_split": "split.csv di workspace",
        "source_fold": "{source}, fold {fold} dari {folds}",
        "data_line": "data: {source} -> {n} gambar; train {train}, val {val}, gambar test {test}; gambar val yang "
                     "punya duplikat di train: {leaked}",
        "run_start": "--- {name}: {model}, {optimizer} lr {lr:g}, {epochs} epoch -> {run_dir}",
        "run_done": "{name}: epoch terbaik {epoch} ({criterion}): akurasi val {best}; akurasi val terakhir {last}; "
                    "prediksi di {predictions}",
        "criterion_val_loss": "loss val terendah",
        "criterion_val_acc": "akurasi val tertinggi",
        "report": "laporan: {path}",
        "all_done": "kit all selesai dalam {seconds} s; run di {runs}",
        "sweep_data": "data: {root} -> {split}",
        "sweep_submitted": "Dikirim ke Slurm; log di {logs}. Setelah job selesai, jalankan perintah yang sama dengan "
                           "--summary-only untuk tabelnya.",
        "sweep_failed": "{n} job gagal (lihat pesannya dan {logs}); jalankan perintah yang sama lagi untuk "
                        "melanjutkannya.",
        "grade_row": "{rank:>3}. {submission}: akurasi {accuracy} {interval}, macro-F1 {macro_f1}{note}",
        "grade_failed": "  -  {submission}: {error}",
        "grade_done": "{graded} dinilai, {failed} tidak bisa dinilai; ditulis: {files}",
    },
    "en": {
        "stopped": "kit {command}: stopped. Every finished epoch is saved; run the same command again to resume.",
        "data_source": "dataset: {root} ({layout} layout)",
        "data_source_synthetic": "dataset: {root} ({layout} layout, synthetic data: a stand-in whose numbers are "
                                 "not results)",
        "data_images": "images: {n}; per class: {per_class}",
        "data_formats": "formats: {formats}",
        "skipped_blank_rows": "skipped blank rows: {n}{examples}",
        "skipped_duplicate_rows": "skipped duplicate rows: {n}{examples}",
        "skipped_missing_files": "skipped missing files: {n}{examples}",
        "skipped_unreadable_files": "skipped unreadable files: {n}{examples}",
        "skipped_unlisted_files": "skipped files not listed in the CSV: {n}{examples}",
        "data_duplicates": "duplicates: {unique} unique by bytes; {groups} groups hold {images} images (near "
                           "threshold {threshold} bits)",
        "data_split": "split: {sizes} (seed {seed}); val images with a duplicate in train: {leaked}",
        "data_wrote": "wrote: {files}",
        "small_no_gpu": "No GPU: small images ({size} px), {epochs} epochs, batch {batch}, so the job finishes in "
                        "minutes; numbers from such a run are a smoke check, not results.",
        "small_smoke": "Smoke settings: small images ({size} px), {epochs} epochs, batch {batch}, so the job "
                       "finishes in minutes; numbers from such a run are a smoke check, not results.",
        "cpu_slow": "No GPU: training {epochs} epochs at {size} px on the CPU will be slow; add --smoke for a quick "
                    "check.",
        "source_workspace_split": "the workspace's split.csv",
        "source_fold": "{source}, fold {fold} of {folds}",
        "data_line": "data: {source} -> {n} images; train {train}, val {val}, test images {test}; val images with a "
                     "duplicate in train: {leaked}",
        "run_start": "--- {name}: {model}, {optimizer} lr {lr:g}, {epochs} epochs -> {run_dir}",
        "run_done": "{name}: best epoch {epoch} ({criterion}): val acc {best}; last val acc {last}; predictions in "
                    "{predictions}",
        "criterion_val_loss": "lowest val loss",
        "criterion_val_acc": "highest val acc",
        "report": "report: {path}",
        "all_done": "kit all finished in {seconds} s; runs in {runs}",
        "sweep_data": "data: {root} -> {split}",
        "sweep_submitted": "Submitted to Slurm; logs in {logs}. When the jobs have finished, run the same command "
                           "with --summary-only for the table.",
        "sweep_failed": "{n} job(s) failed (see the message and {logs}); run the same command again to resume them.",
        "grade_row": "{rank:>3}. {submission}: accuracy {accuracy} {interval}, macro-F1 {macro_f1}{note}",
        "grade_failed": "  -  {submission}: {error}",
        "grade_done": "{graded} graded, {failed} not gradable; wrote {files}",
    },
}
