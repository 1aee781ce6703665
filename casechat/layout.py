"""The chat page's layout on a laptop and a phone: compact chrome, contrast, page scripts.

At 1366×768 the short answer and at least two card headers must be in view
without scrolling: the heading is one line, the conversation fills the window's
height, the side panel (filters, examples, export) folds away, and cards are
clamped (casechat/card_tools.py). At 390 px the columns stack. Meta text and
badges use colours with at least 4.5:1 contrast (WCAG 2.1 AA).
"""

from __future__ import annotations

#: Conversation height: the window minus the heading, the tabs and the question box.
CHAT_HEIGHT = "max(340px, calc(100vh - 215px))"

LAYOUT_CSS = """
:root, .gradio-container { --body-text-color-subdued: #4b5563 !important;
  --block-info-text-color: #4b5563 !important; }
.max_value, .min_value, .info-text { color: #4b5563 !important; }
#kopi h1 { font-size: 1.25rem; margin: 0; }
#kopi p { font-size: .85rem; margin: .1em 0 0 0; color: var(--body-text-color); }
.cc-meta, .cc-context-meta, .cc-hint, .cc-note, .cc-footer, .cc-vote {
  color: #4b5563 !important; }
.cc-context-meta { font-size: .8em; }
.cc-meta a.cc-source { color: #1d4ed8; }
.cc-rel-high { background: #d7f0dd; color: #14532d; }
.cc-rel-mid { background: #fdf0c8; color: #6b3a0e; }
.cc-rel-low { background: #eceff3; color: #1f2937; }
.cc-card { margin: .45em 0; padding: .5em .7em; }
.cc-short { margin: .2em 0 .45em 0; padding: .3em .6em !important; font-size: .95em; }
.cc-lead { margin: 0 0 .2em 0 !important; }
.cc-meta { margin: .1em 0 .25em 0; }
.cc-num, .cc-cite { color: #9a3412 !important; }
button.primary { background: #c2410c !important; border-color: #c2410c !important;
  color: #fff !important; }
button.primary:hover { background: #9a3412 !important; }
button.stop { background: #b91c1c !important; border-color: #b91c1c !important;
  color: #fff !important; }
#upload .or { color: var(--body-text-color); }
@media (max-width: 640px) {
  #kopi p { display: none; }
  .cc-meta { font-size: .78em; }
  .cc-tools { font-size: .8em; }
  #samtale { height: max(360px, calc(100vh - 260px)) !important; }
}
"""


def chain_js(*scripts: str) -> str:
    """One page-load script that runs each arrow function in turn."""
    calls = " ".join(f"({s})();" for s in scripts)
    return f"() => {{ {calls} }}"


#: Gradio writes a few English texts that its i18n does not cover (the upload box's
#: accessible name, the titles and close button of its notices); they are replaced as
#: they appear.
A11Y_JS = r"""() => {
  const TOAST = {Info: 'Besked', Warning: 'Advarsel', Error: 'Fejl', Success: 'Færdig'};
  const fix = () => {
    document.querySelectorAll('button.upload-container[aria-label]').forEach((b) => {
      b.removeAttribute('aria-label');
    });
    document.querySelectorAll('input[type=file][aria-label="File upload"]').forEach((i) => {
      i.setAttribute('aria-label', 'Vælg filer');
    });
    // Gradio's notices (gr.Info/gr.Warning) have fixed English titles and a "Close" button.
    document.querySelectorAll('.toast-title').forEach((title) => {
      const walker = document.createTreeWalker(title, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.data.trim();
        if (TOAST[text]) node.data = node.data.replace(text, TOAST[text]);
      }
    });
    document.querySelectorAll('[data-testid="toast-close"][aria-label="Close"]').forEach((b) => {
      b.setAttribute('aria-label', 'Luk beskeden');
    });
  };
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true});
  fix();
}"""
