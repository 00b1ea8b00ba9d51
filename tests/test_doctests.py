"""The examples in the docstrings of the modules that have runnable ones must stay true."""

import doctest
import importlib
import pkgutil

import pytest

from biss_helpers import tasks

TASK_MODULES = [f"biss_helpers.tasks.{m.name}" for m in pkgutil.iter_modules(tasks.__path__)]
# download's examples need the network
MODULES = ["biss_helpers.fourcol", "biss_helpers.prompts", "biss_helpers.metrics", "biss_helpers.mix",
           "biss_helpers.lengths", "biss_helpers.collate", "biss_helpers.memory", "biss_helpers.tasks",
           *TASK_MODULES]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
