"""Process hygiene: everything a run starts (Appium, chromedriver, Chromium) ends with the run.

Three layers, because no single one covers every way a run can end:

1. **Signals.** :func:`install_termination_handlers` turns SIGTERM / SIGHUP (what ``timeout``,
   CI runners and closed terminals send) into ``KeyboardInterrupt`` in the main thread, so that
   pytest tears its session fixtures down (which stops the Appium server) exactly as on Ctrl-C.
2. **A guard per server.** The local Appium server runs in its own process group (its
   chromedriver and Chromium are in it too). :func:`start_guard` starts a tiny watcher process
   outside that group; when the owner dies without stopping the server — SIGKILL, OOM killer,
   a crash — the guard signals the group (SIGTERM, then SIGKILL) and every process tagged for
   that server, then exits. A normal stop ends the guard.
3. **Tags and a sweep at the next start.** Every process of a server carries the environment
   variable :data:`TAG_VAR` = ``<owner pid>:<owner start time>:<server id>`` (children inherit it,
   including Chromium's crash handler, which starts its own session and so escapes the group).
   :func:`reap_stale` finds tagged processes whose owner is gone, reports and ends them.

Only Linux ``/proc`` is read; elsewhere the sweep finds nothing and the other layers still work.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

__all__ = ["TAG_VAR", "TaggedProcess", "owner_tag", "process_start_time", "is_running", "tagged_processes",
           "reap_stale", "kill_tagged", "start_guard", "install_termination_handlers", "parent_death_signal"]

TAG_VAR = "SPLASHCHECK_OWNER"
# Seconds between SIGTERM and SIGKILL when the guard or the sweep ends a group.
REAP_GRACE_S = 5.0
# Seconds between two checks of the guard whether its owner is still alive.
GUARD_POLL_S = 0.5

_PROC = Path("/proc")
_TAG_RE = re.compile(r"^\d+:\d+:\S+$")


@dataclass(frozen=True)
class TaggedProcess:
    pid: int
    pgid: int
    tag: str
    command: str

    @property
    def owner_pid(self) -> int:
        return int(self.tag.split(":")[0])

    @property
    def owner_start(self) -> int:
        return int(self.tag.split(":")[1])

    @property
    def server(self) -> str:
        return self.tag.split(":", 2)[2]


def process_start_time(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (``/proc/<pid>/stat`` field 22), None if gone.

    A pid is reused after a process ends; (pid, start time) names one process for good.
    """
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing ")".
    fields = stat[stat.rfind(")") + 2:].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def is_running(pid: int, start_time: int | None = None) -> bool:
    """Whether ``pid`` is alive (not a zombie) and, when given, started at ``start_time``."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    fields = stat[stat.rfind(")") + 2:].split()
    if fields and fields[0] in ("Z", "X"):
        return False
    return start_time is None or (len(fields) > 19 and fields[19] == str(start_time))


def owner_tag(server_id: str, pid: int | None = None) -> str:
    """The :data:`TAG_VAR` value for processes this process starts for ``server_id``."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{process_start_time(pid) or 0}:{server_id}"


def tagged_processes() -> list[TaggedProcess]:
    """Every process of this user that carries :data:`TAG_VAR` (Linux ``/proc``; [] elsewhere)."""
    out = []
    needle = (TAG_VAR + "=").encode()
    try:
        entries = list(_PROC.iterdir())
    except OSError:
        return []
    me = os.getpid()
    for d in entries:
        if not d.name.isdigit() or int(d.name) == me:
            continue
        try:
            env = (d / "environ").read_bytes()
        except OSError:  # gone, or another user's
            continue
        for item in env.split(b"\0"):
            if item.startswith(needle):
                tag = item[len(needle):].decode("utf-8", "replace")
                if not _TAG_RE.match(tag):  # not one of ours (a hand-set variable): never acted on
                    break
                try:
                    cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
                    pgid = os.getpgid(int(d.name))
                except (OSError, ProcessLookupError):
                    break
                if is_running(int(d.name)):
                    out.append(TaggedProcess(int(d.name), pgid, tag, cmd[:200]))
                break
    return out


def _signal_all(procs: Iterable[TaggedProcess], sig: int) -> None:
    groups = {p.pgid for p in procs}
    for pgid in groups:
        if pgid > 1 and pgid != os.getpgid(0):
            try:
                os.killpg(pgid, sig)
            except (ProcessLookupError, PermissionError):
                pass
    for p in procs:  # a process that left its group (Chromium's crash handler calls setsid)
        try:
            os.kill(p.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tagged(select: Callable[[TaggedProcess], bool], *, grace_s: float = REAP_GRACE_S) -> list[TaggedProcess]:
    """SIGTERM, then after ``grace_s`` SIGKILL, every tagged process ``select`` picks; returns them."""
    procs = [p for p in tagged_processes() if select(p)]
    if not procs:
        return []
    _signal_all(procs, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        left = [p for p in tagged_processes() if select(p)]
        if not left:
            return procs
        time.sleep(0.1)
    _signal_all([p for p in tagged_processes() if select(p)], signal.SIGKILL)
    time.sleep(0.2)
    return procs


def reap_stale(*, grace_s: float = REAP_GRACE_S) -> list[TaggedProcess]:
    """End the tagged processes whose owner is gone (a run killed with SIGKILL); returns them.

    A process whose owner is alive belongs to a run in progress (another terminal, another
    xdist worker) and is left alone.
    """
    return kill_tagged(lambda p: not is_running(p.owner_pid, p.owner_start or None), grace_s=grace_s)


def describe(procs: Iterable[TaggedProcess]) -> str:
    """``3 process(es) of server local-4723 (owner pid 123, gone): node appium…, chromium…``"""
    by_server: dict[str, list[TaggedProcess]] = {}
    for p in procs:
        by_server.setdefault(p.server, []).append(p)
    parts = []
    for server, ps in by_server.items():
        names = ", ".join(sorted({Path(p.command.split(" ")[0]).name or "?" for p in ps}))
        parts.append(f"{len(ps)} process(es) of {server} (owner pid {ps[0].owner_pid}): {names}")
    return "; ".join(parts)


# ------------------------------------------------------------------------------------- guard


def start_guard(*, pgid: int, tag: str, owner_pid: int | None = None) -> subprocess.Popen:
    """Watch ``owner_pid`` (default: this process); when it dies, end group ``pgid`` and the ``tag``ged.

    The guard runs in its own session, so that signals to the owner's or the server's group do
    not reach it. Stop it with ``.terminate()`` after stopping the server normally.
    """
    owner = os.getpid() if owner_pid is None else owner_pid
    cmd = [sys.executable, "-m", "harness.procs", "guard", "--owner", str(owner),
           "--owner-start", str(process_start_time(owner) or 0), "--pgid", str(pgid), "--tag", tag]
    env = {k: v for k, v in os.environ.items() if k != TAG_VAR}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1])]
                                        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=env, close_fds=True)


def _guard(owner: int, owner_start: int, pgid: int, tag: str) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C at the terminal is the owner's business
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # the owner stopped the server itself
    while not stop.is_set():
        if not is_running(owner, owner_start or None):
            _end_group(pgid, tag)
            return 0
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            # The server's group is gone (stopped normally); stragglers that left it remain tagged.
            kill_tagged(lambda p: p.tag == tag, grace_s=1.0)
            return 0
        except PermissionError:
            pass
        stop.wait(GUARD_POLL_S)
    return 0


def _end_group(pgid: int, tag: str) -> None:
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    deadline = time.monotonic() + REAP_GRACE_S
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            break
        time.sleep(0.1)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    kill_tagged(lambda p: p.tag == tag, grace_s=1.0)


# ------------------------------------------------------------------------------------- signals


class Terminated(KeyboardInterrupt):
    """SIGTERM / SIGHUP, raised like Ctrl-C so that the same clean-up runs; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


def install_termination_handlers() -> bool:
    """Raise :class:`Terminated` (a ``KeyboardInterrupt``) on SIGTERM and SIGHUP; main thread only.

    Returns whether they were installed. A second signal while cleaning up is ignored, so that
    the clean-up itself is not interrupted half-way.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    fired = []

    def handler(signum: int, frame: object) -> None:
        if fired:
            return
        fired.append(signum)
        raise Terminated(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(sig, handler)
        except (OSError, ValueError):
            return False
    return True


_PR_SET_PDEATHSIG = 1


def parent_death_signal(sig: int = signal.SIGTERM) -> None:
    """``preexec_fn`` for Popen: the child gets ``sig`` when the thread that started it dies (Linux).

    Used for the pytest process of ``splashcheck run``: a run killed with SIGKILL must not leave
    its tests running in the background.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the guard and the sweep still apply
        pass


def _main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.procs")
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("guard", help="(internal) end a server's processes when its owner dies")
    g.add_argument("--owner", type=int, required=True)
    g.add_argument("--owner-start", type=int, default=0)
    g.add_argument("--pgid", type=int, required=True)
    g.add_argument("--tag", required=True)
    sub.add_parser("list", help="list tagged processes (server, owner, alive?)")
    sub.add_parser("reap", help="end tagged processes whose owner is gone")
    args = p.parse_args(argv)
    if args.cmd == "guard":
        return _guard(args.owner, args.owner_start, args.pgid, args.tag)
    if args.cmd == "list":
        for t in tagged_processes():
            alive = is_running(t.owner_pid, t.owner_start or None)
            print(f"{t.pid:>7} pgid {t.pgid:>7} owner {t.owner_pid} ({'alive' if alive else 'GONE'}) {t.command}")
        return 0
    reaped = reap_stale()
    print(describe(reaped) if reaped else "no stale processes")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
