"""Fixtures shared by several test modules."""

import pytest
import torch


@pytest.fixture(scope="module")
def one_thread():
    """Tiny batches gain nothing from two threads, and on a busy 2-core machine threads fight each other.

    Modules that train tiny models opt in with ``pytestmark = pytest.mark.usefixtures("one_thread")``.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def english():
    """Messages in English for the tests that read them (the kit speaks Indonesian by default)."""
    from kit.text import set_language

    set_language("en")
    yield
    set_language(None)
