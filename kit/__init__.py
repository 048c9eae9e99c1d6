"""Course kit for IF25-40401 *Eksplorasi ResNet*.

Importing ``kit`` has no side effects: no seeds are set, no cudnn flags changed, nothing downloaded.
Submodules are imported where they are used (``from kit.models import build_model``).
"""

__version__ = "0.1.0"

CLASSES = ("bakso", "gado_gado", "nasi_goreng", "rendang", "soto_ayam")
"""The five classes of the course dataset, in the order used for label indices."""
