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
    },
}
