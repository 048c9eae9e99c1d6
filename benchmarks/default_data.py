"""Which dataset a benchmark measures when none is named: ``$KIT_DATA``, else the downscaled course dataset
(``if25-4041-mini``) in the ``shared/data`` folder beside the repository when it is there, else the kit's
synthetic stand-in."""

import os
from pathlib import Path

MINI = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "if25-4041-mini"


def default_dataset() -> str:
    if os.environ.get("KIT_DATA"):
        return os.environ["KIT_DATA"]
    return str(MINI) if MINI.exists() else "synthetic"
