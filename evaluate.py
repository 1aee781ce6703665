"""`python evaluate.py --questions eval/questions.jsonl [...]`: the same as `casechat eval`."""

from __future__ import annotations

import sys

from cli import app


def main() -> None:
    app(["eval", *sys.argv[1:]], prog_name="evaluate.py")


if __name__ == "__main__":
    main()
