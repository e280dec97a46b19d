#!/usr/bin/python3
"""Celebrity publish probe: publishes one video as the celebrity, then measures, from the
acknowledgement, when each of a sample of followers sees it in their home timeline
(feed_type=following) and when reeld's fan-out has no pending job left.

Loopback only; bounded by --timeout. Writes one JSON object (bench/README.md).
Standard library only: run with Debian's /usr/bin/python3.
"""
import argparse
import http.client
import json
import random
import threading
import time
import uuid


def connect(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def get(conn, path):
    conn.request("GET", path, headers={"Connection": "keep-alive"})
    resp = conn.getresponse()
    return resp.status, resp.read()


def metrics(conn):
    _, body = get(conn, "/metrics")
    values = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def publish(port, token, video, title):
    boundary = "reelbench" + uuid.uuid4().hex
    with open(video, "rb") as f:
        data = f.read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"v.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    conn = connect(port)
    sent = time.monotonic()
    conn.request("POST", f"/douyin/publish/action/?token={token}&title={title}", body=body,
                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    resp = conn.getresponse()
    answer = resp.read()
    acked = time.monotonic()
    conn.close()
    reply = json.loads(answer)
    if resp.status != 200 or reply.get("status_code") != 0:
        raise SystemExit(f"celebrity_probe: publish failed: HTTP {resp.status} {answer[:200]!r}")
    return sent, acked


def total(ms, name):
    """A metric summed over the nodes' metrics."""
    return sum(m.get(name, 0) for m in ms)


def timed_fanout(a, mconns, title):
    """One publish with nothing else running, until no node has a fan-out job pending and
    every expected entry is written: entries / job duration as timed by reeld (from its start
    to its last page durable and its job record durably deleted; in a cluster, each push
    applied on every replica), read from the node whose completed jobs went up: the job runs
    on the primary of the author's partition."""
    before = [metrics(c) for c in mconns]
    e0 = total(before, "reel_fanout_inbox_entries_total")
    sent, acked = publish(a.port, a.token, a.video, title)
    while time.monotonic() < acked + a.timeout:
        time.sleep(0.1)
        ms = [metrics(c) for c in mconns]
        entries = total(ms, "reel_fanout_inbox_entries_total") - e0
        if total(ms, "reel_fanout_pending_jobs") == 0 and entries >= a.expect_entries:
            break
    else:
        raise SystemExit("celebrity_probe: the fan-out did not finish in time")
    ran = [i for i, (m0, m) in enumerate(zip(before, ms))
           if m.get("reel_fanout_completed_jobs_total", 0) > m0.get("reel_fanout_completed_jobs_total", 0)]
    m = ms[ran[0]] if ran else ms[0]
    server_s = m.get("reel_fanout_last_job_seconds")
    server_entries = m.get("reel_fanout_last_job_entries", 0)
    return {
        "ack_ms": round((acked - sent) * 1000, 3),
        "inbox_entries": int(entries),
        "server_fanout_s": server_s,
        "server_entries_per_s": round(server_entries / server_s) if server_s and server_entries else None,
        "job_port": a.metrics_ports[ran[0]] if ran else None,
    }


def quiet_fanout(a):
    """Times the fan-out alone. Like every other load of the suite it is measured warm: the
    first publish after reeld starts (timed too, and reported as first_after_start) touches
    memory and table blocks for the first time, which later ones do not."""
    mconns = [connect(p) for p in a.metrics_ports]
    first = [timed_fanout(a, mconns, "warmup" + uuid.uuid4().hex[:12]) for _ in range(a.warmup)]
    result = {"config": {"tool": "celebrity_probe", "quiet": True, "expect_entries": a.expect_entries,
                         "warmup_publishes": a.warmup, "metrics_ports": a.metrics_ports},
              **timed_fanout(a, mconns, "quiet" + uuid.uuid4().hex[:12]),
              "first_after_start": first[0] if first else None}
    with open(a.out, "w") as f:
        json.dump(result, f)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True, help="the celebrity's token")
    p.add_argument("--follower-tokens", required=True, help="file of followers' tokens, one a line")
    p.add_argument("--sample", type=int, default=500)
    p.add_argument("--video", required=True, help="the (already stored) video to upload")
    p.add_argument("--expect-entries", type=int, default=0, help="inbox entries the fan-out should write")
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--quiet", action="store_true",
                   help="only time the fan-out: no follower polls its feed meanwhile, metrics every 0.1 s")
    p.add_argument("--warmup", type=int, default=1,
                   help="with --quiet: publishes timed before the measured one (the first is reported too)")
    p.add_argument("--metrics-ports", default=None,
                   help="with --quiet: the nodes whose /metrics to read, comma-separated (default: --port)")
    a = p.parse_args()
    a.metrics_ports = [int(x) for x in a.metrics_ports.split(",")] if a.metrics_ports else [a.port]
    if a.quiet:
        return quiet_fanout(a)

    with open(a.follower_tokens) as f:
        tokens = [line.strip() for line in f if line.strip()]
    sample = random.Random(a.seed).sample(tokens, min(a.sample, len(tokens)))
    title = "celeb" + uuid.uuid4().hex[:12]
    series = []  # (t from ack, pending jobs, inbox entries written)
    seen_at = {}
    lock = threading.Lock()
    done = threading.Event()
    state = {"ack": None, "polls": 0}
    done_at = [float("inf")]

    mconn = connect(a.port)
    base = metrics(mconn)
    e0 = base.get("reel_fanout_inbox_entries_total", 0)

    sent, acked = publish(a.port, a.token, a.video, title)
    state["ack"] = acked
    deadline = acked + a.timeout

    def prober(mine):
        conn = connect(a.port)
        needle = title.encode()
        while mine and time.monotonic() < deadline:
            for token in list(mine):
                status, body = get(conn, f"/douyin/feed/?token={token}&feed_type=following")
                now = time.monotonic()
                with lock:
                    state["polls"] += 1
                if status == 200 and needle in body:
                    with lock:
                        seen_at[token] = round(now - acked, 4)
                    mine.remove(token)
        conn.close()

    def watcher():
        while time.monotonic() < deadline:
            m = metrics(mconn)
            t = time.monotonic() - acked
            pending = m.get("reel_fanout_pending_jobs", 0)
            entries = m.get("reel_fanout_inbox_entries_total", 0) - e0
            series.append((round(t, 4), int(pending), int(entries)))
            if done.is_set() and pending == 0 and (entries >= a.expect_entries or time.monotonic() > done_at[0] + 2):
                return
            time.sleep(0.05)

    w = threading.Thread(target=watcher)
    w.start()
    workers = [threading.Thread(target=prober, args=(sample[i::a.threads],)) for i in range(a.threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    probes_done = time.monotonic() - acked
    done_at[0] = time.monotonic()
    done.set()
    w.join()

    # reeld's own timing of the job (start to finished, durably): the polled figure above is
    # quantised by the 50 ms polling interval.
    final = metrics(mconn)
    server_s = final.get("reel_fanout_last_job_seconds") if a.expect_entries else None
    server_entries = final.get("reel_fanout_last_job_entries", 0)

    times = sorted(seen_at.values())
    n = len(sample)
    # The fan-out is done at the first sample with no pending job and every entry written.
    entries = series[-1][2] if series else 0
    fanout_done = next((t for t, pending, written in series if pending == 0 and written == entries), None)
    result = {
        "config": {"tool": "celebrity_probe", "sample": n, "threads": a.threads, "timeout_s": a.timeout,
                   "expect_entries": a.expect_entries},
        "sampled": n,
        "seen": len(times),
        "ack_ms": round((acked - sent) * 1000, 3),
        "visible_all_s": round(times[-1], 4) if len(times) == n and n else None,
        "visible_p50_s": round(times[len(times) // 2], 4) if times else None,
        "fanout_done_s": fanout_done,
        "inbox_entries": entries,
        "inbox_entries_per_s": round(entries / fanout_done) if fanout_done and entries else None,
        "server_fanout_s": server_s,
        "server_entries_per_s": round(server_entries / server_s) if server_s and server_entries else None,
        "feed_polls": state["polls"],
        "probe_s": round(probes_done, 3),
        "completion": [[round(t, 4), (i + 1) / n] for i, t in enumerate(times)],
        "metrics": series,
    }
    with open(a.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
