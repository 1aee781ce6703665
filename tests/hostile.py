"""Functions that behave like a hostile file's parser, for the sandbox tests.

They live in a module of their own so that the sandbox's child process can
import them by name.
"""

from __future__ import annotations

import os
import signal
import time


def hang() -> None:
    while True:
        time.sleep(0.05)


def spin() -> None:
    while True:
        pass


def eat_memory() -> bytes:
    return b"x" * (8 * 1024**3)


def crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def answer(value: int) -> int:
    return value * 2
