"""What each Config field means, in plain words (``kit.config.describe_fields``: ``kit train --help``, the Config
table in notebooks, the report's hyperparameter table). The papers behind them are cited in ``kit.config``."""

STRINGS = {
    "id": {
        "model": "arsitektur: plain18/34/50 (tanpa shortcut) atau resnet18/34/50",
        "model_options": "modifikasi Tahap 3 untuk build_model, mis. {\"se\": true} atau {\"dropout\": 0.2}",
        "epochs": "berapa kali seluruh data latih dilewati",
        "batch_size": "jumlah gambar per langkah optimizer",
        "image_size": "sisi gambar persegi yang dilihat jaringan, dalam piksel",
        "crop_scale": "augmentasi: rentang luas potongan acak, sebagai bagian dari gambar (random resized crop)",
        "crop_ratio": "augmentasi: rentang rasio lebar/tinggi potongan acak",
        "flip": "augmentasi: cermin horizontal acak (separuh gambar)",
        "optimizer": "adamw (weight decay terpisah), adam, atau sgd dengan momentum Nesterov",
        "lr": "learning rate puncak",
        "momentum": "momentum sgd (tidak dipakai adam/adamw)",
        "weight_decay": "penalti L2 (adam, sgd) atau weight decay terpisah (adamw)",
        "label_smoothing": "label smoothing pada loss cross-entropy, untuk loss latih dan val",
        "scheduler": "jadwal learning rate: cosine (turun ke nol), step (dikali gamma tiap step_size epoch) atau "
                     "none (tetap)",
        "warmup_epochs": "naik linear dari hampir nol ke lr selama sekian epoch pertama; 0 mematikannya",
        "step_size": "jarak epoch antara dua penurunan scheduler step",
        "gamma": "faktor penurunan scheduler step",
        "patience": "early stopping: berhenti setelah sekian epoch tanpa perbaikan monitor; none melatih semua "
                    "epoch",
        "monitor": "yang diawasi early stopping: val_loss (makin kecil makin baik) atau val_acc",
        "seed": "benih acak untuk bobot awal, urutan data dan augmentasi",
        "split_seed": "benih acak pembagian train/val, terpisah dari seed agar semua run memakai split yang sama",
        "amp": "auto: mixed precision bila GPU mendukung (bf16, atau fp16 di T4); off: fp32",
        "channels_last": "tata letak memori NHWC yang disukai tensor core: auto (di CUDA), on atau off",
        "compile": "jalankan model lewat torch.compile (mulai lebih lambat, epoch lebih cepat di GPU)",
        "val_fraction": "bagian gambar berlabel yang disisihkan untuk validasi saat split dibuat",
        "grad_norm_every": "catat norma gradien tiap blok setiap sekian langkah (gradient_norms.csv); 0 "
                           "mematikannya; tidak mengubah hasil latih",
        "value": "nilai",
        "meaning": "arti",
    },
    "en": {
        "model": "architecture: plain18/34/50 (no shortcuts) or resnet18/34/50",
        "model_options": "Tahap-3 modifications for build_model, e.g. {\"se\": true} or {\"dropout\": 0.2}",
        "epochs": "passes over the training split",
        "batch_size": "images per optimizer step",
        "image_size": "side of the square images the network sees, in pixels",
        "crop_scale": "augmentation: range of the random crop's area, as a share of the image (random resized "
                      "crop)",
        "crop_ratio": "augmentation: range of the random crop's width/height ratio",
        "flip": "augmentation: random horizontal mirror (half of the images)",
        "optimizer": "adamw (decoupled weight decay), adam, or sgd with Nesterov momentum",
        "lr": "peak learning rate",
        "momentum": "momentum of sgd (unused by adam/adamw)",
        "weight_decay": "L2 penalty (adam, sgd) or decoupled weight decay (adamw)",
        "label_smoothing": "label smoothing of the cross-entropy loss, for the train and the val loss alike",
        "scheduler": "learning-rate schedule: cosine (down to zero), step (times gamma every step_size epochs) or "
                     "none (constant)",
        "warmup_epochs": "linear rise from almost zero to lr over this many first epochs; 0 turns it off",
        "step_size": "epochs between two decays of the step scheduler",
        "gamma": "decay factor of the step scheduler",
        "patience": "early stopping: stop after this many epochs without improvement of monitor; none trains all "
                    "epochs",
        "monitor": "what early stopping watches: val_loss (lower is better) or val_acc",
        "seed": "random seed of the initial weights, the data order and the augmentation",
        "split_seed": "random seed of the train/val split, apart from seed so that every run shares one split",
        "amp": "auto: mixed precision where the GPU has it (bf16, or fp16 on a T4); off: fp32",
        "channels_last": "NHWC memory layout, which tensor cores prefer: auto (on CUDA), on or off",
        "compile": "run the model through torch.compile (slower start, faster epochs on a GPU)",
        "val_fraction": "share of the labelled images held out for validation when the split is made",
        "grad_norm_every": "record every block's gradient norm each this many steps (gradient_norms.csv); 0 turns "
                           "it off; never changes what is trained",
        "value": "value",
        "meaning": "meaning",
    },
}
