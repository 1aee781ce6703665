"""Editor accounts: argon2 hashes in a 0600 file outside the corpus, login, rate limit,
and the session check every changing handler makes."""

from __future__ import annotations

import stat
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from base.errors import AccessError, LibraryError
from casechat.library.editors import Editors, RateLimiter
from casechat.library.session import Login, log_in, require_editor

PASSWORD = "korrekt-hest-batteri"


def request(host: str = "127.0.0.1") -> SimpleNamespace:
    return SimpleNamespace(client=SimpleNamespace(host=host))


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


def test_session_check(editors: Editors) -> None:
    with pytest.raises(AccessError, match="Log ind som redaktør"):
        require_editor(editors, None, request())
    with pytest.raises(AccessError, match="Log ind"):
        require_editor(editors, {"editor": "mette"}, request())  # not a Login the server made
    login = log_in(editors, "mette", PASSWORD, request())
    assert require_editor(editors, login, request()) == "mette"
    with pytest.raises(AccessError, match="denne adresse"):
        require_editor(editors, login, request("10.9.9.9"))
    old = Login("mette", "127.0.0.1", time.time() - 9 * 3600)
    with pytest.raises(AccessError, match="udløbet"):
        require_editor(editors, old, request())
    editors.remove("mette")
    with pytest.raises(AccessError):
        require_editor(editors, login, request())


def test_without_editors_the_library_says_how_to_create_one(tmp_path: Path) -> None:
    empty = Editors(tmp_path)
    with pytest.raises(AccessError, match="casechat editor add NAVN"):
        log_in(empty, "mette", PASSWORD, request())
    with pytest.raises(AccessError, match="casechat editor add NAVN"):
        require_editor(empty, None, request())
