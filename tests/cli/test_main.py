"""The evohpo command itself (evohpo/cli/main.py, python -m evohpo.cli): exit code 2 with an error:
line, and no TensorFlow started in the parent.
"""

from __future__ import annotations

import subprocess
import sys


def test_console_script_exit_code():
    proc = subprocess.run([sys.executable, "-m", "evohpo.cli", "search", "--task", "nope"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: unknown task")


def test_importing_evohpo_does_not_start_tensorflow():
    """The CLI answers `--help` and bad input in a fraction of a second: no TF in the parent."""
    code = "import sys, evohpo, evohpo.cli; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
