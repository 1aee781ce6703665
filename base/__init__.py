"""The ground floor: settings and errors. It imports nothing of casechat's own."""

__version__ = "0.1.0"
