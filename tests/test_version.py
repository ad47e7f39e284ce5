"""One version: the installed package's metadata is read from ``evohpo.__version__``."""

from importlib.metadata import version

import evohpo


def test_the_installed_version_is_evohpo_version() -> None:
    assert version("evohpo") == evohpo.__version__
