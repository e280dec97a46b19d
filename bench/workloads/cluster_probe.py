#!/usr/bin/python3
"""Cluster probe of bench/workloads/cluster.sh (bench/README.md, "Cluster").

  settle --ports P,P,P          waits until the partition map is settled; prints JSON
  kill --nodes PORT:PID,...     kills one primary (SIGKILL) while writing through the other
                                nodes; writes the failover window as JSON (--out)

Loopback only; every loop is bounded in time. Standard library only: Debian's /usr/bin/python3.
"""
import argparse
import http.client
import json
import os
import signal
import statistics
import sys
import threading
import time

PARTITIONS = 64   # data partitions; the shared one is number 64
ALL = PARTITIONS + 1
MASK = (1 << 64) - 1


def partition_of(user_id):
    """storage/keys.cpp's partition_of: SplitMix64's finaliser, modulo 64."""
    x = user_id
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    x ^= x >> 31
    return x % PARTITIONS


def view(port, timeout=1.0):
    """A node's GET /reel/v1/cluster, or None when it does not answer."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", "/reel/v1/cluster")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return json.loads(body) if resp.status == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None


def map_state(views):
    """(problem or None, primaries per node number, {partition: epoch}) of the nodes' views:
    settled means every node answers, each of the 65 partitions has a serving primary at the
    newest epoch any node knows, three replicas and no learner, and the primaries are spread
    as the controller's balancing leaves them (counts differ by at most one)."""
    if any(v is None for v in views):
        return "a node does not answer", {}, {}
    newest, served, shape = {}, {}, {}
    for v in views:
        for p in v["partitions"]:
            newest[p["partition"]] = max(newest.get(p["partition"], 0), p["epoch"])
    for v in views:
        for p in v["partitions"]:
            if p["role"] == "primary" and p["serving"] and p["epoch"] == newest[p["partition"]]:
                served[p["partition"]] = v["node"]
                shape[p["partition"]] = (len(p["replicas"]), len(p["learners"]))
    if len(served) < ALL:
        return f"{ALL - len(served)} partitions without a serving primary", {}, newest
    odd = [p for p, (r, lrn) in shape.items() if r != 3 or lrn]
    if odd:
        return f"{len(odd)} partitions without 3 replicas or with learners", {}, newest
    counts = {v["node"]: 0 for v in views}
    for node in served.values():
        counts[node] += 1
    if max(counts.values()) - min(counts.values()) > 1:
        return f"primaries not balanced yet {sorted(counts.values())}", counts, newest
    return None, counts, newest


def settle(a):
    ports = [int(p) for p in a.ports.split(",")]
    start = time.monotonic()
    stable_since, last_epochs, problem = None, None, "not polled"
    while time.monotonic() < start + a.timeout:
        problem, counts, epochs = map_state([view(p) for p in ports])
        now = time.monotonic()
        if problem is None and epochs == last_epochs:
            if now - stable_since >= a.stable:
                print(json.dumps({"settle_s": round(now - start, 3), "primaries": counts}))
                return
        else:
            stable_since = now
        last_epochs = epochs if problem is None else None
        time.sleep(0.2)
    sys.exit(f"cluster_probe: the map did not settle within {a.timeout} s: {problem}")


class Writer(threading.Thread):
    """Follows and unfollows, in turn, a user of its own partition, so that each write lands
    in one partition only (the followee's side travels later, through the outbox). Keeps
    every write as (sent, answered, ok, kind) in monotonic seconds."""

    def __init__(self, partition, token, target, port, a, stop):
        super().__init__(daemon=True)
        self.partition, self.token, self.target, self.port = partition, token, target, port
        self.a, self.stop = a, stop
        self.writes = []
        self.conn = None

    def write(self, action):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.a.client_timeout)
        path = f"/douyin/relation/action/?token={self.token}&to_user_id={self.target}&action_type={action}"
        self.conn.request("POST", path, headers={"Connection": "keep-alive", "Content-Length": "0"})
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return str(resp.status)
        return "ok" if body.startswith(b'{"status_code":0') else "api"

    def run(self):
        action = 2
        while not self.stop.is_set():
            sent = time.monotonic()
            try:
                kind = self.write(action)
            except TimeoutError:
                kind = "timeout"
            except (OSError, http.client.HTTPException):
                kind = "io"
            if kind in ("timeout", "io") and self.conn is not None:
                self.conn.close()
                self.conn = None
            self.writes.append((sent, time.monotonic(), kind))
            action = 3 - action if kind == "ok" else action
            self.stop.wait(self.a.pause if kind == "ok" else self.a.retry_pause)


def writers_for(a, ports, stop):
    """One writer per data partition: its first user follows/unfollows its second user."""
    users = [int(x) for x in open(a.users).read().split()]
    tokens = open(a.tokens).read().split()
    by_partition = {}
    for i, u in enumerate(users):
        by_partition.setdefault(partition_of(u), []).append(i)
    out = []
    for p in range(PARTITIONS):
        ids = by_partition.get(p, [])
        if len(ids) < 2:
            continue
        out.append(Writer(p, tokens[ids[0]], users[ids[1]], ports[p % len(ports)], a, stop))
    return out


def user_window(w, t_kill):
    """Seconds from the kill until the writer's first success sent after its last failure
    (and not before the kill); None if it never came."""
    writes = list(w.writes)  # the writer may be appending
    failures = [ans for sent, ans, kind in writes if kind != "ok" and ans >= t_kill]
    after = max(failures + [t_kill])
    ok = [ans for sent, ans, kind in writes if kind == "ok" and sent >= after]
    return round(min(ok) - t_kill, 4) if ok else None


def recovered(writers, t_kill):
    return all(user_window(w, t_kill) is not None for w in writers)


def choose_victim(nodes, index):
    """The node of the kill's turn (index modulo the nodes), or the next one that leads some
    partitions."""
    views = [view(port) for port, _ in nodes]
    for k in range(len(nodes)):
        i = (index + k) % len(nodes)
        v = views[i]
        led = [p["partition"] for p in (v or {}).get("partitions", []) if p["role"] == "primary" and p["serving"]]
        if led:
            return i, v, led
    sys.exit("cluster_probe: no node leads a partition")


def kill(a):
    nodes = [tuple(int(x) for x in n.split(":")) for n in a.nodes.split(",")]
    victim, vview, led = choose_victim(nodes, a.index)
    survivors = [port for i, (port, _) in enumerate(nodes) if i != victim]
    stop = threading.Event()
    writers = writers_for(a, survivors, stop)
    for w in writers:
        w.start()
    time.sleep(a.warmup)
    t_kill = time.monotonic()
    os.kill(nodes[victim][1], signal.SIGKILL)
    deadline = t_kill + a.limit
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = time.monotonic()
        last_failure = max([ans for w in writers for _, ans, kind in list(w.writes) if kind != "ok"] + [t_kill])
        if now - last_failure >= a.quiet and recovered(writers, t_kill):
            break
    stop.set()
    for w in writers:
        w.join(a.client_timeout + 1)
    report(a, nodes, victim, vview, led, writers, t_kill)


def report(a, nodes, victim, vview, led, writers, t_kill):
    led_data = set(p for p in led if p < PARTITIONS)
    windows = {w.partition: user_window(w, t_kill) for w in writers}
    mine = [windows[p] for p in windows if p in led_data]
    others = [windows[p] for p in windows if p not in led_data]
    after = [(w, s, ans, kind) for w in writers for s, ans, kind in w.writes if ans >= t_kill]
    count = lambda pred: sum(1 for x in after if pred(x))  # noqa: E731
    before = [ans - s for w in writers for s, ans, kind in w.writes if ans < t_kill and kind == "ok"]
    slow = [round(ans - s, 3) for _, s, ans, kind in after if kind == "ok"]
    result = {
        "config": {"tool": "cluster_probe kill", "writers": len(writers), "pause_s": a.pause,
                   "retry_pause_s": a.retry_pause, "client_timeout_s": a.client_timeout, "quiet_s": a.quiet,
                   "limit_s": a.limit, "warmup_s": a.warmup},
        "victim_index": victim, "victim_port": nodes[victim][0], "victim_node": vview["node"],
        "victim_was_controller": bool(vview.get("controller")), "victim_led": len(led),
        "victim_led_shared": PARTITIONS in led,
        "window_s": max(mine) if mine and None not in mine else None,
        "first_back_s": min(mine) if mine and None not in mine else None,
        "other_partitions_window_s": max(others) if others and None not in others else None,
        "writers_in_led_partitions": len(mine),
        "writers_failed": sum(1 for w in writers if any(k != "ok" and ans >= t_kill for _, ans, k in w.writes)),
        "failed_outside_led": sorted(w.partition for w in writers if w.partition not in led_data and any(
            k != "ok" and ans >= t_kill for _, ans, k in w.writes)),
        "writes_after_kill": len(after), "ok_after_kill": count(lambda x: x[3] == "ok"),
        "http_503": count(lambda x: x[3] == "503"), "timeouts": count(lambda x: x[3] == "timeout"),
        "io_errors": count(lambda x: x[3] == "io"), "api_errors": count(lambda x: x[3] == "api"),
        "other_http": count(lambda x: x[3] not in ("ok", "503", "timeout", "io", "api")),
        "slowest_write_after_kill_s": max(slow) if slow else None,
        "write_p50_before_kill_ms": round(statistics.median(before) * 1000, 2) if before else None,
        "failed_before_kill": sum(1 for w in writers for _, ans, k in w.writes if ans < t_kill and k != "ok"),
        "observed_s": round(max(ans for _, _, ans, _ in after) - t_kill, 3) if after else 0,
        "windows": {str(p): windows[p] for p in sorted(windows)},
    }
    with open(a.out, "w") as f:
        json.dump(result, f)
    print(json.dumps({k: result[k] for k in ("victim_index", "victim_node", "window_s", "http_503", "timeouts")}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("settle", help="wait until the partition map is settled")
    s.add_argument("--ports", required=True, help="the nodes' HTTP ports, comma-separated")
    s.add_argument("--timeout", type=float, default=120)
    s.add_argument("--stable", type=float, default=1.0, help="seconds without an epoch change")
    k = sub.add_parser("kill", help="kill a primary under writes; measure the failover window")
    k.add_argument("--nodes", required=True, help="PORT:PID of every node, comma-separated")
    k.add_argument("--index", type=int, default=0, help="the kill's number: picks the victim in turn")
    k.add_argument("--users", required=True, help="users.txt of the import")
    k.add_argument("--tokens", required=True, help="tokens.txt of the import, in users.txt's order")
    k.add_argument("--warmup", type=float, default=1.0, help="seconds of writes before the kill")
    k.add_argument("--pause", type=float, default=0.05, help="seconds after a successful write")
    k.add_argument("--retry-pause", type=float, default=0.02, help="seconds after a failed write")
    k.add_argument("--client-timeout", type=float, default=8.0, help="above reeld's 5 s request timeout")
    k.add_argument("--quiet", type=float, default=1.0, help="seconds without a failure before stopping")
    k.add_argument("--limit", type=float, default=60, help="seconds after the kill at most")
    k.add_argument("--out", required=True)
    a = p.parse_args()
    settle(a) if a.command == "settle" else kill(a)


if __name__ == "__main__":
    main()
