"""Real server processes for the scale-out benchmark: gunicorn instances, the task worker, and a
plain HTTP client that talks to them as a browser behind a TLS-terminating load balancer would.

Everything started here is started in its own process group and stopped by `Servers.stop()`
(SIGTERM to that group, then SIGKILL after a grace period), which the scenario calls in a
`finally`, so a failed run leaves nothing behind.

The processes run the production settings, as deployed. Production redirects plain HTTP to
HTTPS and marks its cookies Secure; rather than switch that off, the client says what the load
balancer would (`X-Forwarded-Proto: https`, trusted through SECURE_PROXY_SSL_HEADER) and keeps
its Secure cookies over the loopback connection.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

import requests

from benchmarks.harness import PROJECT_ROOT, BenchmarkError

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CONFIG = re.compile(
    r"(?P<kind>sync|gthread):(?P<workers>\d+)(?:x(?P<threads>\d+))?(?P<preload>\+preload)?"
)
STOP_GRACE_SECONDS = 10.0


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(settings_dict: dict) -> str:
    """The DATABASE_URL (dj-database-url's form) naming the database `settings_dict` uses."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def session_cookie() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME


def server_env(workdir: Path, secret_key: str) -> dict[str, str]:
    """Production settings, pointed at this run's database, Redis and folders."""
    from django.conf import settings
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SCALE_OUT_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        WAGTAILADMIN_BASE_URL="https://127.0.0.1",
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=settings.REDIS_URL,
        TASKS_BACKEND="rq",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    return env


@dataclass(frozen=True)
class GunicornConfig:
    """How each instance runs: worker class, worker processes, threads, --preload."""

    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1
    preload: bool = False

    def args(self) -> list[str]:
        args = ["--workers", str(self.workers), "--worker-class", self.worker_class]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        if self.preload:
            args.append("--preload")
        return args

    def describe(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        preload = ", --preload" if self.preload else ""
        return f"{self.workers} {self.worker_class} workers{threads}{preload}"

    @classmethod
    def parse(cls, text: str) -> GunicornConfig:
        """`sync:2`, `gthread:2x4` (2 workers of 4 threads), either with `+preload`."""
        match = CONFIG.fullmatch(text.strip())
        if not match:
            raise BenchmarkError(f"{text!r}: write sync:N or gthread:NxT, optionally +preload")
        threads = int(match["threads"] or 1)
        if match["kind"] == "gthread" and not match["threads"]:
            raise BenchmarkError(f"{text!r}: gthread needs a thread count, e.g. gthread:2x4")
        return cls(int(match["workers"]), match["kind"], threads, bool(match["preload"]))


@dataclass
class Servers:
    """The processes of one scale-out run; `stop()` ends every one of them."""

    env: dict[str, str]
    workdir: Path
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def manage(self, *args: str, timeout: float = 300) -> None:
        """Run a management command to completion under the production settings."""
        result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise BenchmarkError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends its children too
        )
        log.close()
        self.processes.append((name, process))
        return process

    def start_gunicorn(self, name: str, port: int, config: GunicornConfig) -> str:
        """Start one instance on `port`; returns its base URL once /health/live/ answers."""
        self.start(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                # Its control socket defaults to one path per user: two instances on one host
                # would take it from each other, and nothing here uses it.
                "--no-control-socket",
                *config.args(),
            ],
        )
        return f"http://127.0.0.1:{port}"

    def start_worker(self) -> None:
        self.start("worker", [sys.executable, "manage.py", "run_worker", "--verbosity", "0"])

    def wait_until_live(self, base_url: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_running()
            try:
                if requests.get(f"{base_url}/health/live/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.25)
        raise BenchmarkError(f"{base_url} did not answer /health/live/ within {timeout:.0f} s")

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by the web instances, the worker, and their database's backends."""
        database = self.env["DATABASE_URL"].rsplit("/", 1)[-1]
        groups: dict[str, list[int]] = {"gunicorn": [], "task worker": []}
        for name, process in self.processes:
            groups["task worker" if name == "worker" else "gunicorn"].append(process.pid)
        return cpu_seconds(groups, database)

    def check_running(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                log = (self.workdir / f"{name}.log").read_text(errors="replace")[-2000:]
                raise BenchmarkError(f"{name} exited with {process.returncode}:\n{log}")

    def stop(self, prefix: str = "") -> None:
        """SIGTERM the process groups started here (those whose name starts with `prefix`),
        then SIGKILL whatever outlives the grace period."""
        chosen = [(n, p) for n, p in self.processes if n.startswith(prefix)]
        for _, process in chosen:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for _, process in chosen:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes = [(n, p) for n, p in self.processes if not n.startswith(prefix)]


@dataclass
class Answer:
    """One HTTP exchange: which step, which instance, status, time taken."""

    step: str
    instance: int
    status: int
    ms: float
    location: str = ""


class Browser:
    """A cookie-keeping client that may send each request to a different instance.

    Sends what the load balancer adds (X-Forwarded-Proto) and what a browser sends with a form
    (Origin, matching the instance's address), so production's HTTPS and CSRF checks pass. It
    keeps cookies itself: production's are Secure, which a cookie jar would not send over
    http://, and all instances share one origin behind the balancer, as here one host.
    """

    def __init__(self, instances: list[str]) -> None:
        self.instances = instances
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}
        self.answers: list[Answer] = []

    def request(
        self, step: str, instance: int, method: str, path: str, **kwargs
    ) -> requests.Response:
        base = self.instances[instance]
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": base.replace("http://", "https://"),
            # A connection per request, as a load balancer without upstream keep-alive opens
            # (nginx's default); reusing one races the server's keep-alive timeout.
            "Connection": "close",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, base + path, headers=headers, allow_redirects=False, timeout=60, **kwargs
            )
        except requests.RequestException:
            elapsed = (time.perf_counter() - started) * 1000
            self.answers.append(Answer(step, instance, 0, elapsed))  # no answer: an error
            raise
        elapsed = (time.perf_counter() - started) * 1000
        self.http.cookies.clear()  # ours are kept in self.cookies
        self.keep_cookies(response)
        location = response.headers.get("Location", "")
        self.answers.append(Answer(step, instance, response.status_code, elapsed, location))
        return response

    def keep_cookies(self, response: requests.Response) -> None:
        """Store the cookies the response sets; forget those it deletes (Max-Age=0)."""
        for header in response.raw.headers.getlist("Set-Cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def sign_in_as(self, session_key: str) -> None:
        """Carry the session cookie of a session made elsewhere, as a signed-in browser does."""
        from django.conf import settings

        self.cookies[settings.SESSION_COOKIE_NAME] = session_key

    def get(self, step: str, instance: int, path: str) -> requests.Response:
        return self.request(step, instance, "GET", path)

    def post(self, step: str, instance: int, path: str, data: dict | list) -> requests.Response:
        return self.request(step, instance, "POST", path, data=data)

    def close(self) -> None:
        self.http.close()


def csrf_token(response: requests.Response) -> str:
    match = CSRF_FIELD.search(response.text)
    if not match:
        raise BenchmarkError(f"{response.url}: no CSRF token in the page")
    return match.group(1)


def percentile(samples: list[float], p: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def latency_lines(answers: list[Answer], steps: tuple[str, ...]) -> list[str]:
    """p50 and p90 of every answer, then of each step's."""
    lines = []
    for step in ("all", *steps):
        ms = [a.ms for a in answers if step in ("all", a.step)]
        if ms:
            lines.append(
                f"{step:8} p50 {percentile(ms, 50):5.0f} ms  p90 {percentile(ms, 90):5.0f} ms"
            )
    return lines


def cpu_seconds(groups: dict[str, list[int]], database: str) -> dict[str, float]:
    """CPU time used so far by each group's process groups (with their finished children, such
    as RQ's per-job work horses) and by the PostgreSQL backends serving `database`. Read from
    /proc: zero where there is none."""
    tick = os.sysconf("SC_CLK_TCK")
    owner = {pgid: label for label, pgids in groups.items() for pgid in pgids}
    totals = dict.fromkeys([*groups, "PostgreSQL"], 0.0)
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            # utime, stime, then the same for children waited for
            own, children = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
            if int(fields[2]) in owner:
                totals[owner[int(fields[2])]] += (own + children) / tick
            elif f" {database} ".encode() in (entry / "cmdline").read_bytes():
                totals["PostgreSQL"] += own / tick
        except (OSError, IndexError, ValueError):  # gone meanwhile, or not ours to read
            continue
    return totals


def report_cpu(before: dict[str, float], after: dict[str, float], requests: int) -> None:
    """CPU the burst used: what it would take on idle cores, whatever else the machine ran."""
    used = {name: after[name] - before[name] for name in before}
    parts = ", ".join(
        f"{name} {s:.1f} s ({s * 1000 / requests:.0f} ms/request)" for name, s in used.items()
    )
    cores = os.cpu_count() or 1
    print(
        f"       CPU used: {parts}; on {cores} idle cores at least "
        f"{sum(used.values()) / cores:.1f} s",
        flush=True,
    )
