"""End a finished command-line process without the interpreter's teardown.

When a ``porchside`` command (or the localstripe child of the demo and the
tests) is done, Python still clears every module and collects the whole
heap before the process ends: about 0.6 s of CPU, and 3 s or more on a busy
machine, at the end of ``porchside demo``, which whoever stopped it waited
for. :func:`exit_now` keeps what an ordinary exit does that anyone can
observe (it waits for running threads, runs the ``atexit`` handlers:
logging's flush, temporary folders, coverage; flushes stdout and stderr)
and then ends the process with the same exit code.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` ends a process with (a message goes to stderr, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def exit_now(code: object = 0) -> NoReturn:
    """Leave as ``sys.exit(code)`` would, without tearing the interpreter down."""
    status = exit_status(code)
    threading._shutdown()  # what an ordinary exit does first: wait for non-daemon threads
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe or file: nothing more can be written
    os._exit(status)
