"""HTML of the Dokumenter tab: build progress, checked uploads, messages. All text escaped."""

from __future__ import annotations

from html import escape

from casechat.library import Refusal
from casechat.library.builder import BuildState
from casechat.library.corpus_files import Candidate

NO_EDITORS = (
    "Biblioteket kan kun læses: der er ingen redaktører endnu. Opret en i en terminal med "
    "`casechat editor add NAVN`, og genindlæs siden."
)
LOGIN_NEEDED = "Log ind som redaktør for at tilføje, erstatte, fjerne eller gendanne dokumenter."
CSS = """
.lib-bar { height: .7em; border-radius: 999px; background: var(--border-color-primary);
  overflow: hidden; margin: .3em 0; }
.lib-bar > div { height: 100%; background: var(--color-accent); transition: width .4s; }
.lib-msg { padding: .5em .8em; border-radius: 6px; margin: .3em 0; }
.lib-ok { background: #d7f0dd; color: #14532d; }
.lib-warn { background: #fdf0c8; color: #713f12; }
.lib-error { background: #fde2e1; color: #7f1d1d; }
.lib-files li { margin: .2em 0; }
"""

_PHASES = {
    "queued": "Venter på at opdatere indekset …",
    "reading": "Læser dokumenterne …",
    "ocr": "Læser scannede sider (OCR)",
    "embedding": "Embedder tekststykker",
    "swapping": "Tager det nye indeks i brug …",
}


def message(text: str, kind: str = "ok") -> str:
    """A short message box: kind ok, warn or error."""
    lines = "".join(f"<p>{escape(line)}</p>" for line in text.split("\n") if line.strip())
    return f'<div class="lib-msg lib-{escape(kind)}">{lines}</div>'


def progress(state: BuildState) -> str:
    """The build's progress bar, or what the last build did."""
    if state.busy:
        text = _PHASES.get(state.phase, "Opdaterer indekset …")
        share = 0.05
        if state.phase == "ocr" and state.total:
            text += f": side {state.done} af {state.total}"
            share = 0.05 + 0.05 * state.done / state.total
        elif state.phase == "embedding" and state.total:
            text += f": {state.done} af {state.total}"
            share = 0.1 + 0.85 * state.done / state.total
        elif state.phase == "swapping":
            share = 0.97
        note = "Chatten svarer fra det nuværende indeks, indtil det nye er klar."
        return (
            f'<div class="lib-progress" data-phase="{escape(state.phase)}">'
            f"<p>{escape(text)}</p>"
            f'<div class="lib-bar"><div style="width:{share * 100:.0f}%"></div></div>'
            f'<p class="cc-hint">{escape(note)}</p></div>'
        )
    if state.error:
        return message(
            f"Indekset kunne ikke opdateres: {state.error}\nChatten svarer fortsat fra det "
            "forrige indeks. Ret fejlen, og prøv igen (fx med »Opdatér indekset«).",
            "error",
        )
    if state.report and state.report.changed:
        done = message("Indekset er opdateret: " + state.report.summary())
        return f'<div class="lib-progress" data-phase="idle">{done}</div>'
    return '<div class="lib-progress" data-phase="idle"></div>'


def checked(candidates: list[Candidate], refused: list[Refusal]) -> str:
    """The uploads: which are ready (and which would replace a document), which not."""
    items = []
    for c in candidates:
        pages = f", {c.pages} sider" if c.pages else ""
        line = f"{c.original} → {c.name} ({c.format.upper()}{pages}): klar"
        if c.conflict:
            line += (
                f". Findes allerede ({c.conflict.describe()}): sæt flueben i »Erstat«, "
                "hvis den nye skal erstatte den gamle"
            )
        items.append(f'<li class="lib-ready">{escape(line)}</li>')
    for r in refused:
        text = f"{r.original}: tilføjes ikke – {r.reason}"
        items.append(f'<li class="lib-refused">{escape(text)}</li>')
    if not items:
        return ""
    return f'<ul class="lib-files">{"".join(items)}</ul>'
