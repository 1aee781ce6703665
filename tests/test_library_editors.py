"""Editor accounts: argon2 hashes in a 0600 file outside the corpus, login, rate limit,
and the session check every changing handler makes."""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path

import pytest

from base.errors import AccessError, LibraryError
from casechat.library import editors as editors_module
from casechat.library import ratelimit
from casechat.library.editors import Editors, RateLimiter
from casechat.library.sessions import Sessions

PASSWORD = "korrekt-hest-batteri"


@pytest.fixture
def editors(tmp_path: Path) -> Editors:
    store = Editors(tmp_path / "library")
    store.add("mette", PASSWORD)
    return store


def test_passwords_are_hashed_in_a_private_file(editors: Editors) -> None:
    text = editors.path.read_text()
    assert PASSWORD not in text and "$argon2id$" in text
    assert stat.S_IMODE(editors.path.stat().st_mode) == 0o600
    assert editors.names() == ["mette"]
    assert editors.login("mette", PASSWORD, "c") == "mette"


def test_new_password_replaces_the_old(editors: Editors) -> None:
    assert editors.add("mette", "et-helt-andet-kodeord") is False
    with pytest.raises(AccessError):
        editors.login("mette", PASSWORD, "c")
    assert editors.login("mette", "et-helt-andet-kodeord", "c") == "mette"


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [("mette", "kort", "mindst 10"), ("../x", PASSWORD, "redaktørnavn"), ("", PASSWORD, "navn")],
)
def test_bad_names_and_passwords_are_refused(
    editors: Editors, name: str, password: str, message: str
) -> None:
    with pytest.raises(LibraryError, match=message):
        editors.add(name, password)


def test_wrong_password_and_unknown_name_say_the_same(editors: Editors) -> None:
    for name in ("mette", "ukendt"):
        with pytest.raises(AccessError, match="Forkert navn eller adgangskode"):
            editors.login(name, "forkert-kodeord", f"klient-{name}")


def test_five_failures_lock_the_name_and_the_client(tmp_path: Path) -> None:
    store = Editors(tmp_path, RateLimiter(lock=0.5))
    store.add("mette", PASSWORD)
    for _ in range(5):
        with pytest.raises(AccessError, match="Forkert"):
            store.login("mette", "forkert-kodeord", "10.0.0.1")
    with pytest.raises(AccessError, match="For mange forkerte forsøg"):
        store.login("mette", PASSWORD, "10.0.0.2")  # the name is locked, from anywhere
    with pytest.raises(AccessError, match="For mange"):
        store.login("andre", PASSWORD, "10.0.0.1")  # and so is the client
    time.sleep(0.6)
    assert store.login("mette", PASSWORD, "10.0.0.1") == "mette"


def test_removed_editor_cannot_log_in(editors: Editors) -> None:
    editors.remove("mette")
    with pytest.raises(AccessError):
        editors.login("mette", PASSWORD, "c")
    with pytest.raises(LibraryError, match="ingen redaktør"):
        editors.remove("mette")


def test_sessions_end_at_logout_removal_password_change_and_idle(editors: Editors) -> None:
    sessions = Sessions(editors)
    with pytest.raises(AccessError, match="Log ind som redaktør"):
        sessions.check(None)
    token, session = sessions.open("mette", PASSWORD, "127.0.0.1")
    assert sessions.check(token, session.csrf) == "mette"
    with pytest.raises(AccessError, match="Genindlæs siden"):
        sessions.check(token, "forkert")  # a change needs the CSRF token
    with pytest.raises(AccessError, match="Log ind igen"):
        sessions.check("gættet", session.csrf)
    sessions.revoke(token)  # "Log ud"
    with pytest.raises(AccessError, match="Log ind igen"):
        sessions.check(token, session.csrf)
    token, session = sessions.open("mette", PASSWORD, "127.0.0.1")
    Editors(editors.path.parent).add("mette", "en-helt-ny-adgangskode")  # another process
    with pytest.raises(AccessError, match="adgangskoden er skiftet"):
        sessions.check(token, session.csrf)
    token, session = sessions.open("mette", "en-helt-ny-adgangskode", "127.0.0.1")
    Editors(editors.path.parent).remove("mette")  # `casechat editor remove`
    with pytest.raises(AccessError, match="findes ikke længere"):
        sessions.check(token, session.csrf)
    editors.add("mette", PASSWORD)
    idle = Sessions(editors, idle_minutes=0.5 / 60)
    token, session = idle.open("mette", PASSWORD, "127.0.0.1")
    time.sleep(0.6)
    with pytest.raises(AccessError, match="udløbet"):
        idle.check(token, session.csrf)


def test_thirty_guesses_at_once_are_at_most_five_checks(
    editors: Editors, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = []
    real = editors_module._HASHER

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            checked.append(password)
            return real.verify(stored, password)

    monkeypatch.setattr(editors_module, "_HASHER", Counting())
    outcomes = []

    def guess(i: int) -> None:
        try:
            editors.login("mette", f"forkert-kodeord-{i}", f"10.0.0.{i}")
            outcomes.append("ok")
        except AccessError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) <= 5
    assert "ok" not in outcomes
    assert sum("For mange" in o or "mange login-forsøg" in o for o in outcomes) >= 25
    with pytest.raises(AccessError, match="For mange"):
        editors.login("mette", PASSWORD, "10.9.9.9")  # locked even with the right password


def test_locks_outlive_a_restart_and_a_flood_of_names_stays_bounded(tmp_path: Path) -> None:
    path = tmp_path / "logins.json"
    limiter = RateLimiter(path, lock=60)
    for _ in range(5):
        limiter.attempt("name:mette")
    with pytest.raises(AccessError, match="For mange"):
        limiter.attempt("name:mette")
    restarted = RateLimiter(path, lock=60)
    assert restarted.wait_left("name:mette") > 50
    for i in range(ratelimit.MAX_KEYS + 500):
        restarted.attempt(f"name:n{i}")
    assert len(restarted._attempts) <= ratelimit.MAX_KEYS


def test_without_editors_the_library_says_how_to_create_one(tmp_path: Path) -> None:
    empty = Editors(tmp_path)
    with pytest.raises(AccessError, match="casechat editor add NAVN"):
        Sessions(empty).open("mette", PASSWORD, "127.0.0.1")
    with pytest.raises(AccessError, match="casechat editor add NAVN"):
        Sessions(empty).check(None)
