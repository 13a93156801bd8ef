"""Single sign-on: a trusted reverse proxy's header names the user, no password asked;
the header from anyone else is ignored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from auditor.config import parse_settings
from auditor.store.database import Store, open_store
from auditor.store.users import add_user, set_disabled
from auditor.web.app import build_app

HEADER = "X-Forwarded-User"


@pytest.fixture
def store(tmp_path: object) -> Iterator[Store]:
    opened = open_store(parse_settings({"store": {"url": f"sqlite:///{tmp_path}/s.db"}}).store)
    opened.upgrade()
    add_user(opened, "ada", "Ada Admin", "admin", password=None, all_scope=True)
    yield opened
    opened.dispose()


def client(store: Store, trusted: list[str]) -> TestClient:
    web = {"sso_header": HEADER, "trusted_proxies": trusted}
    settings = parse_settings({"store": {"url": store.engine.url.render_as_string()}, "web": web})
    return TestClient(build_app(settings, store), follow_redirects=False)


def test_the_trusted_proxys_header_signs_the_user_in(store: Store) -> None:
    browser = client(store, trusted=["testclient"])  # TestClient's own address

    page = browser.get("/exceptions", headers={HEADER: "ada"})

    assert page.status_code == 200
    assert "Ada Admin" in page.text


@pytest.mark.parametrize(
    ("trusted", "name"),
    [
        ([], "ada"),  # from an address that is not a trusted proxy
        (["testclient"], "nobody"),  # a user that does not exist
        (["testclient"], "bad name"),  # not even a user name
    ],
)
def test_the_header_is_ignored_unless_trusted_and_known(
    store: Store, trusted: list[str], name: str
) -> None:
    page = client(store, trusted).get("/exceptions", headers={HEADER: name})

    assert page.status_code == 303
    assert page.headers["location"].startswith("/login")


def test_a_disabled_user_is_not_signed_in_by_the_header(store: Store) -> None:
    set_disabled(store, "ada")

    page = client(store, ["testclient"]).get("/exceptions", headers={HEADER: "ada"})

    assert page.status_code == 303


def test_a_user_with_no_password_cannot_sign_in_with_one(store: Store) -> None:
    browser = client(store, ["testclient"])
    form = browser.get("/login").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]

    page = browser.post("/login", data={"username": "ada", "password": "anything at all",
                                        "csrf_token": token})  # fmt: skip

    assert page.status_code == 401
