"""What the chat counts and logs for its operator: Prometheus metrics and event lines.

The metrics live in their own registry (served at /metrics by casechat/ops.py):
questions and verdicts per channel (chat, api, mcp), the answer time, builds,
API searches refused because the search pool was full, editor logins, and the
size of the live index. `answered` and `changed` also write one log line each
on the "casechat.events" logger; with CASECHAT_JSON_LOGS that line is JSON
(casechat/ops.py `configure_logging`), and the question's text is only in it
when CASECHAT_LOG_QUESTIONS says so.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()  # the *_created series say nothing an operator needs

REGISTRY = CollectorRegistry()
QUESTIONS = Counter(
    "casechat_questions", "Spørgsmål besvaret, pr. kanal.", ["channel"], registry=REGISTRY
)
VERDICTS = Counter(
    "casechat_verdicts",
    "Afgørelser (answer, nearest, none, error).",
    ["verdict"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "casechat_answer_seconds",
    "Tid fra spørgsmål til svar, pr. kanal.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
BUILDS = Counter("casechat_builds", "Opbygninger af indekset.", ["outcome"], registry=REGISTRY)
BUSY = Counter("casechat_api_busy", "API-søgninger afvist med 429 (fuld kø).", registry=REGISTRY)
LOGINS = Counter("casechat_editor_logins", "Redaktørlogin.", ["outcome"], registry=REGISTRY)
PASSAGES = Gauge("casechat_index_passages", "Passager i det aktive indeks.", registry=REGISTRY)
DOCUMENTS = Gauge("casechat_index_documents", "Dokumenter i det aktive indeks.", registry=REGISTRY)

events = logging.getLogger("casechat.events")
#: Whether event lines carry the question's text (set from CASECHAT_LOG_QUESTIONS).
LOG_QUESTIONS = {"on": False}


def answered(channel: str, verdict: str, seconds: float, question: str = "") -> None:
    """Count one answer and log its line (no question text unless enabled)."""
    QUESTIONS.labels(channel).inc()
    VERDICTS.labels(verdict).inc()
    LATENCY.labels(channel).observe(seconds)
    fields = {"event": "answer", "channel": channel, "verdict": verdict, "ms": round(seconds * 1e3)}
    if LOG_QUESTIONS["on"] and question:
        fields["question"] = question[:1000]
    events.info("answer", extra={"fields": fields})


def changed(editor: str, action: str, file: str) -> None:
    """Log one change of the library."""
    fields = {"event": "change", "editor": editor, "action": action, "file": file}
    events.info("change", extra={"fields": fields})


def built(ok: bool) -> None:
    BUILDS.labels("ok" if ok else "failed").inc()
    events.info("build", extra={"fields": {"event": "build", "ok": ok}})
