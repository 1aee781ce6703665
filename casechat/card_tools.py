"""The tools on every citation card and answer: context, whole passage, similar, link.

Each card gets a bar (rendered here, placed by casechat/cards.py):

- »Vis i kontekst« is a native <details>: one click (or Enter/Space) opens the
  surrounding document text right below the card with the passage marked, and
  closes it again; no script and no round trip, so it works in the sanitized chat.
- »Vis hele passagen« undoes the clamp that keeps a card to a few lines (the
  whole passage is always in the page; the clamp is CSS only).
- »Find lignende passager« asks the chat for passages near this one
  (casechat/similar.py) as a new turn: the script below puts the passage id in a
  hidden textbox of the chat and presses its hidden button.
- For a paged document, the link to the original file at the passage's page.

Every answer's footer carries »Kopiér link«: `/?q=…` with its filters
(casechat/answer_link.py), copied to the clipboard by the script.
"""

from __future__ import annotations

from casechat.chat_view import render_context
from casechat.html_text import escape, original_link, pages_label
from ingest.document import Chunk, Document

#: elem_ids of the chat's hidden textbox and button that run »Find lignende passager«.
SIMILAR_BOX = "lignende-id"
SIMILAR_BUTTON = "lignende-knap"


def render_tools(chunk: Chunk, document: Document) -> str:
    """The tool bar of one card (context, whole passage, similar passages, page link)."""
    pages = pages_label(chunk)
    page_link = ""
    if pages and document.format == "pdf":
        link = escape(original_link(chunk, document))
        page_link = (
            f'<a class="cc-tool cc-page" href="{link}" target="_blank" rel="noopener">'
            f"Åbn PDF på {escape(pages)}</a>"
        )
    return (
        '<div class="cc-tools">'
        f'<button type="button" class="cc-tool cc-more" aria-expanded="false">'
        "Vis hele passagen</button>"
        f'<button type="button" class="cc-tool cc-similar" value="{chunk.chunk_id}">'
        "Find lignende passager</button>"
        f"{page_link}"
        '<details class="cc-in-context"><summary class="cc-tool">Vis i kontekst</summary>'
        f"{render_context(document, chunk)}</details>"
        "</div>"
    )


#: CSS for the card tools and the compact card (passed to Gradio's launch).
CSS = """
.cc-text { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3;
  overflow: hidden; }
.cc-card.cc-open .cc-text { display: block; -webkit-line-clamp: none; overflow: visible; }
.cc-tools { display: flex; flex-wrap: wrap; gap: .35em .5em; align-items: flex-start;
  margin-top: .35em; font-size: .85em; }
.cc-tool { border: 1px solid var(--border-color-primary); border-radius: 6px;
  background: var(--background-fill-secondary); color: var(--body-text-color);
  padding: .1em .55em; cursor: pointer; text-decoration: none; line-height: 1.6; }
.cc-tool:focus-visible, .cc-card a:focus-visible, .cc-vote button:focus-visible {
  outline: 3px solid #1d4ed8; outline-offset: 2px; }
.cc-in-context { order: 9; }
.cc-in-context[open] { flex-basis: 100%; }
.cc-in-context > summary { display: inline-block; list-style: none; }
.cc-in-context > summary::-webkit-details-marker { display: none; }
.cc-in-context[open] > summary::after { content: " (skjul)"; }
.cc-in-context[open] .cc-context { margin-top: .4em; max-height: 360px; }
.cc-share { font-size: .85em; display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
.cc-link { color: var(--body-text-color); }
.cc-copy-status { color: #14532d; }
.cc-hidden-tool { display: none !important; }
"""

#: Page script: the card and answer buttons, by event delegation (cards arrive later).
CARD_JS = r"""() => {
  if (window.ccTools) return;
  window.ccTools = true;
  const setBox = (id, value) => {
    const box = document.querySelector(`#${id} textarea, #${id} input`);
    if (!box) return false;
    box.value = value;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    return true;
  };
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {}
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    return done;
  };
  const markClamped = () => {
    document.querySelectorAll('.cc-card').forEach((card) => {
      const text = card.querySelector('.cc-text');
      const more = card.querySelector('.cc-more');
      if (!text || !more || card.classList.contains('cc-open')) return;
      more.hidden = text.scrollHeight <= text.clientHeight + 2;
    });
  };
  new MutationObserver(() => setTimeout(markClamped, 50))
    .observe(document.body, {childList: true, subtree: true});
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button.cc-tool');
    if (!button) return;
    const card = button.closest('.cc-card');
    if (button.classList.contains('cc-more') && card) {
      const open = card.classList.toggle('cc-open');
      button.setAttribute('aria-expanded', String(open));
      button.textContent = open ? 'Vis mindre af passagen' : 'Vis hele passagen';
    } else if (button.classList.contains('cc-similar')) {
      if (setBox('SIMILAR_BOX', button.value)) {
        setTimeout(() => document.querySelector('#SIMILAR_BUTTON')?.click(), 50);
      }
    } else if (button.classList.contains('cc-copy')) {
      const url = new URL(button.value, window.location.href).href;
      const status = button.parentElement.querySelector('.cc-copy-status');
      const ok = await copy(url);
      if (status) status.textContent = ok ? 'Linket er kopieret.' : 'Kopiér linket ovenfor.';
    }
  });
}""".replace("SIMILAR_BOX", SIMILAR_BOX).replace("SIMILAR_BUTTON", SIMILAR_BUTTON)
