"""casechat: cited Danish passage search over municipal digital-transformation cases."""

__version__ = "0.1.0"
