"""Progress bars that read right afterwards: a bar while the work runs, one line of text once it is done.

tqdm's notebook bar is an ipywidgets widget, and a saved notebook keeps only the widget's ``text/plain``
fallback, taken when the bar first appeared. Reopened in JupyterLab every epoch then shows frozen at
``0%|  | 0/6``, as if training never ran; an HTML export shows nothing at all. So here a notebook bar is shown
under a display id (IPython's display handles) and, once closed, its output is replaced by plain text: the line
that ``write_line`` gives it (the epoch's summary), else the bar's final state. Live, the student sees a bar;
saved or exported, the notebook shows what happened.

Outside a notebook (a terminal, ``kit train``, CI logs) the bar is tqdm's text bar, erased when it closes, and
``write_line`` prints the line where the bar was.

    bar = progress_bar(batches, total=steps, desc="epoch 3/30", enabled=progress)
    for images, labels in bar: ...
    bar.close()
    write_line("epoch 3/30  loss 0.91  acc 64.0%", replacing=bar)
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from tqdm import tqdm
from tqdm.notebook import tqdm as notebook_tqdm

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def progress_bar(iterable: Iterable | None = None, total: int | None = None, desc: str = "",
                 enabled: bool = True) -> tqdm:
    """A tqdm bar over ``iterable``: a widget in a Jupyter notebook, text elsewhere, nothing when not ``enabled``.

    It disappears when closed (``leave=False``); pass it to ``write_line(..., replacing=bar)`` to leave a line
    of text in its place. Use it like any tqdm bar (iterate, ``set_postfix``, ``close``).
    """
    display = _notebook_display() if enabled else None
    if display is not None:
        return NotebookBar(iterable, total=total, desc=desc, display_function=display)
    return tqdm(iterable, total=total, desc=desc, leave=False, disable=not enabled, dynamic_ncols=True)


def write_line(text: str, replacing: tqdm | None = None) -> None:
    """Show ``text`` as one line: in place of the closed notebook bar ``replacing`` (so the saved notebook keeps
    the line, not the bar), else printed without tearing any bar still running."""
    if isinstance(replacing, NotebookBar) and replacing.display_handle is not None:
        replacing.display_handle.update({"text/plain": text}, raw=True)
    else:
        tqdm.write(text)


class NotebookBar(notebook_tqdm):
    """tqdm's notebook widget, displayed under a display id so that closing it can replace it with text.

    tqdm would display the widget itself, through the widget's own display hook; with ipywidgets 7 that hook
    drops the display id. So the widget is displayed here, as a raw mime bundle that names it by model id (the
    same bundle ipywidgets 7 and 8 publish), with a ``text/plain`` fallback that is no frozen ``0%``.
    """

    def __init__(self, iterable: Iterable | None = None, *, total: int | None = None, desc: str = "",
                 display_function: Callable[..., Any]):
        super().__init__(iterable, total=total, desc=desc, leave=False, display=False)
        self.display_handle = None
        if not self.disable:
            bundle = {"text/plain": f"{desc} …" if desc else "…",
                      WIDGET_MIME: {"version_major": 2, "version_minor": 0, "model_id": self.container.model_id}}
            self.display_handle = display_function(bundle, raw=True, display_id=True)

    def close(self) -> None:
        """Close the widget and leave the bar's final state as plain text (``write_line`` may replace it)."""
        already_closed = self.disable
        super().close()
        if not already_closed and self.display_handle is not None:
            final = dict(self.format_dict, ncols=None)  # a fixed-width text bar, not the widget's width
            self.display_handle.update({"text/plain": self.format_meter(**final)}, raw=True)


def _notebook_display() -> Callable[..., Any] | None:
    """IPython's ``display`` when this code runs in a Jupyter kernel that can show widgets, else None.

    The same test tqdm.auto makes: an IPython kernel (``IPKernelApp``), not a terminal IPython, and ipywidgets.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or "IPKernelApp" not in shell.config:
        return None
    try:
        import ipywidgets  # noqa: F401  (only whether the widget can be drawn)
    except ImportError:
        return None
    from IPython.display import display

    return display
