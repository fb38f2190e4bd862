"""Stage 3c: symbolic equivalence in worker processes with a hard per-answer timeout.

Sympy can hang (``10^{10^{10^{10}}}``) or blow up memory on model output. Each check runs in a separate
process; when it passes its timeout the process is killed and replaced, and the check is reported as
undecided (None), never as a verdict. The caller's thread only waits on a pipe (``selectors``, which has
no limit on descriptor numbers, unlike ``select.select``), so this works from any thread, under
``accelerate launch``, in notebooks and in processes with thousands of open files: no ``signal.alarm``.

Every request carries an id that the worker echoes. Anything that interrupts a check between request and
reply (a timeout, Ctrl-C, an exception raised by a signal handler) retires that worker, so a late reply
can never be read as the answer to the next question.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from pathlib import Path

_STARTUP_TIMEOUT = 120.0  # importing sympy on a loaded machine; not counted in the per-answer timeout


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        package_root = str(Path(__file__).resolve().parents[2])  # works from a source checkout too
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "oneshot_trl.rewards._worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # a Ctrl-C in a notebook or terminal does not hit the worker first
        )
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)
        self._buffer = b""
        self.ready = False

    def _readline(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = max(0.0, deadline - time.monotonic())  # 0 polls once without waiting
            if not self._selector.select(remaining):
                return None
            chunk = os.read(fd, 65536)
            if not chunk:  # the worker died (memory limit, crash)
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def poll_ready(self) -> bool:
        """Non-blocking: has the worker finished its imports?"""
        if not self.ready and self._readline(0.0) == b"ready":
            self.ready = True
        return self.ready

    def ask(self, request_id: int, pred: str, gold: str, timeout: float) -> dict | None:
        """The worker's reply to this request, or None when it did not come in time (or is not this one's)."""
        if not self.ready:
            if self._readline(_STARTUP_TIMEOUT) != b"ready":
                return None
            self.ready = True
        try:
            self.proc.stdin.write(json.dumps({"id": request_id, "pred": pred, "gold": gold}).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        line = self._readline(timeout)
        if line is None:
            return None
        reply = json.loads(line)
        if reply.get("id") != request_id:  # cannot happen while retiring works; never trust it if it does
            return {"id": request_id, "error": f"reply to request {reply.get('id')}", "retire": True}
        return reply

    def kill(self) -> None:
        try:
            self._selector.close()
            self.proc.kill()
            self.proc.wait(timeout=5)
            self.proc.stdin.close()
            self.proc.stdout.close()
        except Exception:  # noqa: BLE001 - already gone
            pass


class SymbolicPool:
    """A small pool of symbolic workers, all started on first use, safe to call from many threads.

    A retired worker's replacement starts at once; while it imports sympy the other workers serve, so a
    timed-out answer does not delay the next one. Counters: ``calls``, ``timeouts`` (no reply in time),
    ``errors`` (the check raised inside the worker, or the reply was unusable).
    """

    def __init__(self, size: int | None = None) -> None:
        self.size = size or int(os.environ.get("ONESHOT_REWARD_WORKERS", min(2, os.cpu_count() or 1)))
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._available = threading.Condition()
        self._ids = itertools.count(1)
        self.timeouts = 0
        self.errors = 0
        self.calls = 0

    def _acquire(self) -> _Worker:
        with self._available:
            if not self._all:
                self._all = [_Worker() for _ in range(self.size)]
                self._idle = list(self._all)
            while not self._idle:
                self._available.wait()
            for worker in self._idle:
                if worker.ready or worker.poll_ready():
                    self._idle.remove(worker)
                    return worker
            return self._idle.pop(0)

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker whose pipe may hold an unread reply and put a fresh one in its place."""
        worker.kill()
        fresh = _Worker()
        with self._available:
            self._all = [fresh if w is worker else w for w in self._all]
            self._idle.append(fresh)
            self._available.notify()

    def equivalent(self, pred: str, gold: str, timeout: float) -> bool | None:
        """True/False, or None when the check ran past ``timeout`` seconds or failed (both are counted)."""
        worker = self._acquire()
        try:
            reply = worker.ask(next(self._ids), pred, gold, timeout)
        except BaseException:
            # Interrupted between request and reply (KeyboardInterrupt, an exception from a signal
            # handler, ...): the reply may still arrive, so this worker must never answer again.
            self._retire(worker)
            raise
        self.calls += 1
        if reply is None or reply.get("retire"):
            if reply is None:
                self.timeouts += 1
            else:
                self.errors += 1
            self._retire(worker)
            return None
        with self._available:
            self._idle.append(worker)
            self._available.notify()
        if "error" in reply:
            self.errors += 1
            return None
        return bool(reply["v"])

    def close(self) -> None:
        with self._available:
            for worker in self._all:
                worker.kill()
            self._all, self._idle = [], []


_POOL: SymbolicPool | None = None


def get_pool() -> SymbolicPool:
    """The process-wide pool (one per training rank)."""
    global _POOL
    if _POOL is None:
        _POOL = SymbolicPool()
        atexit.register(_POOL.close)
    return _POOL
