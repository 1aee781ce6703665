"""Load test: many people asking the running web chat at once, through its HTTP API.

    casechat loadtest --users 20 --seconds 60     starts the chat on a free loopback port
    casechat loadtest --url http://127.0.0.1:7860/  an app already running on this machine

Each user is a thread with its own HTTP connection that asks a question the way
any API client does (`POST /gradio_api/call/ask`, then reading the answer's
event stream), waits for the answer, and asks the next, until time is up. An
answer counts as an error if the request fails, Gradio reports an error, or the
chat shows its generic error message. Only loopback addresses are accepted, the
number of users and the duration are capped, and every user stops by itself.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from base.errors import CasechatError
from casechat.answer import GENERIC_ERROR

MAX_USERS = 200
MAX_SECONDS = 600
#: Questions of the kinds people ask: answerable, out of the corpus, English, long.
QUESTIONS = (
    "Hvordan har Odense udviklet ledernes digitale kompetencer?",
    "Hvad er et velfærdsteknologisk CV?",
    "Hvorfor tog Herning hele styregruppen med på masterclass?",
    "Hvad lærte Viborg af lederforløbet om digitalisering?",
    "Hvordan inddrog Ringkøbing-Skjern medarbejderne i strategien?",
    "Hvad gjorde Haderslev for at komme i gang med digital transformation?",
    "Hvilke kompetencer mangler lederne i kommunerne?",
    "Hvad er opskriften på æblekage?",
    "How did the municipalities train their managers in digital leadership?",
    "digital ledelse",
    "Hvordan sikrer kommunerne, at medarbejderne tager de nye digitale værktøjer til sig, "
    "og hvilken rolle spiller lederne, når en ny teknologi skal implementeres i driften?",
    "Hvad betyder kunstig intelligens for sagsbehandlingen i jobcentret?",
)


@dataclass
class LoadReport:
    """What the users got: one latency per answered question, and every error."""

    users: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def questions(self) -> int:
        return len(self.latencies_ms) + len(self.errors)

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in ms (nearest rank), 0 if nothing was answered."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        rank = max(1, math.ceil(p / 100 * len(ordered)))  # nearest rank, 1-based
        return ordered[rank - 1]

    def as_json(self) -> dict:
        return {
            "users": self.users,
            "seconds": round(self.seconds, 1),
            "questions": self.questions,
            "errors": len(self.errors),
            "questions_per_second": round(self.questions / self.seconds, 2) if self.seconds else 0,
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "max_ms": round(max(self.latencies_ms, default=0.0), 1),
            "first_errors": self.errors[:5],
        }

    def summary(self) -> str:
        data = self.as_json()
        return (
            f"{data['users']} brugere i {data['seconds']} s: {data['questions']} spørgsmål "
            f"({data['questions_per_second']}/s), {data['errors']} fejl; svartid p50 "
            f"{data['p50_ms']:.0f} ms, p95 {data['p95_ms']:.0f} ms, max {data['max_ms']:.0f} ms"
        )


def require_loopback(url: str) -> None:
    """Refuse any address that is not this machine: a load test is not sent elsewhere."""
    host = urlsplit(url).hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise CasechatError(
            f"Belastningstesten sendes kun til denne maskine (127.0.0.1), ikke til '{host}'. "
            "Start chatten lokalt og brug dens adresse, fx http://127.0.0.1:7860/."
        )


def ask(client: httpx.Client, question: str, k: int = 3) -> str:
    """One question through the app's `/ask` API, as any HTTP client would send it."""
    started = client.post("/gradio_api/call/ask", json={"data": [question, k, None, None]})
    started.raise_for_status()
    event_id = started.json()["event_id"]
    event = ""
    with client.stream("GET", f"/gradio_api/call/ask/{event_id}") as stream:
        stream.raise_for_status()
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ").strip()
            elif line.startswith("data: ") and event in ("complete", "error"):
                data = line.removeprefix("data: ")
                if event == "error":
                    raise RuntimeError(f"Gradio meldte fejl: {data[:200]}")
                return str(json.loads(data)[0])
    raise RuntimeError(f"svaret sluttede uden resultat (sidste hændelse: {event or 'ingen'})")


def run_load(
    url: str,
    users: int = 20,
    seconds: float = 60.0,
    questions: tuple[str, ...] = QUESTIONS,
    timeout: float = 60.0,
) -> LoadReport:
    """Let `users` people ask questions for `seconds`, all at once; return what they got."""
    require_loopback(url)
    if not 1 <= users <= MAX_USERS or not 0 < seconds <= MAX_SECONDS:
        raise CasechatError(
            f"Vælg 1–{MAX_USERS} brugere og 1–{MAX_SECONDS} sekunder for belastningstesten."
        )
    report = LoadReport(users, seconds)
    lock = threading.Lock()
    deadline = [0.0]

    def set_deadline() -> None:
        deadline[0] = time.monotonic() + seconds

    # Everyone connects first, then all start together when the clock starts.
    start = threading.Barrier(users, action=set_deadline, timeout=timeout)

    def user(number: int) -> None:
        with httpx.Client(base_url=url, timeout=timeout) as client:
            start.wait()
            turn = number  # each user starts at another question
            while time.monotonic() < deadline[0]:
                question = questions[turn % len(questions)]
                turn += 1
                began = time.perf_counter()
                try:
                    answer = ask(client, question)
                    error = "den generiske fejlbesked" if GENERIC_ERROR in answer else ""
                except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                ms = (time.perf_counter() - began) * 1e3
                with lock:
                    if error:
                        report.errors.append(f"{question[:40]!r}: {error}")
                    else:
                        report.latencies_ms.append(ms)

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + timeout + 30)  # a user that hangs cannot hold us
    report.seconds = time.monotonic() - began
    return report


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chat_command(port: int, index_dir: Path | None = None) -> list[str]:
    """`casechat chat` on a loopback port, as a person starts it: the installed console
    script beside this interpreter."""
    script = Path(sys.executable).with_name("casechat")
    if not script.exists():
        raise CasechatError(
            f"Kommandoen casechat findes ikke ved siden af {sys.executable}. "
            "Installér projektet med `pip install -e .` (eller `make install`)."
        )
    command = [str(script), "chat", "--host", "127.0.0.1", "--port", str(port)]
    return command + (["--index-dir", str(index_dir)] if index_dir is not None else [])


class ChatProcess:
    """`casechat chat` on a loopback port, started and stopped by the load test.

    Returns from the constructor once the chat's API answers (`/gradio_api/info`).
    """

    def __init__(
        self,
        port: int | None = None,
        wait: float = 600.0,
        index_dir: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}/"
        handle, name = tempfile.mkstemp(prefix="casechat-loadtest-", suffix=".log")
        self.log_path = Path(name)
        self._log = os.fdopen(handle, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            chat_command(port, index_dir),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + wait  # the first start may build the index
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop(keep_log=True)
                tail = self.log_path.read_text(encoding="utf-8")[-500:]
                raise CasechatError(
                    f"Webchatten stoppede under opstarten ({self.log_path}): {tail}"
                )
            try:
                if httpx.get(self.url + "gradio_api/info", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop(keep_log=True)
        raise CasechatError(f"Webchatten svarede ikke inden {wait:.0f} s; se {self.log_path}.")

    def stop(self, keep_log: bool = False) -> None:
        """Ctrl+C to the chat we started; killed if it has not stopped after 15 s.

        Its log is deleted unless it explains a failed start.
        """
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        if not keep_log:
            self.log_path.unlink(missing_ok=True)


def load_test(url: str | None = None, users: int = 20, seconds: float = 60.0) -> LoadReport:
    """Run the load test against `url`, or against a chat started (and stopped) for it."""
    if url is not None:
        return run_load(url, users, seconds)
    chat = ChatProcess()
    try:
        return run_load(chat.url, users, seconds)
    finally:
        chat.stop()
