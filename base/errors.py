"""The one place for casechat's error types.

The library raises these; the CLI turns them into one line and a non-zero exit,
the web chat shows them as a Danish message. Every message says what to do.
"""

from __future__ import annotations


class CasechatError(Exception):
    """Base error: its message is meant for the person using casechat."""


class ModelError(CasechatError):
    """The embedding model is missing, cannot be prepared or cannot be loaded."""


class CorpusError(CasechatError):
    """The corpus folder or a document in it cannot be used."""


class IndexMissingError(CasechatError):
    """No index has been built in the index folder yet."""


class IndexMismatchError(CasechatError):
    """The index was built with another model, chunking or schema."""


class IndexCorruptError(CasechatError):
    """An index file is damaged, truncated or fails its checksum."""


class QueryError(CasechatError):
    """A question cannot be searched (empty, only control characters, ...)."""


class BuildLockedError(CasechatError):
    """Another build is already writing to the same index folder."""


class LibraryError(CasechatError):
    """A change to the document library is refused (bad upload, unknown name, ...)."""


class AccessError(CasechatError):
    """A change to the library needs an editor login that is missing or refused."""


class BusyError(CasechatError):
    """The search pool is full: try again shortly (HTTP 429 with Retry-After)."""


class WebError(CasechatError):
    """A web page could not be fetched safely (address refused, too large, an error reply)."""
