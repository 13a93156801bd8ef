"""`auditor doctor`: is this installation ready to run? Each part is tried the way the
service uses it, and each problem comes with what to do about it.

- **config**: config.toml reads and every setting is valid (the first fault found);
- **source**: the extract folder or database opens and holds every table of the
  contract with its columns (the headers and schemas only: no rows are read);
- **store**: the store answers, and its migrations are this version's (behind: the next
  run or serve brings it up to date; ahead: a newer Auditor wrote it);
- **email**: with SMTP configured, the server greets, secures the connection and
  accepts the sign-in as a delivery would (no mail is sent);
- **web**: the session secret is set, and cookies are Secure when the base URL is https.

Secrets are checked for presence only: no password or key is ever printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from auditor.config import Settings, load_settings, secret
from auditor.errors import AuditorError


@dataclass(frozen=True)
class Finding:
    part: str
    ok: bool
    said: str  # what was found
    fix: str = ""  # what to do, when not ok


def examine(config: Path | None) -> Iterator[Finding]:
    """The findings, part by part (after a config that does not load, none follow)."""
    try:
        settings = load_settings(config)
    except AuditorError as exc:
        yield Finding("config", False, str(exc), "correct config.toml and run doctor again")
        return
    yield Finding("config", True, f"{config or 'config.toml'} reads and every setting is valid")
    for part, look in PARTS:
        yield _safely(part, look, settings)


def _safely(part: str, look: Callable[[Settings], Finding], settings: Settings) -> Finding:
    try:
        return look(settings)
    except AuditorError as exc:
        return Finding(part, False, str(exc), FIXES.get(part, ""))
    except Exception as exc:  # a fault of the environment, reported, not raised
        return Finding(part, False, f"{type(exc).__name__}: {exc}", FIXES.get(part, ""))


def _source(settings: Settings) -> Finding:
    from auditor.sources import load_database, load_extract

    source = settings.source
    if source.url:
        extract = load_database(source.url)
    elif source.extract_dir is not None:
        extract = load_extract(source.extract_dir)
    else:
        return Finding("source", False, "[source] names neither extract_dir nor url",
                       "set [source] extract_dir (a folder) or url (a database)")  # fmt: skip
    bundled = (
        f"; bundled defaults for {', '.join(sorted(extract.bundled))}" if extract.bundled else ""
    )
    return Finding("source", True, f"{extract.origin}: all {len(extract.tables)} tables with "
                   f"their columns{bundled}")  # fmt: skip


def _store(settings: Settings) -> Finding:
    from auditor.store import migrations
    from auditor.store.database import open_store

    store = open_store(settings.store)
    try:
        current = migrations.current_revision(store.engine)
    finally:
        store.dispose()
    head = migrations.head_revision()
    if current == head:
        return Finding("store", True, f"{store.where}: at migration {head}")
    if current is None or current in migrations.known_revisions():
        return Finding("store", True, f"{store.where}: at migration {current or 'none (empty)'}; "
                       f"the next run or serve brings it to {head}")  # fmt: skip
    newer = f"{store.where}: at migration {current}, newer than this Auditor's {head}"
    return Finding("store", False, newer, "upgrade Auditor to the version that wrote the store")


def _email(settings: Settings) -> Finding:
    notify = settings.notify
    if not notify.enabled:
        return Finding("email", True, "[notify] enabled = false: no email is sent")
    if notify.transport == "outbox":
        folder = notify.outbox_dir
        return Finding("email", True, f"emails are written to the outbox {folder}, not sent")
    from notifiers.smtp import SmtpNotifier

    greeting = SmtpNotifier.from_settings(notify).probe()
    smtp = notify.smtp
    signed = f", signed in as {smtp.username}" if smtp.username else ""
    return Finding("email", True, f"SMTP {smtp.host}:{smtp.port} ({smtp.security}{signed}) "
                   f"answers: {greeting}")  # fmt: skip


def _web(settings: Settings) -> Finding:
    web = settings.web
    if secret(web.session_secret_env) is None:
        return Finding("web", False, f"{web.session_secret_env} is not set: everyone signs in "
                       "again after each restart, and two instances cannot share sessions",
                       f"set {web.session_secret_env} to a long random value, for example "
                       f"the output of: {MAKE_SECRET}")  # fmt: skip
    secure = "Secure cookies (https)" if web.secure_cookies else "cookies not Secure (http)"
    return Finding("web", True, f"session secret set; {web.base_url}: {secure}")


MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
PARTS: tuple[tuple[str, Callable[[Settings], Finding]], ...] = (
    ("source", _source), ("store", _store), ("email", _email), ("web", _web),
)  # fmt: skip
FIXES = {
    "source": "check [source] in config.toml, and that the extract is where it says",
    "store": "check [store] url and that the database server is running and reachable",
    "email": "check [notify.smtp] host, port, security and the password's environment "
    'variable; or set [notify] transport = "outbox" to write emails to a folder',
}
