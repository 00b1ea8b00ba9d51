"""Every module's docstring examples stay true. The modules are found, not listed: a new module is
checked as soon as it exists (only the entry point, which runs the command, is left out)."""

import doctest
import importlib
import pkgutil

import pytest

import biss_helpers

MODULES = sorted(info.name for info in pkgutil.walk_packages(biss_helpers.__path__, "biss_helpers.")
                 if not info.name.endswith("__main__"))


def test_the_modules_are_found():
    expected = {"biss_helpers.training", "biss_helpers.tasks.base", "biss_helpers.tasks.submission"}
    assert expected <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, result
