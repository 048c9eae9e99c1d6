"""The errors a ``kit`` command reports as one message instead of a traceback: each says what to fix.

Bad input (``ValueError``: options, data, a run folder of another config), files (``OSError``: missing, not
writable, full disk), and the kit's own failures with a message for the student. Anything else is a bug, and
its traceback is shown.
"""

from kit.checkpoint import DamagedCheckpoint
from kit.data.sources import DataUnavailableError
from kit.oom import BatchSizeTooLarge
from kit.run_folder import RunLocked
from kit.train import TrainingDiverged

EXPECTED_FAILURES: tuple[type[BaseException], ...] = (
    ValueError, OSError, DataUnavailableError, TrainingDiverged, BatchSizeTooLarge, DamagedCheckpoint, RunLocked,
)


def exit_status(error: BaseException) -> int:
    """1 when there is no data to work on (the message says where to put it by hand), 2 for anything to fix."""
    return 1 if isinstance(error, DataUnavailableError) else 2
