"""Notebooks under nbval run in smoke mode (synthetic data, 64 px, 2 epochs) in one fresh workspace.

The kernels nbval starts inherit this process's environment, so setting it here reaches every notebook; they
run in file order (01 -> 05) and share the workspace, as they would on Google Drive.
"""

import os
import tempfile

os.environ.setdefault("KIT_SMOKE", "1")  # KIT_SMOKE=0 runs them for real (benchmarks/gpu_check.py)
os.environ.setdefault("KIT_WORKSPACE", tempfile.mkdtemp(prefix="kit-notebooks-"))
os.environ.setdefault("MPLBACKEND", "Agg")
