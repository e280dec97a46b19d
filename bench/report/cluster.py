"""The report's Cluster section: the issue's five cluster targets, each next to the
single-node reeld measured in the same run (as a ratio), and the failover kills one by one.
Medians over rounds, as in the rest of the report."""
import statistics

from results import errors, latency, sustained, throughput
from summary import MET, NA, NOT_MET, ms, per_s, ratio, rps

DSB_RATE, PUBLISH_RATE = 1000, 300


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def secs(s):
    return "—" if s is None else f"{s:.2f} s"


class ClusterSection:
    def __init__(self, res):
        self.r = res

    def present(self):
        return any(w.startswith("k-") for (w, s, v) in self.r.keys())

    def m(self, w, s, v, get):
        return self.r.median(w, s, v, get)

    def single(self, w, v, fallback, get):
        """The single-node figure: the cluster workload's own measurement when it made one,
        else the single-node workload's of the same rounds (it then skipped its own)."""
        if self.r.of(w, "single", v):
            return self.m(w, "single", v, get)
        return self.m(*fallback, get)

    def worst(self, w, s, v):
        vals = self.r.values(w, s, v, lambda d, x: errors(d))
        return max(vals) if vals else None

    # ---- the five targets ----------------------------------------------------------

    def reads(self):
        tput = lambda d, x: throughput(d)  # noqa: E731
        got = self.m("k-home", "cluster", "closed", tput)
        if got is None:
            return None
        base = self.single("k-home", "closed", ("a-home", "reel", "closed"), tput)
        errs = self.worst("k-home", "cluster", "closed")
        ok = base and got / base >= 0.5 and errs == 0
        return ("home feed reads, 400 connections over the 3 nodes, closed loop", f"{rps(got)}, {errs} errors",
                rps(base), ratio(got, base), "≥ 0.5× single-node, 0 errors", MET if ok else NOT_MET)

    def open_loop(self, w, rate, label):
        if not self.r.of(w, "cluster", "rate"):
            return None
        p99 = lambda d, x: latency(d, "p99")  # noqa: E731
        got, base = self.m(w, "cluster", "rate", p99), self.m(w, "single", "rate", p99)
        tput = self.m(w, "cluster", "rate", lambda d, x: throughput(d))
        errs = self.worst(w, "cluster", "rate")
        kept = all(self.r.values(w, "cluster", "rate", lambda d, x: sustained(d))) and tput and tput >= 0.95 * rate
        text = f"{rps(tput)}, p99 {ms(got)}" if kept else f"rate not kept ({rps(tput)} of {rate:,}), p99 {ms(got)}"
        met = MET if kept and errs == 0 and got is not None and got <= 20000 else NOT_MET
        return (label, f"{text}, {errs} errors", f"p99 {ms(base)}", ratio(got, base),
                f"{rate:,}/s at p99 ≤ 20 ms", met)

    def fanout(self):
        variants = sorted({v for (w, s, v) in self.r.keys() if w == "k-fanout" and s == "cluster"}, key=int)
        rows = []
        for n in variants:
            rate = lambda d, x: d["server_entries_per_s"]  # noqa: E731
            got = self.m("k-fanout", "cluster", n, rate)
            base = self.single("k-fanout", n, ("e-fanout", "reel", n), rate)
            rows.append((f"fan-out of a publish to {int(n):,} followers (pushed), committed on all replicas",
                         per_s(got, "inbox entries"), per_s(base, "entries"), ratio(got, base),
                         "≥ 100,000 entries/s", MET if got is not None and got >= 100000 else NOT_MET))
        return rows

    def failover(self):
        """(row, per-kill detail rows) of the failover kills."""
        runs = self.r.of("k-failover", "cluster", "kills")
        if not runs:
            return None, []
        medians, maxes, detail, open_, refused, timeouts = [], [], [], 0, 0, 0
        for r in runs:
            kills = r["data"]["kills"]
            closed = [k["window_s"] for k in kills if k["window_s"] is not None]
            open_ += len(kills) - len(closed)
            if closed:
                medians.append(statistics.median(closed))
                maxes.append(max(closed))
            for i, k in enumerate(kills):
                refused += k["http_503"]
                timeouts += k["timeouts"]
                detail.append(self.kill_row(r["round"], i, k))
        kills_per_round = len(runs[0]["data"]["kills"])
        med = statistics.median(medians) if medians else None
        mx = statistics.median(maxes) if maxes else None
        text = f"median {secs(med)}, max {secs(mx)} over {kills_per_round} kills; {refused:,} × 503, {timeouts} timeouts"
        if open_:
            text += f"; **{open_} kills not closed within the probe's limit**"
        row = ("failover window: SIGKILL of a primary until every partition it led accepts writes", text,
               "—", "—", f"median and max over {kills_per_round} kills (reported)", NA)
        return row, detail

    @staticmethod
    def kill_row(rnd, i, k):
        victim = f"n{k['victim_index'] + 1} (node {k['victim_node']})" + (", controller" if k["victim_was_controller"] else "")
        outside = k["failed_outside_led"]
        return (rnd, i + 1, victim, k["victim_led"], secs(k["window_s"]), secs(k["first_back_s"]),
                secs(k["other_partitions_window_s"]), f"{k['writers_failed']} ({len(outside)} outside)",
                k["http_503"], k["timeouts"], k["io_errors"] + k["api_errors"] + k["other_http"],
                secs(k["slowest_write_after_kill_s"]), f"{k['write_p50_before_kill_ms']} ms",
                secs(k["restart_ready_s"]), secs(k["settle_s"]))

    # ---- the section -----------------------------------------------------------------

    def markdown(self):
        if not self.present():
            return []
        rows = [self.reads(), self.open_loop("k-dsb", DSB_RATE, "DSB mix over the 3 nodes, open loop 1,000 req/s"),
                self.open_loop("k-publish", PUBLISH_RATE, "publish with fan-out on Reed98 over the 3 nodes, open loop 300/s")]
        rows += self.fanout()
        failover, detail = self.failover()
        rows = [r for r in rows + [failover] if r]
        out = ["## Cluster", "",
               "Three reeld nodes (64 partitions, each replicated on all three, primary/backup) and one etcd member "
               "on loopback, next to the single-node reeld measured in the same run (its figure in the column "
               "\"single-node\"). Ratios are cluster ÷ single-node: above 1 is better for throughput, worse for "
               "latency. Definitions: `bench/README.md`, \"Cluster\".", "",
               table(["workload", "cluster", "single-node, same run", "ratio", "target", "target met?"], rows), ""]
        if detail:
            out += ["### Failover kills", "",
                    "Window: from the SIGKILL until the last writer in a partition the victim led had its first "
                    "success among the writes sent after its last failure (and after the kill); \"first back\": the "
                    "first such partition; \"all partitions\": the same over every writer, also those whose partition "
                    "the victim did not lead (their writes wait too: every partition has a replica on the victim).", "",
                    table(["round", "kill", "victim", "led", "window", "first back", "all partitions",
                           "writers failed", "503", "timeouts", "other errors", "slowest write", "write p50 before",
                           "restart to /readyz", "then settled"], detail), ""]
        return out

    def publish_drain_rows(self):
        rows = []
        for s in ("single", "cluster"):
            for r in self.r.of("k-publish", s, "rate"):
                x = r["extra"]
                rows.append((s, r["round"], f"{x['inbox_entries']:,}", f"{x['inbox_entries_per_s']:,.0f}/s",
                             f"{x['drain_s']:.2f} s"))
        return table(["system", "round", "inbox entries written", "rate (load start to drain)",
                      "drain after the load"], rows) if rows else ""

    def fanout_rows(self):
        rows = []
        for (w, s, v) in self.r.keys():
            if w != "k-fanout":
                continue
            for r in self.r.of(w, s, v):
                d = r["data"]
                first = d.get("first_after_start") or {}
                rows.append((f"{s}, {int(v):,} followers pushed", r["round"], f"ack {d['ack_ms']:.1f} ms",
                             f"{d['inbox_entries']:,} entries", f"job {d['server_fanout_s']} s as timed by reeld",
                             f"{d['server_entries_per_s'] or 0:,.0f} entries/s; first publish after the start: "
                             f"{first.get('server_entries_per_s') or 0:,.0f}/s"))
        return table(["system", "round", "shape", "", "", ""], rows) if rows else ""
