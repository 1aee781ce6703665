"""The operator's settings file (TOML; environment variables win) and the JSON log lines
(one per answer and per change; the question's text only when asked for)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from base.errors import CasechatError
from base.settings import ServerSettings, Settings
from casechat import metrics
from casechat.ops import JsonFormatter, configure_logging


def test_the_settings_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "casechat.toml"
    file.write_text(
        'corpus_dir = "/srv/corpus"\nindex_dir = "/srv/index"\n'
        'allowed_hosts = ["casechat.kommune.dk"]\nroot_path = "/casechat/"\n'
        "json_logs = true\nmax_upload_mb = 5\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CASECHAT_SETTINGS_FILE", str(file))
    for name in ("CASECHAT_CORPUS_DIR", "CASECHAT_INDEX_DIR", "CASECHAT_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CASECHAT_INDEX_DIR", "/env/index")
    settings, server = Settings.from_env(), ServerSettings.from_env()
    assert settings.corpus_dir == Path("/srv/corpus")
    assert settings.index_dir == Path("/env/index")  # the variable wins over the file
    assert settings.max_upload_bytes == 5 * 1024 * 1024
    assert server.allowed_hosts == ("casechat.kommune.dk",)
    assert server.root_path == "/casechat" and server.json_logs
    assert not server.cors_origins and server.forwarded_allow_ips == ""
    file.write_text("corpus_dir = [", encoding="utf-8")
    with pytest.raises(CasechatError, match="kan ikke læses"):
        Settings.from_env()
    monkeypatch.setenv("CASECHAT_SETTINGS_FILE", str(tmp_path / "mangler.toml"))
    with pytest.raises(CasechatError, match="findes ikke"):
        Settings.from_env()


def lines(capsys: pytest.CaptureFixture) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_json_log_lines_leave_the_question_out_unless_asked(
    capsys: pytest.CaptureFixture,
) -> None:
    try:
        configure_logging(ServerSettings(json_logs=True))
        metrics.answered("chat", "answer", 0.12, "Hvad gør Odense?")
        metrics.changed("mette", "add", "rapport.pdf")
        first = lines(capsys)
        configure_logging(ServerSettings(json_logs=True, log_questions=True))
        metrics.answered("api", "none", 0.2, "Hvad gør Odense?")
        second = lines(capsys)
    finally:
        logging.getLogger("casechat").handlers = []
        metrics.LOG_QUESTIONS["on"] = False
    answer, change = first
    assert answer["event"] == "answer" and answer["verdict"] == "answer" and answer["ms"] == 120
    assert "question" not in answer and "Odense" not in json.dumps(first)
    assert change == change | {"event": "change", "editor": "mette", "file": "rapport.pdf"}
    assert second[0]["question"] == "Hvad gør Odense?"
    assert isinstance(JsonFormatter().format(logging.makeLogRecord({"msg": "x"})), str)
