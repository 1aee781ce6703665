"""The 👍/👎 buttons on the citation cards, added in the browser.

The cards are made in casechat/cards.py; this script leaves their HTML alone
and appends a small vote bar to every `.cc-card` it sees (also cards that
arrive later: a MutationObserver). A click posts `{chunk_id, question, vote}`
to `POST /api/feedback` (casechat/api.py). The passage is named by the card's
`data-chunk` where the page has it (sent as a string: ids are 64-bit, and a
JavaScript number would round them); the chat's HTML sanitizer drops data-*
attributes, so in the chat it is named by its text (`.cc-text`), which the
server looks up in the index. The question is the one the answer's footer says was searched (a
follow-up already resolved), else the person's own message above the answer.
"""

from __future__ import annotations

FEEDBACK_JS = r"""() => {
  if (window.ccVotes) return;
  window.ccVotes = true;
  const style = document.createElement('style');
  style.textContent = `
.cc-vote { display: flex; gap: .4em; align-items: center; margin-top: .5em; font-size: .85em;
  color: var(--body-text-color-subdued); }
.cc-vote button { border: 1px solid var(--border-color-primary); border-radius: 6px;
  background: var(--background-fill-secondary); padding: .05em .5em; cursor: pointer; }
.cc-vote button[aria-pressed="true"] { background: #d7f0dd; border-color: #14532d; }`;
  document.head.appendChild(style);
  const endpoint = window.location.pathname.replace(/[^/]*$/, '') + 'api/feedback';

  const questionFor = (card) => {
    const answer = card.closest('.cc-answer');
    const footer = answer && answer.querySelector('.cc-footer');
    const searched = footer && footer.textContent.match(/»([\s\S]*)«/);
    if (searched) return searched[1];
    let row = card.closest('.message-row');
    while (row && (row = row.previousElementSibling)) {
      const own = row.querySelector('.cc-question');
      if (own) return own.textContent;
    }
    return '';
  };

  const vote = async (card, bar, button) => {
    const status = bar.querySelector('.cc-vote-status');
    const text = card.querySelector('.cc-text');
    status.textContent = 'Gemmer …';
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({
          chunk_id: card.dataset.chunk || null,
          passage: card.dataset.chunk ? null : (text ? text.textContent : null),
          question: questionFor(card),
          vote: button.dataset.vote,
        }),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(data.fejl || 'Vurderingen kunne ikke gemmes.');
      bar.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', b === button));
      status.textContent = 'Tak – vurderingen er gemt.';
    } catch (err) {
      status.textContent = err.message || 'Vurderingen kunne ikke gemmes.';
    }
  };

  const addBar = (card) => {
    if (card.querySelector('.cc-vote')) return;
    const bar = document.createElement('div');
    bar.className = 'cc-vote';
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', 'Var passagen nyttig?');
    bar.innerHTML = '<span>Var passagen nyttig?</span>'
      + '<button type="button" data-vote="up" aria-pressed="false" title="Ja, nyttig">'
      + '<span aria-hidden="true">👍</span> Ja</button>'
      + '<button type="button" data-vote="down" aria-pressed="false" title="Nej, ikke nyttig">'
      + '<span aria-hidden="true">👎</span> Nej</button>'
      + '<span class="cc-vote-status" role="status"></span>';
    bar.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-vote]');
      if (button) vote(card, bar, button);
    });
    card.appendChild(bar);
  };

  let pending = false;
  const scan = () => {
    pending = false;
    document.querySelectorAll('.cc-card').forEach(addBar);
  };
  new MutationObserver(() => {
    if (!pending) { pending = true; setTimeout(scan, 30); }
  }).observe(document.body, {childList: true, subtree: true});
  scan();
}"""


def page_js(first: str) -> str:
    """The page's load script: `first` (an arrow function), then the vote buttons."""
    return f"() => {{ ({first})(); ({FEEDBACK_JS})(); }}"
