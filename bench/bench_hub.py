"""Start a class hub with about 30 simulated learners, each logged in and running module 00; print
the hub's response times and the memory each learner's server and kernel take.

Every learner, arriving a few seconds after the previous one (a class at the start of a lesson):
log in through the hub's login form, start their server, open JupyterLab, fetch module 00 from
the exchange, start a kernel and run every code cell of module 00 in it (the worked solutions:
the kernel does what a learner who finished the module did). Meanwhile an observer asks the hub's API every 2 s. Memory comes
from each learner's cgroup (peak and now), which is what ``mem_limit`` is enforced on.

Root only (the hub creates system users; all of them are removed at the end)::

    sudo .venv/bin/python bench/bench_hub.py [--learners 30] [--arrival 5] [--scale 0.3] [--mem-limit 2G]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pwd
import re
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODULE = "00_orientation"


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.2f} s  p95 {p95:6.2f} s  max {ordered[-1]:6.2f} s  (n={len(ordered)})"


def code_cells(module: str) -> list[str]:
    """Return the code of every code cell of the module's source notebooks, in order."""
    cells = []
    for path in sorted((REPO / "course" / module).glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells += ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    return cells


async def run_cells(ws_url: str, token: str, cells: list[str]) -> int:
    """Run ``cells`` one by one in a kernel through its websocket; return how many raised an error."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    request = HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}, request_timeout=120)
    conn = await websocket_connect(request)
    session, errors = uuid.uuid4().hex, 0
    for code in cells:
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "username": "bench",
            "session": session,
            "msg_type": "execute_request",
            "version": "5.3",
        }
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
        }
        message = {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": "shell",
        }
        await conn.write_message(json.dumps(message))
        while True:
            raw = await asyncio.wait_for(conn.read_message(), timeout=600)
            if raw is None:
                raise RuntimeError("kernel websocket closed")
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if reply["msg_type"] == "execute_reply":
                errors += reply["content"]["status"] != "ok"
                break
    conn.close()
    return errors


class Learner:
    """One simulated learner; records the time each step took."""

    def __init__(self, hub, name: str, cells: list[str]) -> None:
        self.hub, self.name, self.cells = hub, name, cells
        self.times: dict[str, float] = {}
        self.errors = 0
        self.failure = ""

    def timed(self, step: str, call):
        started = time.perf_counter()
        result = call()
        self.times[step] = time.perf_counter() - started
        return result

    def run(self, delay: float = 0.0) -> None:
        import requests

        time.sleep(delay)  # learners arrive one after another, as in a classroom
        from netmarketing.hub.process import api

        url, settings = self.hub.url, self.hub.settings
        try:
            browser = requests.Session()
            page = browser.get(f"{url}/hub/login", timeout=60).text
            xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page)[1]
            form = {"username": self.name, "password": self.hub.password, "_xsrf": xsrf}
            answer = self.timed(
                "login",
                lambda: browser.post(f"{url}/hub/login", data=form, allow_redirects=False, timeout=120),
            )
            if answer.status_code != 302:
                raise RuntimeError(f"login answered {answer.status_code}")
            token = api(settings, f"users/{self.name}/tokens", method="POST", body={"note": "bench"})["token"]
            auth = {"Authorization": f"token {token}"}

            def spawn() -> None:
                requests.post(f"{url}/hub/api/users/{self.name}/server", headers=auth, timeout=120)
                deadline = time.monotonic() + 600
                while True:
                    server = api(settings, f"users/{self.name}")["servers"].get("")
                    if server and server.get("ready"):
                        return
                    if not server or time.monotonic() > deadline:
                        raise RuntimeError("server did not start (see the hub's log)")
                    time.sleep(2)  # gently: thirty learners polling fast would load the hub themselves

            self.timed("spawn", spawn)
            base = f"{url}/user/{self.name}"
            self.timed(
                "lab page", lambda: requests.get(f"{base}/lab", headers=auth, timeout=120).raise_for_status()
            )
            fetch = {"course_id": settings.course_id, "assignment_id": MODULE}
            self.timed(
                "fetch",
                lambda: requests.post(
                    f"{base}/assignments/fetch", data=fetch, headers=auth, timeout=120
                ).raise_for_status(),
            )
            kernel = requests.post(
                f"{base}/api/kernels", json={"name": "python3"}, headers=auth, timeout=120
            ).json()
            ws_url = f"{base.replace('http', 'ws', 1)}/api/kernels/{kernel['id']}/channels"
            self.errors = self.timed(
                "run module 00", lambda: asyncio.run(run_cells(ws_url, token, self.cells))
            )
        except Exception as exc:  # one learner's failure is reported, the class goes on
            self.failure = f"{type(exc).__name__}: {exc}"


def observe(hub, stop: threading.Event, samples: list[float]) -> None:
    """Time the hub's user list (admin API) every 2 s until ``stop`` is set."""
    from netmarketing.hub.process import api

    while not stop.is_set():
        started = time.perf_counter()
        try:
            api(hub.settings, "users")
            samples.append(time.perf_counter() - started)
        except OSError:
            pass
        stop.wait(2)


def memory_of(hub, user: str) -> tuple[float, float]:
    """Return (peak MB, current MB) of ``user``'s cgroup, or (nan, nan) without memory cgroups."""
    from netmarketing.hub.launch import cgroup_folders

    folders = cgroup_folders(f"netmarketing-hub/{hub.settings.course_id}/{user}")
    for key, peak, now in (
        ("memory", "memory.max_usage_in_bytes", "memory.usage_in_bytes"),
        ("unified", "memory.peak", "memory.current"),
    ):
        folder = folders.get(key)
        if folder and (folder / peak).is_file():
            return (int((folder / peak).read_text()) / 2**20, int((folder / now).read_text()) / 2**20)
    return (float("nan"), float("nan"))


def rss_mb(pids: list[int]) -> float:
    import psutil

    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--scale", default="0.3", help="NETMARKETING_SCALE of the learners' worlds")
    parser.add_argument("--mem-limit", default="2G")
    parser.add_argument("--arrival", type=float, default=5.0, help="seconds between two learners' arrivals")
    args = parser.parse_args(argv)
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        print("bench_hub: 需要 root（教室要建立系統帳號）；略過 (needs root: skipped)")
        return 0
    from netmarketing.grading.sandbox import processes_of_user
    from netmarketing.hub.testing import trial_hub

    cells = code_cells(MODULE)
    started = time.perf_counter()
    with trial_hub(
        args.learners,
        course=REPO / "course",
        extra_env={"NETMARKETING_SCALE": args.scale},
        mem_limit=args.mem_limit,
    ) as hub:
        setup = time.perf_counter() - started
        print(
            f"hub up with {args.learners} learners (accounts, data release, roster) in {setup:.0f} s; {os.cpu_count()} cores"
        )
        learners = [Learner(hub, name, cells) for name in hub.learners]
        stop, samples = threading.Event(), []
        watcher = threading.Thread(target=observe, args=(hub, stop, samples))
        watcher.start()
        class_started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(learners)) as pool:
            list(pool.map(Learner.run, learners, [i * args.arrival for i in range(len(learners))]))
        class_time = time.perf_counter() - class_started
        stop.set()
        watcher.join()
        memory = {u: memory_of(hub, u) for u in hub.learners}
        rss = {u: rss_mb(processes_of_user(pwd.getpwnam(u).pw_uid)) for u in hub.learners}
        hub_rss = rss_mb([int(hub.settings.pid_path.read_text())])
        proxy_rss = rss_mb([int((hub.settings.state_dir / "proxy.pid").read_text())])
        report(learners, cells, class_time, args, samples, memory, rss, hub_rss, proxy_rss)
    return 0 if all(not learner.failure for learner in learners) else 1


def report(learners, cells, class_time, args, samples, memory, rss, hub_rss, proxy_rss) -> None:
    """Print the figures (before the hub is taken down, so a failing clean-up loses nothing)."""
    ok = [learner for learner in learners if not learner.failure]
    print(
        f"\n{len(ok)}/{len(learners)} learners ran module 00 ({len(cells)} code cells) in {class_time:.0f} s "
        f"(one arriving every {args.arrival:g} s); cells that raised: {sum(x.errors for x in ok)}"
    )
    for learner in learners:
        if learner.failure:
            print(f"  FAILED {learner.name}: {learner.failure}")
    print("\nhub response times")
    for step in ("login", "spawn", "lab page", "fetch", "run module 00"):
        print(f"  {step:14s} {percentiles([x.times[step] for x in ok if step in x.times])}")
    print(f"  {'API users':14s} {percentiles(samples)}   (observer, every 2 s during the class)")
    peaks = [p for p, _ in memory.values() if p == p]
    nows = [n for _, n in memory.values() if n == n]
    print("\nmemory per learner (server + kernel)")
    if peaks:
        print(f"  cgroup peak    mean {statistics.mean(peaks):6.0f} MB  max {max(peaks):6.0f} MB")
        print(f"  cgroup now     mean {statistics.mean(nows):6.0f} MB  max {max(nows):6.0f} MB")
    else:
        print("  (no memory cgroup on this machine: limits are not enforced, see README)")
    print(f"  RSS now        mean {statistics.mean(rss.values()):6.0f} MB  max {max(rss.values()):6.0f} MB")
    print(f"  hub {hub_rss:.0f} MB, proxy {proxy_rss:.0f} MB; learner limit {args.mem_limit}", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
