"""casechat: cited Danish passage search over municipal digital-transformation cases.

This package is the app floor: answering a question, the chat's HTML, follow-ups
and the live index. See docs/ARCHITECTURE.md for the floors below and above it.
"""

from base import __version__

__all__ = ["__version__"]
