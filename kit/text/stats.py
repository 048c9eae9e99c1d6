"""Sentences of the paired comparison of two runs (``kit.comparisons``): verdicts, table columns, refusals."""

STRINGS = {
    "id": {
        "verdict_apart": ("{better} lebih akurat daripada {worse} pada {n} gambar val ini: selisih {b} − {a} = "
                          "{difference} poin (interval 95%: {low} s.d. {high}), McNemar p = {p}. Set val ini "
                          "dapat membedakan kedua model."),
        "verdict_not_apart": ("Selisih {b} − {a} = {difference} poin (interval 95%: {low} s.d. {high}), McNemar "
                              "p = {p}: dengan {n} gambar val, set ini belum dapat membedakan kedua model; selisih "
                              "sebesar ini bisa muncul karena kebetulan saja."),
        "model_a": "Model A",
        "model_b": "Model B",
        "n_images": "Gambar val",
        "accuracy_a": "Akurasi A (interval 95%)",
        "accuracy_b": "Akurasi B (interval 95%)",
        "difference": "Selisih B − A (poin, interval 95%)",
        "only_a": "Hanya A benar",
        "only_b": "Hanya B benar",
        "mcnemar_p": "McNemar p",
        "verdict": "Kesimpulan",
        "different_images": ("{a} dan {b} dievaluasi pada gambar val yang berbeda: {only_a} gambar hanya ada di "
                             "predictions.csv milik {a} (mis. {examples_a}) dan {only_b} hanya di milik {b} "
                             "(mis. {examples_b}). Bandingkan run yang dilatih dengan split.csv yang sama."),
        "different_labels": ("{a} dan {b} memberi label berbeda pada {count} gambar val yang sama (mis. "
                             "{examples}): keduanya tidak dilatih pada data yang sama."),
        "duplicate_images": "predictions.csv milik {run} memuat nama file yang sama lebih dari sekali: {examples}.",
    },
    "en": {
        "verdict_apart": ("{better} is more accurate than {worse} on these {n} val images: {b} − {a} = "
                          "{difference} points (95% interval {low} to {high}), McNemar p = {p}. This val set can "
                          "tell the two models apart."),
        "verdict_not_apart": ("{b} − {a} = {difference} points (95% interval {low} to {high}), McNemar p = {p}: "
                              "with {n} val images this set cannot tell the two models apart; a difference this "
                              "large can arise by chance alone."),
        "model_a": "Model A",
        "model_b": "Model B",
        "n_images": "Val images",
        "accuracy_a": "Accuracy A (95% interval)",
        "accuracy_b": "Accuracy B (95% interval)",
        "difference": "Difference B − A (points, 95% interval)",
        "only_a": "Only A right",
        "only_b": "Only B right",
        "mcnemar_p": "McNemar p",
        "verdict": "Verdict",
        "different_images": ("{a} and {b} were evaluated on different val images: {only_a} images are only in "
                             "{a}'s predictions.csv (e.g. {examples_a}) and {only_b} only in {b}'s (e.g. "
                             "{examples_b}). Compare runs trained with the same split.csv."),
        "different_labels": ("{a} and {b} give different labels to {count} of the same val images (e.g. "
                             "{examples}): they were not trained on the same data."),
        "duplicate_images": "{run}'s predictions.csv lists the same file name more than once: {examples}.",
    },
}
