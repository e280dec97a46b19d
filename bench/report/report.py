#!/usr/bin/python3
"""Writes report.md and plots/*.svg for one bench/run results directory.

Usage: bench/report/report.py RESULTS_DIR   (Debian's /usr/bin/python3, standard library only)
Reads machine.json, runs.jsonl and raw/*.json; can be re-run on old results.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cluster import ClusterSection  # noqa: E402
from plots import Plotter  # noqa: E402
from results import Results, errors, latency, sustained, throughput  # noqa: E402
from summary import Summary, ms, rps  # noqa: E402

WORKLOAD_TITLES = {
    "storage": "Storage ceiling: RocksDB synced batched writes",
    "a-home": "(a) Home-timeline reads", "a-global": "(a) Global-feed reads", "a-http": "(a) HTTP ceiling",
    "b-publish": "(b) Publish with fan-out", "b-newvideo": "(b) New-video pipeline",
    "c-dsb": "(c) DeathStarBench social-network mix", "d-readheavy": "(d) Read-heavy 65:1 mix",
    "e-fanout": "(e) Fan-out timed alone", "e-celebrity": "(e) Celebrity publish", "f-storm": "(f) Like/comment storm", "g-chat": "(g) Chat",
    "h-feed": "(h) Feed reads beside the login storm", "h-login": "(h) Login storm",
    "k-home": "(k) Cluster: home-timeline reads", "k-dsb": "(k) Cluster: DeathStarBench mix at 1,000 req/s",
    "k-publish": "(k) Cluster: publish with fan-out at 300/s", "k-fanout": "(k) Cluster: fan-out timed alone",
}


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def machine_section(m):
    quick = "quick (one round, short loads: a smoke check, not for comparisons)" if m.get("quick") else "full"
    return "\n".join([
        "## Machine and run", "",
        table(["", ""], [
            ("command", f"`{m.get('command', '')}`"), ("mode", quick), ("rounds", m.get("rounds")),
            ("measured seconds per load", f"{m.get('duration_s')} (after {m.get('warmup_s')} s warm-up)"),
            ("CPU", f"{m.get('nproc')} × {m.get('cpu')}"), ("kernel", m.get("kernel")), ("memory", m.get("memory")),
            ("load average at start / end", f"{m.get('loadavg_at_start')} / {m.get('loadavg_at_end', '?')}"), ("commit", f"{m.get('commit')} (uncommitted changes: {m.get('dirty')})"),
            ("Redis", m.get("redis")), ("started", m.get("started")), ("wall time", f"{m.get('wall_s', '?')} s"),
        ])])


def loadgen_rows(res, workload):
    rows = []
    for (w, s, v) in res.keys():
        if w != workload:
            continue
        runs = res.of(w, s, v)
        if not runs or "total" not in runs[0]["data"]:
            continue
        cfg = runs[0]["data"].get("config", {})
        mode = f"open {cfg.get('rate'):,.0f}/s" if cfg.get("rate") else "closed"
        med = lambda get: res.median(w, s, v, lambda d, x: get(d))  # noqa: E731
        worst = max(errors(r["data"]) for r in runs)
        kept = "yes" if all(sustained(r["data"]) for r in runs) else "**no**"
        per_round = ", ".join(f"{throughput(r['data']) or 0:,.0f}" for r in runs)
        rows.append((s, v, mode, cfg.get("connections", ""), rps(med(throughput)),
                     *(ms(med(lambda d, p=p: latency(d, p))) for p in ("p50", "p90", "p99", "p999", "max")),
                     worst, kept, per_round))
    if not rows:
        return ""
    return table(["system", "variant", "load", "conn", "successful req/s", "p50", "p90", "p99", "p99.9", "max",
                  "errors (worst round)", "rate kept", "successful req/s per round"], rows)


def special_rows(res, workload):
    rows = []
    for (w, s, v) in res.keys():
        if w != workload:
            continue
        for r in res.of(w, s, v):
            d, x = r["data"], r["extra"]
            if workload == "storage":
                lat = d["batch_latency_us"]
                rows.append((f"{s} {v}", r["round"], f"{d['config']['threads']} threads × {d['config']['batch']} puts",
                             f"{d['batches_per_s']:,.0f} batches/s", f"{d['puts_per_s']:,.0f} puts/s",
                             f"p50 {ms(lat['p50'])}, p99 {ms(lat['p99'])}"))
            elif workload == "b-newvideo":
                p = d["per_video_ms"]
                rows.append((s, r["round"], f"{d['videos']} videos, {d['failures']} failed",
                             f"median {p['p50']:.1f} ms", f"p90 {p['p90']:.1f} ms", f"{d['videos_per_s']:.1f} videos/s"))
            elif workload == "e-fanout":
                rate = f"{d['server_entries_per_s'] or 0:,.0f} entries/s"
                first = d.get("first_after_start")
                if first:
                    rate += (f"; first publish after the start: {first['server_entries_per_s'] or 0:,.0f}/s"
                             f" ({first['server_fanout_s']} s)")
                rows.append((f"Reel {v} followers pushed", r["round"], f"ack {d['ack_ms']:.1f} ms",
                             f"{d['inbox_entries']:,} entries", f"job {d['server_fanout_s']} s as timed by reeld", rate))
            elif workload == "e-celebrity" and s == "reel":
                rows.append((f"Reel {v}", r["round"], f"ack {d['ack_ms']:.1f} ms; reeld ready {x.get('startup_s', '?')} s after start",
                             f"{d['seen']}/{d['sampled']} saw it; all by {d['visible_all_s']} s (median {d['visible_p50_s']} s)",
                             f"fan-out done {d['fanout_done_s']} s, {d['inbox_entries']:,} entries",
                             f"{d['inbox_entries_per_s'] or 0:,.0f} entries/s polled, "
                             f"{d.get('server_entries_per_s') or 0:,.0f}/s timed by reeld; {d['feed_polls']:,} feed polls"))
            elif workload == "e-celebrity":
                rows.append((f"Redis {v} followers", r["round"], "", f"all ZADDs acknowledged in {d['complete_s']:.3f} s", "",
                             f"{d['fanout']['inbox_entries_per_s']:,.0f} entries/s"))
            elif workload == "h-login":
                rows.append(("Reel login", r["round"], f"{x['ok']} accepted ({x['ok_per_s']:.1f}/s)",
                             f"{x['rate_limited_429']} rate limited (429)", f"{x['busy_503']} busy/unavailable (5xx)",
                             f"over {x['seconds']:.1f} s incl. the queue's drain"))
    if not rows:
        return ""
    return table(["system", "round", "shape", "", "", ""], rows)


def fanout_rows(res):
    rows = []
    for v in ("rate", "closed"):
        for r in res.of("b-publish", "reel", v):
            x = r["extra"]
            rows.append((v, r["round"], f"{x['inbox_entries']:,}", f"{x['inbox_entries_per_s']:,.0f}/s", f"{x['drain_s']:.2f} s"))
    if not rows:
        return ""
    return table(["Reel publish load", "round", "inbox entries written", "rate (load start to drain)",
                  "drain after the load"], rows)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    res = Results(sys.argv[1])
    m = res.machine
    plots = Plotter(res).all()
    out = [f"# Reel benchmark report — {m.get('started', '')[:16].replace('T', ' ')}", "",
           f"Command: `{m.get('command')}` on {m.get('nproc')} cores ({m.get('cpu')}), kernel {m.get('kernel')}.",
           "Throughput counts successful requests only. Every figure is a median over the run's rounds and sits next to a baseline measured in the same run; "
           "ratios are Reel ÷ baseline (above 1 means Reel is higher: better for throughput, worse for latency "
           "and time). Loopback only, on a small shared machine: compare ratios, not absolute numbers. "
           "How each workload is built: `bench/README.md`.", ""]
    busy = [x for x in (m.get("loadavg_at_start"), m.get("loadavg_at_end")) if x]
    if any(float(x.split()[0]) > float(m.get("nproc") or 1) for x in busy):
        out += [f"> **The machine was busy** (load average {' / '.join(busy)} at start / end, on {m.get('nproc')} cores): "
                "other work shared the CPU with this run, so absolute figures are low and noisy; ratios to the "
                "baselines of the same run are the figures to read.", ""]
    if m.get("quick"):
        out += ["> **Quick mode**: one short round, a smoke check of the suite; its figures are not for comparisons.", ""]
    out += ["## Summary", "",
            table(["workload", "Reel", "baseline", "baseline figure", "ratio", "target", "target met?"], Summary(res).build()), ""]
    cluster = ClusterSection(res)
    out += cluster.markdown()
    out += [machine_section(m), ""]
    out += ["## Details", ""]
    for workload, title in WORKLOAD_TITLES.items():
        body = [t for t in (loadgen_rows(res, workload), special_rows(res, workload)) if t]
        if workload == "b-publish" and fanout_rows(res):
            body.append("Fan-out on Reed98 (from `reel_fanout_inbox_entries_total`):\n\n" + fanout_rows(res))
        if workload == "k-publish" and cluster.publish_drain_rows():
            body.append("Fan-out on Reed98 (`reel_fanout_inbox_entries_total`, summed over the nodes):\n\n"
                        + cluster.publish_drain_rows())
        if workload == "k-fanout" and cluster.fanout_rows():
            body.append(cluster.fanout_rows())
        if body:
            out += [f"### {title}", ""] + [b + "\n" for b in body]
    if plots:
        out += ["## Plots", ""]
        for name, caption in plots:
            out += [f"### {caption}", "", f"![{caption}](plots/{name})", ""]
    out += ["## Files", "", "- `raw/<workload>.<system>.<variant>.r<round>.json`: each load's raw result "
            "(loadgen, redis_fanout, rocksdb_baseline, media_ingest_baseline, celebrity_probe or cluster_probe output)",
            "- `runs.jsonl`: the index of those files with the figures measured around them (fan-out, login counts)",
            "- `machine.json`, `logs/` (server and tool logs), `plots/data/` (plot data and gnuplot scripts)", ""]
    path = os.path.join(res.dir, "report.md")
    with open(path, "w") as f:
        f.write("\n".join(out))
    print(f"report: {path} ({len(plots)} plots)")


if __name__ == "__main__":
    main()
