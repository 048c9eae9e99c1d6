"""The group header: what is wrong with it, what is still unfilled, and which saved header a notebook uses."""

STRINGS = {
    "id": {
        "group_name_type": "GROUP_NAME harus berupa teks dalam tanda kutip, misalnya \"Kelompok 7\"; "
                           "yang tertulis: {value!r}",
        "members_type": "MEMBERS harus berupa daftar pasangan (nama, NIM), misalnya "
                        "[(\"Ani\", \"122140001\"), (\"Budi\", \"122140002\")]; yang tertulis: {value!r}",
        "member_pair": "MEMBERS baris ke-{position} harus berupa pasangan (nama, NIM); yang tertulis: {value!r}",
        "member_name_type": "Nama anggota ke-{position} harus berupa teks dalam tanda kutip; yang tertulis: "
                            "{value!r}",
        "nim_type": "NIM anggota ke-{position} ({name}) harus berupa teks angka, misalnya \"122140001\"; "
                    "yang tertulis: {value!r}",
        "nim_digits": "NIM anggota ke-{position} ({name}) hanya boleh berisi angka 0-9; yang tertulis: {value!r}",
        "one_line": "{field} harus satu baris (tanpa baris baru); yang tertulis: {value!r}",
        "members_empty": "MEMBERS kosong: tulis setiap anggota kelompok sebagai pasangan (nama, NIM)",
        "nim_repeated": "NIM yang sama muncul lebih dari sekali di MEMBERS: {nims}",
        "no_name": "tanpa nama",
        "group_placeholder": "GROUP_NAME masih berisi contoh {value!r}: isi dengan nama kelompok Anda.",
        "name_placeholder": "Anggota ke-{position}: nama masih berisi contoh {value!r}.",
        "nim_placeholder": "Anggota ke-{position} ({name}): NIM masih berisi contoh {value!r}.",
        "incomplete": "Header kelompok belum lengkap (laporan akan menandainya): {problems}",
        "unfilled": "Header kelompok belum diisi: GROUP_NAME dan MEMBERS masih berisi contoh ({group!r}, {name!r}, "
                    "{nim!r}, …). Tulis nama kelompok dan setiap anggota sebagai (nama, NIM), lalu jalankan ulang "
                    "sel itu (laporan akan menandainya).",
        "saved_used": "Sel header belum diisi: memakai header yang tersimpan di workspace ({group}: {nims}).",
        "saved_replaced": "Header kelompok diganti: sebelumnya {old}, sekarang {new}.",
        "file_broken": "{path} tidak dapat dibaca sebagai header kelompok ({problem}). Hapus berkas itu lalu "
                       "jalankan ulang sel header.",
        "file_missing_keys": "tidak ada {keys}",
    },
    "en": {
        "group_name_type": "GROUP_NAME must be text in quotes, e.g. \"Group 7\"; it holds: {value!r}",
        "members_type": "MEMBERS must be a list of (name, NIM) pairs, e.g. "
                        "[(\"Ani\", \"122140001\"), (\"Budi\", \"122140002\")]; it holds: {value!r}",
        "member_pair": "MEMBERS entry {position} must be a (name, NIM) pair; it holds: {value!r}",
        "member_name_type": "The name of member {position} must be text in quotes; it holds: {value!r}",
        "nim_type": "The NIM of member {position} ({name}) must be text of digits, e.g. \"122140001\"; "
                    "it holds: {value!r}",
        "nim_digits": "The NIM of member {position} ({name}) may hold only the digits 0-9; it holds: {value!r}",
        "one_line": "{field} must be one line (no line breaks); it holds: {value!r}",
        "members_empty": "MEMBERS is empty: list every group member as a (name, NIM) pair",
        "nim_repeated": "The same NIM appears more than once in MEMBERS: {nims}",
        "no_name": "no name",
        "group_placeholder": "GROUP_NAME is still the placeholder {value!r}: fill in your group's name.",
        "name_placeholder": "Member {position}: the name is still the placeholder {value!r}.",
        "nim_placeholder": "Member {position} ({name}): the NIM is still the placeholder {value!r}.",
        "incomplete": "The group header is incomplete (the report marks it): {problems}",
        "unfilled": "The group header is not filled in: GROUP_NAME and MEMBERS still hold the examples ({group!r}, "
                    "{name!r}, {nim!r}, …). Write your group's name and every member as (name, NIM), then run that "
                    "cell again (the report marks it).",
        "saved_used": "The header cell is not filled in: using the header saved in the workspace ({group}: {nims}).",
        "saved_replaced": "The group header changed: it was {old}, it is now {new}.",
        "file_broken": "{path} cannot be read as a group header ({problem}). Delete that file and run the header "
                       "cell again.",
        "file_missing_keys": "no {keys}",
    },
}
