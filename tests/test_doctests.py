"""The examples in the docstrings of the modules that have runnable ones must stay true."""

import doctest
import importlib

import pytest

MODULES = ["biss_helpers.fourcol", "biss_helpers.prompts", "biss_helpers.metrics",
           "biss_helpers.tasks", "biss_helpers.tasks.base", "biss_helpers.tasks.files",
           "biss_helpers.tasks.labels", "biss_helpers.tasks.acti"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
