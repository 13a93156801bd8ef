"""How Auditor's PostgreSQL connections (the store, and a database source) notice a
network that goes silent: a reporting replica behind a firewall that drops an idle
connection without closing it would otherwise leave a read waiting for ever, and the
morning's run with it.

libpq's own settings, added to the URL unless it sets them itself: give up connecting
after 30 s; probe an idle connection after 60 s, every 10 s, and drop it after 6
unanswered probes; drop it when data sent stays unacknowledged for 2 minutes. A
dropped connection is then an error with a message (the store's: auditor/store/faults.py;
the source's: auditor/sources/faults.py), and the next run starts afresh.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

KEEPALIVES = {
    "connect_timeout": "30",
    "keepalives": "1",
    "keepalives_idle": "60",
    "keepalives_interval": "10",
    "keepalives_count": "6",
    "tcp_user_timeout": "120000",  # milliseconds
}


def with_keepalives(url: URL) -> URL:
    """A PostgreSQL URL with KEEPALIVES where it does not set its own; others as given."""
    if url.get_backend_name() != "postgresql":
        return url
    return url.update_query_dict({k: v for k, v in KEEPALIVES.items() if k not in url.query})
