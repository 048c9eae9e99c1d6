"""Sentences of ``kit check`` (``kit.check``): what is wrong with a report before a group submits it, one line each."""

STRINGS = {
    "id": {
        "no_report": "Belum ada {path}: jalankan notebook 04_compare untuk membuat laporan.",
        "run_missing": "Run {run} tidak ditemukan di {path}: jalankan notebooks/{notebook}.",
        "run_unfinished": ("Run {run} belum selesai ({done}/{planned} epoch): jalankan lagi notebooks/{notebook} "
                           "untuk menyelesaikannya, lalu 04_compare."),
        "header_missing": ("Header kelompok belum tersimpan di {path}: isi sel header (GROUP_NAME, MEMBERS) di "
                           "notebook 01_data dan jalankan, lalu 04_compare."),
        "header_unfilled": ("Header kelompok belum lengkap: {details} Isi sel header di notebook 01_data, jalankan, "
                            "lalu jalankan 04_compare lagi."),
        "synthetic_data": ("Run dilatih dengan data sintetis kit, bukan dataset kursus: jalankan notebook 01_data "
                           "dengan data kursus, lalu 02, 03 dan 04."),
        "small_runs": ("Run smoke/CPU ({settings}): latih dengan pengaturan kursus di GPU (notebook 02 dan 03), lalu "
                       "04_compare, sebelum mengumpulkan."),
        "configs_differ": ("Plain-34 dan ResNet-34 dilatih dengan Config berbeda ({keys}): latih keduanya dengan "
                           "eksperimen yang sama dari 01_data, lalu jalankan 04_compare lagi."),
        "line_changed": ("README.md baris {line}: tertulis `{found}`, padahal file run memberi `{expected}`. "
                         "Jalankan 04_compare lagi (teks di antara penanda keep tetap ada)."),
        "line_extra": ("README.md baris {line} (`{found}`) tidak ada di laporan menurut file run. Jalankan "
                       "04_compare lagi; tulis teks sendiri hanya di antara penanda keep."),
        "line_missing": ("README.md kehilangan `{expected}` (setelah baris {line}) yang diberikan file run. "
                         "Jalankan 04_compare lagi."),
        "more_lines": "… dan {count} baris README.md lain juga tidak cocok dengan file run.",
        "image_missing": "README.md menampilkan {link}, tetapi {path} tidak ada.",
        "image_outside": ("README.md menampilkan {link}, di luar folder laporan: salin gambarnya ke images/ dan tautkan "
                          "sebagai images/<nama>."),
        "analysis_empty": ("Analisis kelompok masih kosong: tuliskan di README.md di antara <!-- keep:analysis --> "
                           "dan <!-- /keep:analysis -->."),
        "analysis_missing": ("README.md tidak punya blok <!-- keep:analysis --> untuk analisis kelompok: jalankan "
                             "04_compare lagi dan tulis analisis di blok itu."),
        "zip_missing": "Belum ada {zip}: jalankan sel write_report di notebook 04_compare untuk membuatnya.",
        "zip_stale": ("{zip} tidak memuat {readme} yang sekarang (lebih lama atau rusak): jalankan write_report lagi "
                      "(notebook 04_compare) dan kumpulkan zip yang baru."),
        "clean": "Siap dikumpulkan: tidak ada masalah di {path}.",
        "found": "{count} masalah di {path}:",
    },
    "en": {
        "no_report": "There is no {path} yet: run notebook 04_compare to write the report.",
        "run_missing": "Run {run} is not in {path}: run notebooks/{notebook}.",
        "run_unfinished": ("Run {run} has not finished ({done}/{planned} epochs): run notebooks/{notebook} again to "
                           "finish it, then 04_compare."),
        "header_missing": ("No group header is saved in {path}: fill in the header cell (GROUP_NAME, MEMBERS) of "
                           "notebook 01_data and run it, then 04_compare."),
        "header_unfilled": ("The group header is not filled in: {details} Fill in the header cell of notebook 01_data, "
                            "run it, then run 04_compare again."),
        "synthetic_data": ("The runs were trained on the kit's synthetic data, not the course dataset: run notebook "
                           "01_data with the course data, then 02, 03 and 04."),
        "small_runs": ("Smoke/CPU runs ({settings}): train with the course settings on a GPU (notebooks 02 and 03), "
                       "then 04_compare, before submitting."),
        "configs_differ": ("Plain-34 and ResNet-34 were trained with different Configs ({keys}): train both with the "
                           "same experiment from 01_data, then run 04_compare again."),
        "line_changed": ("README.md line {line} says `{found}`, but the run files give `{expected}`. Run "
                         "04_compare again (text between the keep markers is kept)."),
        "line_extra": ("README.md line {line} (`{found}`) is not in the report the run files give. Run 04_compare "
                       "again; write your own text only between the keep markers."),
        "line_missing": ("README.md lacks `{expected}` (after line {line}), which the run files give. Run "
                         "04_compare again."),
        "more_lines": "… and {count} more lines of README.md do not match the run files either.",
        "image_missing": "README.md shows {link}, but {path} does not exist.",
        "image_outside": ("README.md shows {link}, outside the report folder: copy the image into images/ and link "
                          "it as images/<name>."),
        "analysis_empty": ("The group's analysis is still empty: write it in README.md between "
                           "<!-- keep:analysis --> and <!-- /keep:analysis -->."),
        "analysis_missing": ("README.md has no <!-- keep:analysis --> block for the group's analysis: run 04_compare "
                             "again and write the analysis in that block."),
        "zip_missing": "There is no {zip} yet: run the write_report cell of notebook 04_compare to make it.",
        "zip_stale": ("{zip} does not hold the current {readme} (it is older, or damaged): run write_report again "
                      "(notebook 04_compare) and submit the new zip."),
        "clean": "Ready to submit: no problems in {path}.",
        "found": "{count} problem(s) in {path}:",
    },
}
