"""Sentences of the notebook's cross-validation cells (``kit.cross_validation``): the time estimate and the
fold-paired comparison."""

STRINGS = {
    "id": {
        "time_t4": ("{folds} fold × {models} model = {runs} run, masing-masing {epochs} epoch atas {images} gambar "
                    "train: sekitar {minutes} menit training di T4 ({device}), dihitung dari kecepatan terukur run "
                    "{run} ({speed} gambar/s); evaluasi tiap epoch menambah sedikit."),
        "time_other": ("{folds} fold × {models} model = {runs} run, masing-masing {epochs} epoch atas {images} "
                       "gambar train: sekitar {minutes} menit training di {device}, dihitung dari kecepatan terukur "
                       "run {run} ({speed} gambar/s). Belum ada kecepatan T4 yang terukur: perkiraan ini berskala "
                       "dari kecepatan run ini sendiri; jalankan sel ini lagi setelah run di T4 Colab untuk "
                       "angka T4."),
        "fold": "Fold",
        "difference": "Selisih {b} − {a} (poin)",
        "folds_summary": ("{b} − {a}, akurasi val (epoch terbaik) atas {n} dari {k} fold: rata-rata {mean} poin "
                          "(simpangan baku {std}), interval 95% terkoreksi Nadeau-Bengio {low} s.d. {high} poin, "
                          "p = {p}."),
        "folds_one": "Baru {n} dari {k} fold selesai untuk {a} dan {b}: uji berpasangan butuh minimal dua fold.",
        "folds_none": ("Belum ada fold yang selesai untuk {a} dan {b} (run `<model>-fold<i>-seed<s>`): latih "
                       "dengan train_folds(...) atau `kit train --fold i`."),
    },
    "en": {
        "time_t4": ("{folds} folds × {models} models = {runs} runs of {epochs} epochs over {images} training images "
                    "each: about {minutes} minutes of training on a T4 ({device}), from the measured speed of run "
                    "{run} ({speed} images/s); evaluating every epoch adds a little."),
        "time_other": ("{folds} folds × {models} models = {runs} runs of {epochs} epochs over {images} training "
                       "images each: about {minutes} minutes of training on {device}, from the measured speed of run "
                       "{run} ({speed} images/s). No T4 speed was measured: this estimate scales from the run's "
                       "own measured speed; run this cell again after a run on Colab's T4 for the T4 figure."),
        "fold": "Fold",
        "difference": "Difference {b} − {a} (points)",
        "folds_summary": ("{b} − {a}, val acc (best epoch) over {n} of {k} folds: mean {mean} points (std {std}), "
                          "Nadeau-Bengio corrected 95% interval {low} to {high} points, p = {p}."),
        "folds_one": "Only {n} of {k} folds are finished for {a} and {b}: the paired test needs at least two.",
        "folds_none": ("No fold is finished for both {a} and {b} yet (runs `<model>-fold<i>-seed<s>`): train them "
                       "with train_folds(...) or `kit train --fold i`."),
    },
}
