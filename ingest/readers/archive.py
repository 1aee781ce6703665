"""Zip-based office files (.docx, .pptx, .odt): the archive's directory is checked first.

Before a parser opens the archive, a member or a total that would unpack to far
more than a document needs, or a compression ratio no text reaches, is a zip
bomb and is refused; so is a zip that lacks the part its format requires.
"""

from __future__ import annotations

import io
import zipfile

from base.errors import CorpusError
from ingest.readers.base import FoundMeta, tidy

#: Unpacked, the XML of a 500-page report is some tens of MB.
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 400 * 1024 * 1024
#: Office XML compresses about 5-20 times; a bomb, thousands of times.
MAX_RATIO = 200
MAX_MEMBERS = 10_000


def check_zip(data: bytes, what: str, required: str, kind: str) -> None:
    """Refuse a zip bomb or a zip without `required`; `what` names the file in Danish
    ("Word-filen"), `kind` the format ("et Word-dokument (.docx)")."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CorpusError(f"{what} er beskadiget (ikke et gyldigt zip-arkiv)") from exc
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise CorpusError(f"{what} indeholder {len(members)} dele; det er ikke et dokument")
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if (
            info.file_size > MAX_MEMBER_BYTES
            or total > MAX_TOTAL_BYTES
            or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO)
        ):
            raise CorpusError(
                f"{what} ville fylde urimeligt meget udpakket (en såkaldt zip-bombe) og læses ikke"
            )
    if required not in archive.namelist():
        raise CorpusError(f"filen er et zip-arkiv, men ikke {kind}")


def core_meta(props) -> FoundMeta:
    """Title and date from an OOXML file's core properties (python-docx, python-pptx)."""
    created = props.created or props.modified
    return FoundMeta(
        title=tidy(props.title or "") or None,
        date=created.date().isoformat() if created else None,
    )
