"""The data checks: every warning and message about reading, deduplicating, splitting and leak-checking data.

Each is one line a student can act on; file names, never the kit's own source paths.
"""

STRINGS = {
    "id": {
        # reading a dataset folder
        "not_a_dataset": "{folder} bukan folder dataset: harus ada train.csv di samping folder train/ (format "
                         "kursus) atau satu subfolder per kelas ({classes}). Lihat data_README.md.",
        "csv_empty": "{file} kosong ({nbytes} byte): baris 1 harus berisi header filename,label.",
        "csv_not_utf8": "{file} baris {line} bukan teks UTF-8 (byte {byte}): simpan ulang sebagai \"CSV UTF-8\".",
        "csv_unparsable": "{file} tidak dapat dibaca sebagai CSV: {error}",
        "csv_no_filename": "{file} harus punya kolom 'filename'; kolom yang ada: {columns}",
        "csv_row": "baris {line}: {filename!r} -> {label!r}",
        "and_more": " ... ({n} seluruhnya)",
        "label_without_filename": "train.csv: baris dengan label tetapi tanpa nama berkas (baris {lines})",
        "unknown_labels": "train.csv: label di luar daftar kelas {classes}: {rows}",
        "two_labels": "train.csv: berkas yang tercantum dengan dua label berbeda: {rows}",
        "unknown_folders": "{folder}: folder yang bukan kelas {classes}: {folders}",
        "no_train_folder": "{folder}: train.csv ada, tetapi folder train/ berisi gambarnya tidak ada.",
        "no_images": "{folder}: tidak ada gambar berlabel yang dapat dibaca.",
        "empty_classes": "{folder}: kelas tanpa gambar: {classes}",
        "broken_link": "bukan berkas biasa: tautan (symlink) ke berkas yang tidak ada",
        "not_regular_file": "bukan berkas biasa (FIFO, perangkat atau soket): tidak dibuka",
        "cannot_stat": "tidak dapat dibuka: {error}",
        "problem_blank_rows": "Baris kosong di train.csv, dilewati ({n}): baris {names}",
        "problem_duplicate_rows": "Baris berulang di train.csv, dihitung sekali ({n}): baris {names}",
        "problem_missing_files": "Berkas tercantum di train.csv tetapi tidak ada, dilewati ({n}): {names}",
        "problem_unreadable_files": "Gambar tidak terbaca, terpotong atau bukan berkas biasa, dilewati ({n}): "
                                    "{names}",
        "problem_unlisted_files": "Berkas di folder gambar yang tidak tercantum di train.csv (tanpa label), "
                                  "dilewati ({n}): {names}",
        "problem_missing_test_files": "Berkas tercantum di test.csv tetapi tidak ada di test/ ({n}): {names}",
        "problem_unreadable_test_files": "Gambar test tidak terbaca, terpotong atau bukan berkas biasa, dilewati "
                                         "({n}): {names}",
        "problem_unlisted_test_files": "Berkas di test/ yang tidak tercantum di test.csv, tidak dipakai ({n}): "
                                       "{names}",
        "problem_large_images": "Gambar sangat besar (lebih dari {megapixels} MP), dibaca dalam ukuran diperkecil "
                                "({n}): {names}",
        # getting the data: zips, downloads, folders
        "by_hand": "Dataset kursus tidak dapat diambil: {reason}\nLetakkan secara manual, lalu jalankan ulang:\n"
                   "  1. unduh {zip} dari {url}\n"
                   "  2. salin ke {destination}, atau berikan path-nya (atau folder hasil ekstraknya) sebagai "
                   "sumber: prepare('path/ke/{zip}') atau `kit data path/ke/{zip}`.\n"
                   "  Di Colab, simpan zip di Google Drive lalu berikan path /content/drive/MyDrive/... -nya.\n"
                   "Lihat data_README.md untuk semua cara.",
        "download_failed": "unduhan gagal ({error})",
        "download_no_file": "unduhan tidak menghasilkan berkas",
        "download_not_zip": "berkas yang terunduh bukan zip (Google Drive mungkin mengirim halaman kuota atau "
                            "halaman masuk)",
        "sha256_mismatch": "{file} tidak memiliki sha256 yang diharapkan ({sha256}); hapus lalu unduh ulang.",
        "not_a_zip": "{zip} bukan berkas zip (unduhan terputus, atau halaman web yang tersimpan alih-alih "
                     "berkasnya?)",
        "unsafe_entries": "{zip}: menolak mengekstrak entri yang mengarah ke luar folder tujuan: {entries}",
        "damaged_members": "{zip} rusak: {n} berkas di dalamnya tidak dapat dibaca (CRC salah) dan dilewati: "
                           "{members}. Unduh ulang zip itu untuk mendapatkannya.",
        "extract_target_exists": "{target} sudah ada; ekstrak ke folder baru.",
        "extracted_from_other_zip": "{target} diekstrak dari {zip} yang berbeda; pindahkan folder itu untuk "
                                    "mengekstrak yang ini.",
        "not_extracted_by_kit": "{target} sudah ada tetapi bukan hasil ekstrak kit; berikan folder itu sebagai "
                                "sumber, atau pindahkan.",
        "not_a_folder": "{folder} tidak ada atau bukan folder.",
        "no_dataset_found": "Tidak ada dataset di {folder}: harus ada train.csv di samping folder train/ (format "
                            "kursus) atau satu folder per kelas ({classes}). Lihat data_README.md.",
        "source_missing": "{path} tidak ada. Berikan folder dataset, zip, atau 'gdrive' untuk mengunduh data "
                          "kursus (lihat data_README.md).",
        "synthetic_not_fetched": "'synthetic' dibuat oleh kit.data.synthetic, tidak diambil dari mana pun.",
        # splitting
        "bad_fractions": "perlu 0 < val_fraction, 0 <= test_fraction dan jumlah keduanya < 1; yang "
                         "diberikan: val_fraction={val_fraction}, test_fraction={test_fraction}",
        "split_needs_columns": "pembagian data memerlukan kolom filename, label, group; yang hilang: {missing}",
        "filenames_repeat": "nama berkas berulang: {names}",
        "short_of_share": "{split}: {short} gambar per kelas kurang dari bagian stratifikasinya, karena grup "
                          "duplikat tidak pernah dipecah.",
        "bad_folds": "--folds harus antara 2 dan jumlah grup duplikat ({groups}); yang diberikan: {folds}",
        "class_too_small_for_folds": "{folds} fold terlalu banyak: kelas {label} hanya punya {n} gambar.",
        "no_folds": "split.csv belum punya kolom fold: jalankan `kit data --folds K` (atau prepare(folds=K)) "
                    "dahulu.",
        "fold_out_of_range": "fold {fold} tidak ada: split.csv punya {folds} fold (0 sampai {folds} - 1).",
        "split_missing_columns": "{where}: kolom hilang {missing}; yang diharapkan {expected}",
        "split_bad_names": "{where}: split harus salah satu dari {splits}; baris {rows} "
                           "tidak",
        "split_bad_labels": "{where}: label di luar {classes} pada baris {rows}",
        "split_repeated": "{where}: nama berkas tercantum dua kali: {names}",
        "split_needs_train_and_val": "{where}: perlu setidaknya satu gambar train dan satu gambar val.",
        "split_bad_folds": "{where}: kolom fold salah: baris {rows} (fold harus 0 atau lebih untuk train/val, -1 "
                           "untuk test); grup yang terpecah ke beberapa fold: {groups}",
        "no_hashes": "tidak ada hash untuk {n} berkas dari pembagian data, misalnya {names}",
        "split_replaced": "Data atau pengaturan pembagian berubah: split.csv ditulis ulang; split lama disimpan "
                          "sebagai {kept}. Run yang dilatih dengan split lama tidak sebanding dengan run baru.",
        "split_invalid": "split.csv tidak valid ({error}); membuat yang baru.",
        "seed_split_stale": "{path} mencantumkan gambar lain daripada split.csv: datanya berubah sejak split ini "
                            "dibuat. Hapus berkas itu (dan run yang dilatih dengannya) atau pakai workspace lain.",
        "val_leaks": "{n} gambar val punya duplikat di train: split.csv dibuat dengan pengaturan lain atau "
                     "secara manual.",
        "test_leaks": "{n} gambar test punya salinan (persis atau mirip) di train/val: {names}",
        "no_workspace_split": "Tidak ada split.csv / data_report.json di {workspace}: jalankan notebook 01 atau "
                              "`kit data PATH --workspace {workspace}` dahulu.",
        # kit leak
        "leak_summary": "{folder}: {n} dari {checked} gambar adalah salinan gambar train/val ({exact} persis, "
                        "{near} mirip dalam {threshold} bit); {unreadable} berkas tidak terbaca.",
        # the synthetic stand-in
        "synthetic_other_arguments": "{folder} berisi dataset sintetis dengan pengaturan lain; pilih folder lain.",
        "synthetic_folder_not_empty": "{folder} tidak kosong; make_synthetic hanya menulis ke folder baru atau "
                                      "kosong.",
        "synthetic_per_class": "per_class minimal 4 (keanehan data perlu beberapa gambar per kelas); yang "
                               "diberikan: {per_class}",
        "folds_summary": "fold: {folds}, gambar per fold {sizes}; tidak ada grup duplikat di dua fold",
    },
    "en": {
        "not_a_dataset": "{folder} is not a dataset folder: expected train.csv beside a train/ folder (course "
                         "layout) or one subfolder per class ({classes}). See data_README.md.",
        "csv_empty": "{file} is empty ({nbytes} bytes): line 1 must hold the header filename,label.",
        "csv_not_utf8": "{file} line {line} is not UTF-8 text (byte {byte}): save it again as \"CSV UTF-8\".",
        "csv_unparsable": "{file} cannot be read as CSV: {error}",
        "csv_no_filename": "{file} needs a 'filename' column; its columns: {columns}",
        "csv_row": "line {line}: {filename!r} -> {label!r}",
        "and_more": " ... ({n} in all)",
        "label_without_filename": "train.csv: rows with a label but no filename (lines {lines})",
        "unknown_labels": "train.csv: labels outside the class list {classes}: {rows}",
        "two_labels": "train.csv: files listed with two different labels: {rows}",
        "unknown_folders": "{folder}: folders that are not classes {classes}: {folders}",
        "no_train_folder": "{folder}: train.csv is there but the train/ folder with the images is not.",
        "no_images": "{folder}: no readable labelled images found.",
        "empty_classes": "{folder}: classes with no images: {classes}",
        "broken_link": "not a regular file: a link (symlink) to a file that does not exist",
        "not_regular_file": "not a regular file (a FIFO, device or socket): not opened",
        "cannot_stat": "cannot be opened: {error}",
        "problem_blank_rows": "Blank rows in train.csv, skipped ({n}): lines {names}",
        "problem_duplicate_rows": "Repeated rows in train.csv, counted once ({n}): lines {names}",
        "problem_missing_files": "Files listed in train.csv but absent, skipped ({n}): {names}",
        "problem_unreadable_files": "Unreadable, truncated or not regular image files, skipped ({n}): {names}",
        "problem_unlisted_files": "Files in the image folder that train.csv does not list (no label), skipped "
                                  "({n}): {names}",
        "problem_missing_test_files": "Files listed in test.csv but absent from test/ ({n}): {names}",
        "problem_unreadable_test_files": "Unreadable, truncated or not regular test images, skipped ({n}): {names}",
        "problem_unlisted_test_files": "Files in test/ that test.csv does not list, not used ({n}): {names}",
        "problem_large_images": "Very large images (over {megapixels} MP), read at reduced size ({n}): {names}",
        # getting the data: zips, downloads, folders
        "by_hand": "Could not get the course dataset: {reason}\nPut it in place by hand, then run again:\n"
                   "  1. download {zip} from {url}\n"
                   "  2. either copy it to {destination}, or pass its path (or the folder you extracted it to) "
                   "as the source: prepare('path/to/{zip}') or `kit data path/to/{zip}`.\n"
                   "  In Colab, put the zip on your Google Drive and pass its /content/drive/MyDrive/... path.\n"
                   "See data_README.md for every route.",
        "download_failed": "the download failed ({error})",
        "download_no_file": "the download returned no file",
        "download_not_zip": "the downloaded file is not a zip (Google Drive may have sent a quota or sign-in "
                            "page)",
        "sha256_mismatch": "{file} does not have the expected sha256 {sha256}; delete it and download again.",
        "not_a_zip": "{zip} is not a zip file (an interrupted download, or a web page saved instead of the "
                     "file?)",
        "unsafe_entries": "{zip}: refusing to extract entries that point outside the target folder: {entries}",
        "damaged_members": "{zip} is damaged: {n} member(s) could not be read (bad CRC) and were skipped: "
                           "{members}. Download the zip again to get them.",
        "extract_target_exists": "{target} already exists; extract into a new folder.",
        "extracted_from_other_zip": "{target} was extracted from a different {zip}; move it away to extract this "
                                    "one.",
        "not_extracted_by_kit": "{target} exists but was not extracted by the kit; pass that folder as the "
                                "source, or move it away.",
        "not_a_folder": "{folder} does not exist or is not a folder.",
        "no_dataset_found": "No dataset found in {folder}: expected train.csv beside a train/ folder (course "
                            "layout) or one folder per class ({classes}). See data_README.md.",
        "source_missing": "{path} does not exist. Give a dataset folder, a zip, or 'gdrive' to download the "
                          "course data (see data_README.md).",
        "synthetic_not_fetched": "'synthetic' is made by kit.data.synthetic, not fetched from anywhere.",
        # splitting
        "bad_fractions": "need 0 < val_fraction, 0 <= test_fraction and their sum < 1; got "
                         "val_fraction={val_fraction}, test_fraction={test_fraction}",
        "split_needs_columns": "splitting needs columns filename, label, group; missing {missing}",
        "filenames_repeat": "filenames repeat: {names}",
        "short_of_share": "{split}: {short} image(s) per class short of the stratified share, since duplicate "
                          "groups are never split.",
        "bad_folds": "--folds must be between 2 and the number of duplicate groups ({groups}); got {folds}",
        "class_too_small_for_folds": "{folds} folds are too many: class {label} has only {n} images.",
        "no_folds": "split.csv has no fold column: run `kit data --folds K` (or prepare(folds=K)) first.",
        "fold_out_of_range": "there is no fold {fold}: split.csv has {folds} folds (0 to {folds} - 1).",
        "split_missing_columns": "{where}: missing columns {missing} (expected {expected})",
        "split_bad_names": "{where}: split must be one of {splits}; rows {rows} are not",
        "split_bad_labels": "{where}: labels outside {classes} in rows {rows}",
        "split_repeated": "{where}: filenames listed twice: {names}",
        "split_needs_train_and_val": "{where}: needs at least one train and one val image.",
        "split_bad_folds": "{where}: wrong fold column: rows {rows} (a fold is 0 or more for train/val, -1 for "
                           "test); groups split across folds: {groups}",
        "no_hashes": "no hashes for {n} file(s) of the split, e.g. {names}",
        "split_replaced": "The data or the split settings changed: wrote a new split.csv; the old split is kept "
                          "as {kept}. Runs trained on the old split are not comparable with new ones.",
        "split_invalid": "split.csv is not a valid split ({error}); making a new one.",
        "seed_split_stale": "{path} lists other images than split.csv: the data changed since this split was "
                            "made. Delete that file (and the runs trained on it) or use another workspace.",
        "val_leaks": "{n} val image(s) have a duplicate in train: split.csv was made with other settings or by "
                     "hand.",
        "test_leaks": "{n} test image(s) have an exact or near copy in train/val: {names}",
        "no_workspace_split": "No split.csv / data_report.json in {workspace}: run notebook 01 or "
                              "`kit data PATH --workspace {workspace}` first.",
        # kit leak
        "leak_summary": "{folder}: {n} of {checked} images are copies of train/val images ({exact} exact, {near} "
                        "near within {threshold} bits); {unreadable} file(s) unreadable.",
        # the synthetic stand-in
        "synthetic_other_arguments": "{folder} holds a synthetic dataset made with other arguments; pick another "
                                     "folder.",
        "synthetic_folder_not_empty": "{folder} is not empty; make_synthetic writes only into a new or empty "
                                      "folder.",
        "synthetic_per_class": "per_class must be at least 4 (the quirks need a few images per class); got "
                               "{per_class}",
        "folds_summary": "folds: {folds}, images per fold {sizes}; no duplicate group in two folds",
    },
}
