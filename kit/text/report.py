"""Every sentence of the submission report (``kit.report``), in Bahasa Indonesia and English."""

STRINGS = {
    "id": {
        "title": "Eksplorasi ResNet: {models}",
        "course": "Mata kuliah: IF25-40401 Deep Learning",
        "group": "Kelompok",
        "member": "Nama",
        "unfilled": "⚠ belum diisi",
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
        "total": "Total",
        "split_missing": "⚠ `split.csv` tidak ditemukan di {workspace}: jalankan `notebooks/01_data.ipynb`.",
        "source": "Sumber data",
        "source_synthetic": "⚠ **Data sintetis**: gambar buatan kit sebagai pengganti dataset kursus, hanya untuk "
                            "menguji bahwa semuanya berjalan. Angka di laporan ini **bukan hasil**.",
        "source_zip": "arsip zip `{name}`",
        "source_course_zip": "arsip dataset kursus `{name}`",
        "source_damaged": "⚠ {n} file di dalam zip rusak dan dilewati.",
        "source_folder": "folder `{path}`",
        "source_url": "diunduh dari {url}",
        "source_size": "{megabytes} MB",
        "source_raw": "`{source}`",
        "source_unknown": "⚠ tidak tercatat di `data_report.json`: jalankan ulang `notebooks/01_data.ipynb`.",
        "method": "Metode",
        "method_note": "Setiap jaringan mengikuti Tabel 1 He et al. (2016): stem konvolusi 7×7/2 dan max pool, "
                       "empat stage blok (`conv2_x` … `conv5_x`), global average pooling, lalu satu lapisan linear "
                       "ke {classes} kelas. Jumlah parameter dibaca dari `metrics.json` tiap run.",
        "method_stages": "Blok per stage",
        "method_block": "Blok",
        "method_shortcut": "Shortcut",
        "block_basic": "dasar (dua konvolusi 3×3, batch norm)",
        "block_bottleneck": "bottleneck (1×1, 3×3, 1×1, batch norm)",
        "shortcut_identity": "identitas (proyeksi 1×1 saat ukuran berubah)",
        "shortcut_none": "tidak ada",
        "method_difference": "{plain} dan {resnet} identik kecuali satu hal: {resnet} menjumlahkan masukan setiap "
                             "blok ke keluarannya (shortcut, `out += identity`), {plain} tidak (jaringan plain, "
                             "Bagian 4.1 paper). Selisih parameter {difference} berasal dari proyeksi 1×1 shortcut "
                             "di awal stage yang mengubah ukuran.",
        "misclassified": "Contoh salah klasifikasi",
        "misclassified_note": "Gambar val yang salah ditebak, yang paling yakin lebih dulu (judul: kelas sebenarnya "
                              "dan tebakan model).",
        "misclassified_no_images": "⚠ {run}: gambar val tidak ditemukan di `{folder}`; contoh salah klasifikasinya "
                                   "dilewati.",
        "misclassified_other_data": "⚠ {run}: `predictions.csv`-nya menyebut gambar val yang tidak ada (atau berlabel "
                                    "lain) di `split.csv` workspace ini, jadi dilatih pada data lain; contoh salah "
                                    "klasifikasinya dilewati.",
        "misclassified_no_data": "⚠ {run}: tanpa `data_report.json` gambar val tidak dapat ditemukan; contoh salah "
                                 "klasifikasinya dilewati.",
        "hyperparameters": "Hyperparameter",
        "hyperparameters_note": "Dibaca dari `config.json` setiap run.",
        "results": "Hasil: perbandingan metrik",
        "results_note": '"terbaik" = epoch dengan {criterion}, metrik yang sama dengan `Config.monitor` ({monitor}); '
                        '"terakhir" = epoch terakhir.',
        "best_mismatch": '⚠ {runs}: epoch "terbaik" di `metrics.json` dipilih dengan {criterion}, bukan dengan '
                         '`Config.monitor` ({monitor}).',
        "criterion_val_acc": "akurasi val tertinggi",
        "criterion_val_loss": "loss val terendah",
        "small_settings": "⚠ Run ini memakai pengaturan kecil (smoke/CPU: {settings}); angkanya hanya uji jalan, "
                          "bukan hasil.",
        "summary": "Ringkasan run",
        "uncertainty": "Seberapa pasti perbedaannya?",
        "uncertainty_note": "Dari `predictions.csv` tiap run (bobot epoch terbaik), pada gambar val yang sama: akurasi "
                            "dengan interval Wilson 95%, selisih dengan interval bootstrap berpasangan 95%, dan uji "
                            "McNemar eksak atas gambar yang hanya benar oleh salah satu model (Dietterich 1998).",
        "uncertainty_problem": "⚠ {a} dan {b} tidak dapat dibandingkan per gambar: {error}",
        "curves": "Kurva training",
        "curves_note": "Garis putus-putus = train, garis penuh = val.",
        "confusion": "Confusion matrix",
        "no_predictions": "⚠ {run}: `predictions.csv` belum ada (run belum selesai).",
        "per_class": "Skor per kelas: presisi, recall, F1",
        "extra": "Run tambahan (modifikasi)",
        "extra_note": "Dibandingkan dengan {reference} sebagai baseline, dengan Config yang sama.",
        "extra_differences": "Perbedaan Config terhadap baseline",
        "references": "Referensi",
        "references_used_by": "dipakai oleh",
        "references_problem": "⚠ {run}: model_options tidak dikenal, referensinya tidak dapat dicantumkan: {error}",
        "analysis": "Analisis",
        "facts": "Fakta terukur (dihitung otomatis dari file run)",
        "own_analysis": "Analisis kelompok",
        "own_analysis_placeholder": "> ⚠ belum diisi: tuliskan analisis kelompok di sini (mengapa hasilnya begini, "
                                    "kaitkan dengan degradation problem dan residual connection, keterbatasan "
                                    "eksperimen). Teks di antara penanda `keep` tetap ada saat laporan dibuat ulang.",
        "fact_best": "Pada epoch terbaik, akurasi val {b} {vb} (epoch {eb}) vs {a} {va} (epoch {ea}): "
                     "selisih {d} poin.",
        "fact_last": "Pada epoch terakhir, akurasi val {b} {vb} (epoch {eb}) vs {a} {va} (epoch {ea}): "
                     "selisih {d} poin.",
        "fact_train_loss": "Loss train akhir: {b} {lb} vs {a} {la} (selisih {d}).",
        "fact_gap": "Selisih akurasi train − akurasi val pada epoch terakhir: {gaps}.",
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
                              "`gradient_norms.csv`; langkah tercatat pertama sebelum update = inisialisasi, epoch "
                              "lain = median langkah yang dicatat. `conv1/fc` jauh di bawah 1 berarti gradien "
                              "menghilang (vanishing).",
        "gradient_point": "Titik",
        "gradient_min": "Blok terkecil",
        "gradient_max": "Blok terbesar",
        "seeds": "Beberapa seed",
        "seeds_note": "Config yang sama, seed berbeda (inisialisasi dan urutan data). Rata-rata ± simpangan baku "
                      "(sampel, n-1) atas seed yang selesai, dan nilai setiap seed, dari `metrics.json` tiap run.",
        "seed_difference": "{b} − {a}, akurasi val ({point}): {mean} ± {std} poin atas {n} seed, interval t 95% "
                           "dari rata-rata selisih berpasangan {low} s.d. {high} poin, uji t berpasangan p = {p} "
                           "(per seed: {values}).",
        "seed_difference_one": "{b} − {a}, akurasi val ({point}): {mean} poin, hanya 1 seed yang sama "
                               "(tanpa sebaran).",
        "seed_difference_loss": "{b} − {a}, loss train (terakhir): {mean} ± {std} atas {n} seed.",
        "seed_unfinished": "⚠ {run}: seed {seeds} belum selesai, tidak dihitung.",
        "split_seeds": "Beberapa seed dan split",
        "split_seeds_note": "Config yang sama; seed *s* dilatih pada split train/val-nya sendiri (dikelompokkan, "
                            "dibuat dengan `split_seed` = *s*, `splits/split-seed<s>.csv`), jadi seed **dan** split "
                            "berbeda. Kedua model satu seed memakai split yang sama. Rata-rata ± simpangan baku "
                            "(sampel, n-1) atas seed yang selesai, dari `metrics.json` tiap run.",
        "folds": "Validasi silang {k}-fold",
        "folds_note": ("Setiap fold sekali menjadi val, fold lain menjadi train (`split.csv`, kolom `fold`); akurasi "
                       "val pada epoch terbaik. Selisih dipasangkan per fold dan diuji dengan uji t terkoreksi "
                       "Nadeau-Bengio (2003), karena fold saling berbagi gambar train."),
        "seed_problem": "⚠ Run seed tidak dapat diringkas: {error}",
        "degradation": "Eksperimen degradasi: Plain/ResNet 18 vs 34",
        "degradation_note": "Empat model dengan Config yang sama, nilai pada epoch terakhir. Kolom paper: {source}. "
                            "Paper memakai ImageNet (1000 kelas), jadi bandingkan polanya (apakah 34 lapis lebih baik"
                            " dari 18 dalam satu keluarga), bukan nilainya.",
        "degradation_fact": "{family}: 34 − 18 lapis: loss train {dl}, akurasi train {dt} poin, akurasi val {dv} "
                            "poin; paper: top-1 error {dp} poin.",
        "degradation_problem": "⚠ Run degradasi tidak dapat dibandingkan: {error}",
    },
    "en": {
        "title": "ResNet exploration: {models}",
        "course": "Course: IF25-40401 Deep Learning",
        "group": "Group",
        "member": "Name",
        "unfilled": "⚠ not filled in",
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
        "total": "Total",
        "split_missing": "⚠ `split.csv` not found in {workspace}: run `notebooks/01_data.ipynb`.",
        "source": "Data source",
        "source_synthetic": "⚠ **Synthetic data**: images the kit generates as a stand-in for the course dataset, "
                            "only to test that everything runs. The numbers in this report are **not results**.",
        "source_zip": "zip archive `{name}`",
        "source_course_zip": "the course's dataset archive `{name}`",
        "source_damaged": "⚠ {n} files in the zip are damaged and were skipped.",
        "source_folder": "folder `{path}`",
        "source_url": "downloaded from {url}",
        "source_size": "{megabytes} MB",
        "source_raw": "`{source}`",
        "source_unknown": "⚠ not recorded in `data_report.json`: run `notebooks/01_data.ipynb` again.",
        "method": "Method",
        "method_note": "Every network follows Table 1 of He et al. (2016): a 7×7/2 convolution stem and max pool, "
                       "four stages of blocks (`conv2_x` … `conv5_x`), global average pooling, then one linear layer "
                       "to {classes} classes. Parameter counts are read from each run's `metrics.json`.",
        "method_stages": "Blocks per stage",
        "method_block": "Block",
        "method_shortcut": "Shortcut",
        "block_basic": "basic (two 3×3 convolutions, batch norm)",
        "block_bottleneck": "bottleneck (1×1, 3×3, 1×1, batch norm)",
        "shortcut_identity": "identity (1×1 projection where the size changes)",
        "shortcut_none": "none",
        "method_difference": "{plain} and {resnet} are identical but for one thing: {resnet} adds each block's input "
                             "to its output (the shortcut, `out += identity`), {plain} does not (a plain net, "
                             "Section 4.1 of the paper). The {difference} parameters between them are the 1×1 "
                             "shortcut projections at the start of the stages that change size.",
        "misclassified": "Misclassified examples",
        "misclassified_note": "Validation images the model got wrong, most confident first (titles: the true class "
                              "and the model's guess).",
        "misclassified_no_images": "⚠ {run}: the validation images were not found in `{folder}`; its misclassified "
                                   "examples are skipped.",
        "misclassified_other_data": "⚠ {run}: its `predictions.csv` names val images that this workspace's "
                                    "`split.csv` lacks (or labels otherwise), so it was trained on other data; its "
                                    "misclassified examples are skipped.",
        "misclassified_no_data": "⚠ {run}: without `data_report.json` the validation images cannot be found; its "
                                 "misclassified examples are skipped.",
        "hyperparameters": "Hyperparameters",
        "hyperparameters_note": "Read from each run's `config.json`.",
        "results": "Results: metric comparison",
        "results_note": '"best" = the epoch with the {criterion}, the metric of `Config.monitor` ({monitor}); '
                        '"last" = the final epoch.',
        "best_mismatch": '⚠ {runs}: the "best" epoch in `metrics.json` was chosen by the {criterion}, not by '
                         '`Config.monitor` ({monitor}).',
        "criterion_val_acc": "highest val accuracy",
        "criterion_val_loss": "lowest val loss",
        "small_settings": "⚠ These runs use small settings (smoke/CPU: {settings}); their numbers only test that the "
                          "pipeline runs, they are not results.",
        "summary": "Run summary",
        "uncertainty": "How certain is the difference?",
        "uncertainty_note": "From each run's `predictions.csv` (the best epoch's weights), on the same val images: "
                            "accuracy with its Wilson 95% interval, the difference with its paired bootstrap 95% "
                            "interval, and McNemar's exact test on the images only one of the two models gets right "
                            "(Dietterich 1998).",
        "uncertainty_problem": "⚠ {a} and {b} cannot be compared image by image: {error}",
        "curves": "Training curves",
        "curves_note": "Dashed = train, solid = val.",
        "confusion": "Confusion matrices",
        "no_predictions": "⚠ {run}: no `predictions.csv` yet (the run has not finished).",
        "per_class": "Per-class scores: precision, recall, F1",
        "extra": "Additional runs (modifications)",
        "extra_note": "Compared with {reference} as the baseline, trained with the same Config.",
        "extra_differences": "Config differences from the baseline",
        "references": "References",
        "references_used_by": "used by",
        "references_problem": "⚠ {run}: unknown model_options, its references cannot be listed: {error}",
        "analysis": "Analysis",
        "facts": "Measured facts (computed from the run files)",
        "own_analysis": "The group's analysis",
        "own_analysis_placeholder": "> ⚠ not filled in: write the group's analysis here (why the results look like "
                                    "this, the degradation problem and residual connections, the experiment's "
                                    "limits). Text between the `keep` markers survives regenerating the report.",
        "fact_best": "At the best epoch, val accuracy of {b} is {vb} (epoch {eb}) vs {a} {va} (epoch {ea}): a "
                     "difference of {d} points.",
        "fact_last": "At the last epoch, val accuracy of {b} is {vb} (epoch {eb}) vs {a} {va} (epoch {ea}): a "
                     "difference of {d} points.",
        "fact_train_loss": "Final train loss: {b} {lb} vs {a} {la} (difference {d}).",
        "fact_gap": "Train accuracy minus val accuracy at the last epoch: {gaps}.",
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
                              "`gradient_norms.csv`; the first recorded step before any update = initialisation, "
                              "other epochs = median of the recorded steps. `conv1/fc` far below 1 would mean a "
                              "vanishing gradient.",
        "gradient_point": "Point",
        "gradient_min": "Smallest block",
        "gradient_max": "Largest block",
        "seeds": "Repeated seeds",
        "seeds_note": "The same Config, different seeds (initialisation and data order). Mean ± standard deviation "
                      "(sample, n-1) over the finished seeds, and every seed's value, from each run's `metrics.json`.",
        "seed_difference": "{b} − {a}, val acc ({point}): {mean} ± {std} points over {n} seeds, 95% t interval "
                           "of the mean paired difference {low} to {high} points, paired t-test p = {p} "
                           "(per seed: {values}).",
        "seed_difference_one": "{b} − {a}, val acc ({point}): {mean} points, only 1 seed in common (no spread).",
        "seed_difference_loss": "{b} − {a}, train loss (last): {mean} ± {std} over {n} seeds.",
        "seed_unfinished": "⚠ {run}: seeds {seeds} unfinished, not counted.",
        "split_seeds": "Repeated seeds and splits",
        "split_seeds_note": "The same Config; seed *s* trained on its own train/val split (grouped, made with "
                            "`split_seed` = *s*, `splits/split-seed<s>.csv`), so seeds **and** splits varied. Both "
                            "models of a seed share its split. Mean ± standard deviation (sample, n-1) over the "
                            "finished seeds, from each run's `metrics.json`.",
        "folds": "{k}-fold cross-validation",
        "folds_note": ("Each fold is val once, the other folds train (`split.csv`, column `fold`); val accuracy at "
                       "the best epoch. Differences are paired by fold and tested with the Nadeau-Bengio (2003) "
                       "corrected t-test, since the folds share training images."),
        "seed_problem": "⚠ The seed runs cannot be summarised: {error}",
        "degradation": "Degradation experiment: Plain/ResNet 18 vs 34",
        "degradation_note": "Four models with one Config, values at the last epoch. Paper column: {source}. The paper"
                            " trains on ImageNet (1000 classes), so compare the pattern (does 34 layers beat 18 "
                            "within a family?), not the values.",
        "degradation_fact": "{family}: 34 − 18 layers: train loss {dl}, train acc {dt} points, val acc {dv} points; "
                            "paper: top-1 error {dp} points.",
        "degradation_problem": "⚠ The degradation runs cannot be compared: {error}",
    },
}
