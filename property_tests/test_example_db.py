"""The shared example database (MNETIF_EXAMPLE_DB, pyharness/exampledb.py), against a REAL
redis-server this file starts on a free loopback port and stops at the end.

Separate pytest processes run property_tests/exampledb_child.py (the 2012 lost update on its zoo
build: the property fails) with the real profiles; each logs every example it runs, in order. A
finds the bug and saves it; B (empty local directory) must run A's stored
counterexample FIRST. The controls make that assertion able to fail: C (no shared database)
starts with a generated example, and D (B's local directory, no server) shows the multiplexed database
kept a local copy. Bad URLs and an unreachable server: one line naming the variable, exit 4.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyharness import exampledb, runtime, zoo
from pyharness.workload import Case

ROOT = exampledb.ROOT
CHILD = "property_tests/exampledb_child.py"
INSTALL = "apt-get install redis-server (scripts/install-deps.sh installs it)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on 127.0.0.1:<free port>, no persistence, its files in a temporary dir."""

    def __init__(self, workdir: Path):
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail(f"redis-server not found: {INSTALL}")
        for _ in range(5):                      # a free port can be taken before we bind it
            self.port = free_port()
            self.log = workdir / f"redis-{self.port}.log"
            self.proc = subprocess.Popen(
                [exe, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                 "--appendonly", "no", "--dir", str(workdir), "--daemonize", "no"],
                stdout=self.log.open("w"), stderr=subprocess.STDOUT)
            if self._wait_ready():
                return
            self.stop()
        pytest.fail(f"redis-server did not start; last log {self.log}:\n{self.log.read_text()}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis
        return redis.Redis(host="127.0.0.1", port=self.port, db=0)

    def _wait_ready(self, timeout_s: float = 10.0) -> bool:
        import redis
        end = time.monotonic() + timeout_s
        while time.monotonic() < end and self.proc.poll() is None:
            try:
                return self.client().ping()
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    srv = RedisServer(tmp_path_factory.mktemp("redis"))
    yield srv
    srv.stop()


def run_child(tmp: Path, name: str, db_url: str | None, local_dir: Path, limit: int = 0):
    """One separate pytest process on the child module; returns (result, tokens in run order).
    No --hypothesis-seed: with a forced seed Hypothesis neither reads nor writes the database."""
    log = tmp / f"{name}.log"
    env = {k: v for k, v in os.environ.items() if k != exampledb.ENV_URL}
    env.update({exampledb.ENV_DIR: str(local_dir), "MNETIF_EXAMPLE_LOG": str(log),
                "MNETIF_PROFILE": "ci"})
    if db_url is not None:
        env[exampledb.ENV_URL] = db_url
    if limit:
        env["MNETIF_EXAMPLE_LIMIT"] = str(limit)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-p", "no:xdist", CHILD],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    tokens = log.read_text().split() if log.exists() else []
    return r, tokens


def is_lost_update(token: str) -> bool:
    return zoo.get("LU+2012").accept(runtime.run(Case.from_token(token), trace=False))


def test_counterexample_from_one_process_is_replayed_first_by_another(redis_server, tmp_path):
    url = redis_server.url
    a, ta = run_child(tmp_path, "A", url, tmp_path / "local-a")
    assert a.returncode == 1, f"process A did not find the lost update:\n{a.stdout}{a.stderr}"
    stored = ta[-1]                 # Hypothesis replays its (shrunk, saved) failure last
    assert is_lost_update(stored) and not is_lost_update(ta[0]), \
        f"A: first example should pass and the last fail ({len(ta)} examples)"
    assert redis_server.client().keys(exampledb.KEY_PREFIX + b"*"), "nothing saved in Redis"

    b, tb = run_child(tmp_path, "B", url, tmp_path / "local-b")
    assert b.returncode == 1, f"process B passed:\n{b.stdout}{b.stderr}"
    assert tb[0] == stored, \
        f"B's first example is not A's stored counterexample:\n  B: {tb[0]}\n  A: {stored}"

    # control: without the shared database a run starts with a generated (passing) example
    c, tc = run_child(tmp_path, "C", None, tmp_path / "local-c", limit=1)
    assert tc and tc[0] != stored and not is_lost_update(tc[0]), \
        "control C (no shared database) started with the stored counterexample"
    # multiplexed: B saved the counterexample locally too; no server needed to replay it
    d, td = run_child(tmp_path, "D", None, tmp_path / "local-b")
    assert td and td[0] == stored, f"B's local directory does not replay it first: {td[:1]}"


BAD_URLS = {
    "scheme": "http://127.0.0.1:6379/0",
    "no-scheme": "127.0.0.1:6379",
    "no-port": "redis://127.0.0.1/0",
    "port-not-number": "redis://127.0.0.1:six/0",
    "port-out-of-range": "redis://127.0.0.1:70000/0",
    "db-not-number": "redis://127.0.0.1:6379/zero",
    "no-host": "redis://:6379/0",
    "query": "redis://127.0.0.1:6379/0?ssl=true",
    "user": "redis://bob:pw@127.0.0.1:6379/0",
}


@pytest.mark.parametrize("kind", BAD_URLS)
def test_malformed_url_is_refused(kind, monkeypatch):
    monkeypatch.setenv(exampledb.ENV_URL, BAD_URLS[kind])
    with pytest.raises(exampledb.ExampleDbError) as e:
        exampledb.from_env()
    msg = str(e.value)
    shown = exampledb.shown(BAD_URLS[kind])
    assert "\n" not in msg and msg.startswith(f"{exampledb.ENV_URL}={shown!r}: "), msg
    assert "expected redis://HOST:PORT/DB" in msg, msg


def test_url_forms():
    assert exampledb.parse_redis_url("redis://:s%40cret@127.0.0.1:6380/3") == \
        dict(host="127.0.0.1", port=6380, db=3, password="s@cret")
    assert exampledb.parse_redis_url("redis://localhost:6379")["db"] == 0


def test_password_is_not_printed(monkeypatch):
    monkeypatch.setenv(exampledb.ENV_URL, "redis://:s3cret@127.0.0.1/0")     # no port
    with pytest.raises(exampledb.ExampleDbError) as e:
        exampledb.from_env()
    assert "s3cret" not in str(e.value) and "redis://:***@127.0.0.1/0" in str(e.value)
    assert "s3cret" not in exampledb.describe()


def pytest_run(env_value: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, **{exampledb.ENV_URL: env_value})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:xdist", CHILD], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def assert_one_line(r: subprocess.CompletedProcess, *words: str):
    lines = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.strip()]
    assert r.returncode == 4, f"exit {r.returncode}, want 4 (usage error):\n{r.stdout}{r.stderr}"
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: {exampledb.ENV_URL}="), lines
    for w in words:
        assert w in lines[0], lines[0]


def test_pytest_malformed_url_is_one_line():
    assert_one_line(pytest_run(BAD_URLS["no-port"]), "no port", "expected redis://HOST:PORT/DB")


def test_pytest_unreachable_server_is_one_line():
    url = f"redis://127.0.0.1:{free_port()}/0"           # nothing listens there
    assert_one_line(pytest_run(url), url, "no answer from the Redis server")


def test_pytest_wrong_database_index_is_one_line(redis_server):
    url = f"redis://127.0.0.1:{redis_server.port}/99"    # the server has databases 0-15
    assert_one_line(pytest_run(url), url, "no answer from the Redis server", "DB index")
