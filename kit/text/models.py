"""What each Tahap-3 modification of ``kit.models.MODIFICATIONS`` changes, one sentence per catalogue key."""

STRINGS = {
    "id": {
        "preact": "Blok pra-aktivasi: BN dan aktivasi sebelum tiap konvolusi, jalur identitas bersih",
        "se": "Squeeze-and-excitation: bobot tiap kanal dari pooling global, sebelum penjumlahan residual",
        "activation=gelu": "Aktivasi GELU menggantikan ReLU di seluruh jaringan",
        "activation=silu": "Aktivasi SiLU (Swish) menggantikan ReLU di seluruh jaringan",
        "activation=mish": "Aktivasi Mish menggantikan ReLU di seluruh jaringan",
        "dropout": "Dropout pada fitur hasil pooling, sebelum lapisan klasifikasi",
        "dropout_where=block": "Dropout di dalam tiap blok, di antara konvolusi",
        "multipath": "Blok multi-jalur: jalur 3x3 dan 5x5 paralel, digabung (jumlah atau concat + 1x1)",
        "groups": "Konvolusi berkelompok ResNeXt (kardinalitas x lebar per kelompok)",
        "zero_init_residual": "Lapisan terakhir tiap cabang residual diinisialisasi nol, blok mulai sebagai identitas",
    },
    "en": {
        "preact": "Pre-activation blocks: BN and activation before each conv, a clean identity path",
        "se": "Squeeze-and-excitation: per-channel weights from global pooling, before the residual addition",
        "activation=gelu": "GELU instead of ReLU throughout the network",
        "activation=silu": "SiLU (Swish) instead of ReLU throughout the network",
        "activation=mish": "Mish instead of ReLU throughout the network",
        "dropout": "Dropout on the pooled features, before the classifier",
        "dropout_where=block": "Dropout inside each block, between the convs",
        "multipath": "Multi-path blocks: parallel 3x3 and 5x5 paths, merged by sum or concat + 1x1",
        "groups": "ResNeXt grouped convolutions (cardinality x width per group)",
        "zero_init_residual": "Each residual branch's last layer starts at zero, so blocks start as the identity",
    },
}
