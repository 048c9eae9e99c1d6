"""What ``kit.train.fit`` and the run folder tell a student: progress lines, refusals, and what to do next."""

STRINGS = {
    "id": {
        "epoch_line": "epoch {epoch:>{width}}/{epochs}  loss latih {train_loss:.4f} akurasi {train_acc:6.1%}  |  "
                      "loss val {val_loss:.4f} akurasi {val_acc:6.1%}{best}  |  lr {lr:.2e}  {seconds:.1f} s  "
                      "{images_per_s:,.0f} gambar/s",
        "early_stop": "  (early stopping: tidak membaik)",
        "loaded": "{run_dir} berisi run yang sudah selesai ({epochs} epoch): dimuat, tidak dilatih ulang.",
        "rebuilt": "{run_dir}: {files} hilang dan dibuat ulang dari checkpoint run ini.",
        "resuming": "Melanjutkan {run_dir} setelah epoch {epoch} dari {epochs}.",
        "interrupted": "Latihan dihentikan; {run_dir} menyimpan setiap epoch yang selesai. Jalankan fit yang sama "
                       "lagi untuk melanjutkan dari last.pt.",
        "diverged_train": "Loss latih menjadi {loss} di epoch {epoch} (langkah {step}) pada lr {lr:.2g}. Turunkan "
                          "learning rate (mis. Config(lr={suggested:.1g}), sepertiga dari {config_lr:g}) dan latih "
                          "ke folder run baru; {kept}",
        "diverged_val": "Loss validasi menjadi {loss} di epoch {epoch}: latihan dihentikan. Turunkan learning rate "
                        "(mis. Config(lr={suggested:.1g}), sepertiga dari {config_lr:g}) dan latih ke folder run "
                        "baru; {kept}",
        "kept_epoch": "last.pt menyimpan epoch {epoch}, epoch terakhir yang loss-nya terhingga; best.pt menyimpan "
                      "epoch terbaik yang terhingga.",
        "kept_start": "belum ada epoch yang baik: last.pt menyimpan bobot awal.",
        "exploding": "{which} epoch {epoch} ({loss:.3g}) adalah {factor:.3g} kali loss tebakan acak ({chance:.2f}): "
                     "latihan meledak. Learning rate {lr:g} kemungkinan terlalu besar; latihan berhenti bila loss "
                     "menjadi NaN.",
        "locked": "{run_dir} sedang dilatih oleh proses lain (pid {pid} di {host}, sejak {since}). Tunggu sampai "
                  "selesai atau hentikan proses itu; kunci dari proses yang sudah berhenti tidak menghalangi.",
        "locked_unknown": "{run_dir} sedang dilatih oleh proses lain (tidak diketahui yang mana). Tunggu sampai "
                          "selesai atau hentikan proses itu.",
        "not_writable": "{run_dir} tidak bisa ditulisi ({error}). Periksa bahwa Drive ter-mount dan folder itu "
                        "milikmu, atau pilih workspace lain; belum ada yang dilatih.",
        "disk_full": "Menulis {path} gagal: disk penuh ({error}). Kosongkan ruang (mis. hapus run lama di {runs}) "
                     "lalu jalankan lagi; checkpoint sebelumnya masih utuh.",
        "write_failed": "Menulis file run gagal ({error}); checkpoint sebelumnya masih utuh.",
        "damaged": "{path} rusak dan tidak bisa dibaca ({error}). Hapus {path} (run mulai lagi dari epoch 1) atau "
                   "seluruh folder {run_dir}, lalu latih lagi.",
        "config_mismatch": "{run_dir} sudah berisi run dengan config lain ({changes}). Satu folder run untuk satu "
                           "config: {hint} atau hapus folder ini untuk mulai dari awal.",
        "config_hint": "latih ke folder baru (mis. run_dir_for(workspace, '{name}_2'))",
        "experiment_conflict": "Config ini bertentangan dengan pengaturan bersama eksperimen di {experiment} "
                               "({changes}). Semua run yang dibandingkan memakai satu Config: pakai "
                               "session.experiment() (yang boleh beda: {per_run}), atau hapus {experiment} dan folder "
                               "runs untuk mulai dari awal.",
        "model_mismatch": "Model ini {model} {options}, tetapi Config menyebut {config_model} {config_options}: "
                          "run akan salah label. Bangun model dengan build_model_for(config, jumlah_kelas).",
        "model_unknown": "fit melatih model dari kit.models.build_model (build_model_for(config, jumlah_kelas)); "
                         "{kind} tidak menyebut arsitektur dan opsinya, jadi config.json tidak bisa menjelaskannya.",
        "data_mismatch": "Batch data dibuat dengan {changes}, berbeda dari Config. Buat batch dengan "
                         "kit.data.pipeline.batches_for(config, ...).",
        "oom": "GPU kehabisan memori dengan batch_size={batch_size} ({where}). Uji cepat menemukan batch_size={fits} "
               "muat: pakai Config(batch_size={fits}, ...) dan buat batch dengannya, di folder run baru (batch "
               "size lain berarti config lain).",
        "oom_even_one": "GPU kehabisan memori bahkan dengan batch 1 ({where}). Pakai config.image_size lebih kecil, "
                        "atau restart runtime untuk membebaskan memori notebook lain.",
    },
    "en": {
        "epoch_line": "epoch {epoch:>{width}}/{epochs}  train loss {train_loss:.4f} acc {train_acc:6.1%}  |  "
                      "val loss {val_loss:.4f} acc {val_acc:6.1%}{best}  |  lr {lr:.2e}  {seconds:.1f} s  "
                      "{images_per_s:,.0f} img/s",
        "early_stop": "  (early stop: no improvement)",
        "loaded": "{run_dir} holds a finished run ({epochs} epochs): loaded, not retrained.",
        "rebuilt": "{run_dir}: {files} were missing and have been rebuilt from the run's checkpoints.",
        "resuming": "Resuming {run_dir} after epoch {epoch} of {epochs}.",
        "interrupted": "Training stopped; {run_dir} keeps every finished epoch. Run the same fit again to resume "
                       "from last.pt.",
        "diverged_train": "The training loss became {loss} in epoch {epoch} (step {step}) at lr {lr:.2g}. Lower the "
                          "learning rate (e.g. Config(lr={suggested:.1g}), a third of {config_lr:g}) and train into a "
                          "new run folder; {kept}",
        "diverged_val": "The validation loss became {loss} in epoch {epoch}: training stopped. Lower the learning "
                        "rate (e.g. Config(lr={suggested:.1g}), a third of {config_lr:g}) and train into a new run "
                        "folder; {kept}",
        "kept_epoch": "last.pt keeps epoch {epoch}, the last epoch with a finite loss; best.pt keeps the best epoch "
                      "with finite losses.",
        "kept_start": "no epoch was good yet: last.pt keeps the initial weights.",
        "exploding": "The {which} of epoch {epoch} ({loss:.3g}) is {factor:.3g} times that of guessing "
                     "({chance:.2f}): training is blowing up. The learning rate {lr:g} is probably too high; training "
                     "stops once a loss becomes NaN.",
        "locked": "{run_dir} is being trained by another process (pid {pid} on {host}, since {since}). Wait for it "
                  "to finish or stop it; a lock left by a process that has ended does not block.",
        "locked_unknown": "{run_dir} is being trained by another process (which one is not recorded). Wait for it "
                          "to finish or stop it.",
        "not_writable": "{run_dir} cannot be written ({error}). Check that Drive is mounted and the folder is "
                        "yours, or choose another workspace; nothing has been trained.",
        "disk_full": "Writing {path} failed: the disk is full ({error}). Free some space (e.g. delete old runs in "
                     "{runs}) and run again; the previous checkpoint is intact.",
        "write_failed": "Writing the run files failed ({error}); the previous checkpoint is intact.",
        "damaged": "{path} is damaged and cannot be read ({error}). Delete {path} (the run starts again from epoch "
                   "1) or the whole folder {run_dir}, then train again.",
        "config_mismatch": "{run_dir} already holds a run with a different config ({changes}). A run folder belongs "
                           "to one config: {hint} or delete this folder to start over.",
        "config_hint": "train into a new folder (e.g. run_dir_for(workspace, '{name}_2'))",
        "experiment_conflict": "This Config contradicts the experiment's shared settings in {experiment} "
                               "({changes}). All runs compared share one Config: use session.experiment() (what may "
                               "differ: {per_run}), or delete {experiment} and the runs folder to start over.",
        "model_mismatch": "The model is {model} {options} but the Config says {config_model} {config_options}: the "
                          "run would be mislabelled. Build the model with build_model_for(config, num_classes).",
        "model_unknown": "fit trains models of kit.models.build_model (build_model_for(config, num_classes)); a "
                         "{kind} does not name its architecture and options, so config.json could not describe it.",
        "data_mismatch": "The batches were built with {changes}, unlike the Config. Build them with "
                         "kit.data.pipeline.batches_for(config, ...).",
        "oom": "Out of GPU memory with batch_size={batch_size} ({where}). A quick probe found that "
               "batch_size={fits} fits: use Config(batch_size={fits}, ...) and build the batches with it, in a new "
               "run folder (a different batch size is a different config).",
        "oom_even_one": "Out of GPU memory even with a batch of 1 ({where}). Use a smaller config.image_size, or "
                        "restart the runtime to free memory held by other notebooks.",
    },
}
