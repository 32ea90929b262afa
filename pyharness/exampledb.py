"""The Hypothesis example database of the property suites, chosen by the environment.

  MNETIF_EXAMPLE_DB   unset or empty: the local directory database only (the default).
                      redis://[:PASSWORD@]HOST:PORT[/DB]: the local directory database AND a
                      shared Redis database (hypothesis.extra.redis), multiplexed: every
                      counterexample is saved to both and replayed from either, so a failure
                      found on one CI worker is replayed first by the next, and each machine
                      still keeps its own replays when the server is gone.
  MNETIF_EXAMPLE_DIR  the local directory (default <repo>/.hypothesis/examples; the pytest
                      plugin's: <rootdir>/.hypothesis/examples of the user's project).

A malformed URL or an unreachable server is an ExampleDbError: one line naming the variable and
what to change, raised when the database is built (before any test runs), never a traceback in
the middle of a run.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from hypothesis.database import (DirectoryBasedExampleDatabase, ExampleDatabase,
                                 MultiplexedDatabase)

ROOT = Path(__file__).resolve().parent.parent
ENV_URL = "MNETIF_EXAMPLE_DB"
ENV_DIR = "MNETIF_EXAMPLE_DIR"
# Keys in a shared server are namespaced: one Redis may serve several projects.
KEY_PREFIX = b"mnetif-hypothesis:"
CONNECT_TIMEOUT_S = 3.0


class ExampleDbError(ValueError):
    """MNETIF_EXAMPLE_DB (or MNETIF_EXAMPLE_DIR) cannot be used as it is; the message says why."""


def local_dir(default: Path | None = None) -> Path:
    return Path(os.environ.get(ENV_DIR) or default or ROOT / ".hypothesis" / "examples")


def shown(url: str) -> str:
    """url as messages and the pytest header print it: a password is masked."""
    return re.sub(r"(//[^/@]*?:)[^/@]*@", r"\1***@", url)


def parse_redis_url(url: str) -> dict:
    """redis://[:PASSWORD@]HOST:PORT[/DB] -> redis.Redis keyword arguments. Strict: the port is
    required (no silent default), and anything else (a query, a fragment, another scheme) is
    refused rather than ignored."""
    def bad(why: str) -> ExampleDbError:
        return ExampleDbError(f"{ENV_URL}={shown(url)!r}: {why}; expected "
                              f"redis://HOST:PORT/DB (e.g. redis://127.0.0.1:6379/0), or unset "
                              f"it for the local database")
    try:
        u = urlsplit(url)
        port = u.port
    except ValueError as e:                        # a port that is not a number in 0..65535
        raise bad(str(e)) from None
    if u.scheme != "redis":
        raise bad(f"scheme {u.scheme!r} is not redis" if u.scheme else "no scheme")
    if not u.hostname:
        raise bad("no host")
    if port is None or port == 0:
        raise bad("no port")
    if u.query or u.fragment:
        raise bad("query strings and fragments are not supported")
    path = u.path.strip("/")
    if path and not path.isdigit():
        raise bad(f"database {path!r} is not a number")
    if u.username:
        raise bad("a user name is not supported (use redis://:PASSWORD@HOST:PORT/DB)")
    return dict(host=u.hostname, port=port, db=int(path or 0),
                password=unquote(u.password) if u.password else None)


def redis_database(url: str) -> ExampleDatabase:
    """The shared database at url, after checking that the server answers (PING)."""
    kw = parse_redis_url(url)
    try:
        import redis
        from hypothesis.extra.redis import RedisExampleDatabase
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError as e:
        raise ExampleDbError(f"{ENV_URL}={shown(url)!r} needs the redis client ({e}): "
                             f"pip install -r requirements.txt") from None
    client = redis.Redis(socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=10.0, **kw)
    try:
        # one try, no backoff: a wrong URL is reported at once (the run's client keeps
        # redis-py's default retries for transient errors)
        probe = redis.Redis(socket_connect_timeout=CONNECT_TIMEOUT_S,
                            retry=Retry(NoBackoff(), 0), **kw)
        probe.ping()
        probe.close()
    except redis.exceptions.RedisError as e:
        reason = " ".join(str(e).split()) or type(e).__name__
        raise ExampleDbError(f"{ENV_URL}={shown(url)!r}: no answer from the Redis server "
                             f"({reason}); start it, fix the URL, or unset {ENV_URL} for the "
                             f"local database") from None
    return RedisExampleDatabase(client, key_prefix=KEY_PREFIX)


def from_env(default_dir: Path | None = None) -> ExampleDatabase:
    """The database the profiles use (see the module docstring)."""
    local = DirectoryBasedExampleDatabase(str(local_dir(default_dir)))
    url = os.environ.get(ENV_URL, "").strip()
    if not url:
        return local
    return MultiplexedDatabase(local, redis_database(url))


def describe(default_dir: Path | None = None) -> str:
    """One line for the pytest header: where examples are read from and saved to."""
    url = os.environ.get(ENV_URL, "").strip()
    return f"local {local_dir(default_dir)}" + (f" + shared {shown(url)}" if url else "")
