"""Build functions that go wrong the ways users' do (for the command-line tests)."""

from evohpo import Int, Space

SPACE = Space(units=Int(2, 8))
NOT_A_SPACE = {"units": [2, 8]}


def build(config, task):
    raise KeyError("dense_units")  # a typo in the user's config key


def needs_a_missing_package(config, task):
    import no_such_package  # noqa: F401
