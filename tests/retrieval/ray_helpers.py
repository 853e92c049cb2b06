"""For the Ray engine's tests: a real local Ray cluster on loopback, stopped by its own process
ids, and a slow fake encoder whose workers leave marks (their pids, their calls) for the tests.

Ray workers import this module by name (``tests.retrieval.ray_helpers``): the cluster is
started with the repository root on PYTHONPATH.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import FakeEncoder

ROOT = Path(__file__).resolve().parents[2]
# Every connection stays on 127.0.0.1 (Ray would use the machine's address otherwise), no usage
# statistics, and a token of the tests' own for the cluster and its drivers: nothing is read
# from or written to ~/.ray (a local ray.init writes a token there when none is given).
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0",
           "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}


class SlowFakeEncoder(FakeEncoder):
    """``FakeEncoder`` that takes ``delay`` seconds per call and writes, under ``marks``, a file
    named by its worker's pid when loaded and a line per call: a job that the tests can watch
    and interrupt."""

    def __init__(self, marks: str, delay: float):
        self.marks, self.delay = Path(marks), delay
        (self.marks / f"{os.getpid()}.pid").touch()

    def embed(self, texts, progress=False):
        time.sleep(self.delay)
        with open(self.marks / f"{os.getpid()}.calls", "a") as calls:
            calls.write(f"{len(texts)}\n")
        return super().embed(texts)


def worker_pids(marks: Path) -> list[int]:
    """The pids of the workers that loaded a ``SlowFakeEncoder`` writing to ``marks``."""
    return sorted(int(p.stem) for p in marks.glob("*.pid"))


def calls(marks: Path, pid: int) -> int:
    path = marks / f"{pid}.calls"
    return len(path.read_text().splitlines()) if path.exists() else 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalCluster:
    """``ray start --head --block`` on 127.0.0.1 with ``cpus`` CPUs, no dashboard, in its own
    process group and temporary folder; ``stop`` ends that group only. Its workers import the
    tests' encoders: the repository root is on their PYTHONPATH."""

    def __init__(self, cpus: int = 2):
        self.temp = Path(tempfile.mkdtemp(prefix="nd-ray-"))  # short: Ray's socket paths must fit 107 bytes
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {**os.environ, **RAY_ENV, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.log = self.temp / "head.log"
        ray = Path(sys.executable).with_name("ray")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(ray), "start", "--head", "--block", f"--port={self.port}", "--node-ip-address=127.0.0.1",
                 "--include-dashboard=false", "--disable-usage-stats", f"--num-cpus={cpus}",
                 f"--temp-dir={self.temp}", "--object-store-memory=200000000"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(lambda: b"Ray runtime started" in self.log.read_bytes() or self.process.poll() is not None,
                     120, "the Ray head to start")
            if self.process.poll() is not None:
                raise RuntimeError(f"ray start failed:\n{self.log.read_text()[-3000:]}")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM to ``ray start``, which stops what it started; then SIGKILL to its group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own group (start_new_session)
        except ProcessLookupError:
            pass
        self.process.wait()
        import shutil

        shutil.rmtree(self.temp, ignore_errors=True)
