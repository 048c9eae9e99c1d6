"""Sentences of the Grad-CAM figures and report section (``kit.explain``, ``kit.plots_explain``,
``kit.report_explain``)."""

STRINGS = {
    "id": {
        "title": "Ke mana jaringan melihat? Grad-CAM",
        "note": ("Peta Grad-CAM (Selvaraju et al., 2017) dari tahap terakhir ({stage}) untuk citra validasi "
                 "yang sama: warna merah menandai bagian citra yang paling menaikkan skor kelas yang "
                 "diprediksi. Tiap baris satu kelas: kolom kiri citra yang diklasifikasi benar dengan "
                 "keyakinan tertinggi, kolom kanan kesalahan paling yakin untuk kelas itu (jika ada)."),
        "figure_title": "Grad-CAM tahap {stage} (peta {grid}): {models}",
        "stages_title": "Grad-CAM tiap tahap: {filename} (label {label})",
        "correct": "benar, paling yakin",
        "mistake": "salah, paling yakin",
        "no_mistake": "tidak ada kesalahan",
        "no_correct": "tidak ada yang benar",
        "panel": "{model}: {prediction} {confidence:.0%}",
        "row": "label: {label}",
        "unavailable": "Grad-CAM tidak dapat dibuat: {reason}",
        "alt": "Grad-CAM {models}",
        "citation": ("Selvaraju, R. R., Cogswell, M., Das, A., Vedantam, R., Parikh, D., & Batra, D. (2017). "
                     "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization. ICCV."),
        "reference": "Referensi",
    },
    "en": {
        "title": "Where does each network look? Grad-CAM",
        "note": ("Grad-CAM maps (Selvaraju et al., 2017) of the last stage ({stage}) on the same validation "
                 "images: red marks the parts of the image that raise the predicted class's score most. One "
                 "row per class: on the left the correctly classified image with the highest confidence, on "
                 "the right the most confident mistake for that class (if any)."),
        "figure_title": "Grad-CAM of stage {stage} ({grid} map): {models}",
        "stages_title": "Grad-CAM of every stage: {filename} (label {label})",
        "correct": "correct, most confident",
        "mistake": "wrong, most confident",
        "no_mistake": "no mistake",
        "no_correct": "none correct",
        "panel": "{model}: {prediction} {confidence:.0%}",
        "row": "label: {label}",
        "unavailable": "Grad-CAM could not be made: {reason}",
        "alt": "Grad-CAM {models}",
        "citation": ("Selvaraju, R. R., Cogswell, M., Das, A., Vedantam, R., Parikh, D., & Batra, D. (2017). "
                     "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization. ICCV."),
        "reference": "Reference",
    },
}
