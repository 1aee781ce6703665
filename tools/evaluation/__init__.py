"""Retrieval evaluation on a question set with known answers (`casechat eval`).

- questions.py: the JSONL question file;
- metrics.py: snippet matching and the ranx-based ranking metrics;
- run.py: `evaluate()`, one search per question;
- report.py: one mode's results, their JSON and the rich tables.
"""

from tools.evaluation.questions import Question, load_questions
from tools.evaluation.report import JSON_KEYS, Outcome, Report, render
from tools.evaluation.run import check_answers, evaluate

__all__ = [
    "JSON_KEYS",
    "Outcome",
    "Question",
    "Report",
    "check_answers",
    "evaluate",
    "load_questions",
    "render",
]
