"""The results of one bench/run: the run index (runs.jsonl), the raw JSON files it names, and
medians over rounds. Standard library only."""
import json
import os
import statistics


class Results:
    def __init__(self, res_dir):
        self.dir = res_dir
        with open(os.path.join(res_dir, "machine.json")) as f:
            self.machine = json.load(f)
        self.runs = []
        with open(os.path.join(res_dir, "runs.jsonl")) as f:
            for line in f:
                if not line.strip():
                    continue
                run = json.loads(line)
                path = os.path.join(res_dir, run["raw"])
                try:
                    with open(path) as raw:
                        run["data"] = json.load(raw)
                except (OSError, ValueError):
                    run["data"] = None
                self.runs.append(run)

    def of(self, workload, system, variant):
        """Every round of one (workload, system, variant), in round order."""
        return [r for r in self.runs if r["workload"] == workload and r["system"] == system
                and r["variant"] == variant and r["data"] is not None]

    def keys(self):
        seen = []
        for r in self.runs:
            k = (r["workload"], r["system"], r["variant"])
            if k not in seen:
                seen.append(k)
        return seen

    def values(self, workload, system, variant, get):
        out = []
        for r in self.of(workload, system, variant):
            try:
                v = get(r["data"], r["extra"])
            except (KeyError, TypeError, IndexError):
                v = None
            if v is not None:
                out.append(v)
        return out

    def median(self, workload, system, variant, get):
        """Median over rounds of get(raw, extra); None when no round has it."""
        v = self.values(workload, system, variant, get)
        return statistics.median(v) if v else None

    def median_run(self, workload, system, variant):
        """The round whose throughput is the median one (for time series and CDFs)."""
        rounds = self.of(workload, system, variant)
        if not rounds:
            return None
        rounds = sorted(rounds, key=lambda r: throughput(r["data"]) or 0)
        return rounds[(len(rounds) - 1) // 2]


# ---- what the raw files hold ---------------------------------------------------------

def throughput(d):
    """Successful requests per second over the measured window (errors do not count)."""
    t = d.get("total", {})
    if "ok" in t and d.get("measured_s"):
        return t["ok"] / d["measured_s"]
    rate, n = t.get("throughput_rps"), t.get("requests")
    if rate is None or not n:
        return rate
    return rate * (n - errors(d)) / n


def latency(d, p):
    """A latency percentile in µs ('p50', 'p90', 'p99', 'p999', 'max'); None without responses."""
    t = d.get("total", {})
    if not t.get("requests"):
        return None
    return t.get("latency_us", {}).get(p)


def errors(d):
    t = d.get("total", {})
    return sum(t.get(k, 0) or 0 for k in ("errors_http", "errors_api", "errors_io", "timeouts", "connect_errors"))


def sustained(d):
    """Open loop: the rate was kept (the generator's verdict); closed loop: always."""
    return not d.get("unsustainable", False)


def timeline_rps(d):
    """[(seconds, req/s)] of a loadgen or redis_fanout timeline."""
    width = d.get("config", {}).get("timeline_ms", 1000) or 1000
    rows = [(s["t_ms"] / 1000.0, (s["completed"] - s.get("errors", 0)) * 1000.0 / width) for s in d.get("timeline", [])]
    if rows:  # close the last step at the end of its interval
        rows.append((rows[-1][0] + width / 1000.0, rows[-1][1]))
    return rows
