"""SVG plots of one run with gnuplot: latency percentiles, throughput over time, fan-out
completion and the new-video pipeline. Each plot's data and gnuplot script stay next to the
SVG under plots/data/, so a plot can be re-rendered or restyled by hand."""
import math
import os
import subprocess

from results import latency, timeline_rps

TERMINAL = "set terminal svg size 900,520 dynamic enhanced font 'sans,11' background rgb 'white'"
PERCENTILES = [("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9), ("max", 100)]

# Plot groups: title and the series (workload, system, variant, legend) they draw.
GROUPS = {
    "reads": ("(a) feed reads", [
        ("a-home", "reel", "closed", "Reel home, 400 conn"), ("a-global", "reel", "closed", "Reel global, 400 conn"),
        ("a-home", "reel", "rate", "Reel home, 10k req/s"), ("a-http", "bare", "closed", "bare Pistache, 400 conn"),
        ("a-http", "bare", "rate", "bare Pistache, 10k req/s"), ("a-home", "redis", "closed", "Redis, 400 conn"),
        ("a-home", "redis", "rate", "Redis, 10k req/s")]),
    "publish": ("(b) publish with fan-out on Reed98", [
        ("b-publish", "reel", "rate", "Reel, 600/s"), ("b-publish", "reel", "closed", "Reel, 32 conn"),
        ("b-publish", "redis", "rate", "Redis, 600/s"), ("b-publish", "redis", "closed", "Redis, 32 conn")]),
    "mixes": ("(c) DeathStarBench mix and (d) read-heavy 65:1 mix", [
        ("c-dsb", "reel", "rate", "Reel DSB, 2000 req/s"), ("c-dsb", "reel", "closed", "Reel DSB, 64 conn"),
        ("c-dsb", "redis", "rate", "Redis DSB, 2000 req/s"), ("c-dsb", "redis", "closed", "Redis DSB, 64 conn"),
        ("d-readheavy", "reel", "closed", "Reel 65:1, 64 conn"), ("d-readheavy", "redis", "closed", "Redis 65:1, 64 conn")]),
    "writes": ("(f) like/comment storm and (g) chat", [
        ("f-storm", "reel", "closed", "Reel storm, 64 conn"), ("g-chat", "reel", "closed", "Reel chat, 64 conn"),
        ("a-http", "bare", "closed64", "bare Pistache, 64 conn")]),
    "login": ("(h) login storm and feed reads beside it", [
        ("h-feed", "reel", "alone", "feed 2000 req/s alone"), ("h-feed", "reel", "withlogin", "feed 2000 req/s + logins"),
        ("h-login", "reel", "rate", "login 100/s (answered ones)")]),
    "cluster": ("(k) the 3-node cluster and the single-node reeld of the same run", [
        ("k-home", "cluster", "closed", "cluster home, 400 conn"), ("k-home", "single", "closed", "single home, 400 conn"),
        ("k-dsb", "cluster", "rate", "cluster DSB, 1000 req/s"), ("k-dsb", "single", "rate", "single DSB, 1000 req/s"),
        ("k-publish", "cluster", "rate", "cluster publish, 300/s"),
        ("k-publish", "single", "rate", "single publish, 300/s")]),
}


class Plotter:
    def __init__(self, res):
        self.r = res
        self.dir = os.path.join(res.dir, "plots")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data, exist_ok=True)
        self.made = []  # (file name, caption)

    def render(self, name, script, caption):
        gp = os.path.join(self.data, name + ".gp")
        svg = os.path.join(self.dir, name + ".svg")
        # Paths relative to plots/data/: the results directory can move.
        with open(gp, "w") as f:
            f.write(f"{TERMINAL}\nset output '../{name}.svg'\n{script}\n")
        run = subprocess.run(["gnuplot", name + ".gp"], capture_output=True, text=True, cwd=self.data)
        if run.returncode == 0 and os.path.exists(svg):
            self.made.append((name + ".svg", caption))
        else:
            print(f"report: gnuplot failed on {gp}: {run.stderr.strip()[:300]}")

    def write(self, name, rows):
        path = os.path.join(self.data, name)
        with open(path, "w") as f:
            for row in rows:
                f.write(" ".join(str(x) for x in row) + "\n")
        return name

    def all(self):
        for key, (title, series) in GROUPS.items():
            self.latency(key, title, series)
            self.throughput(key, title, series)
        self.fanout()
        self.new_video()
        return self.made

    def latency(self, key, title, series):
        plots = []
        for w, s, v, legend in series:
            points = []
            for p, q in PERCENTILES:
                value = self.r.median(w, s, v, lambda d, x, p=p: latency(d, p))
                if value:
                    points.append((q, value / 1000.0))
            if points:
                # x = -log10(1 - q): 50% -> 0.3, 99% -> 2, 99.9% -> 3; max drawn at 4.
                rows = [(4.0 if q == 100 else round(-math.log10(1 - q / 100), 4), ms) for q, ms in points]
                path = self.write(f"latency-{key}-{w}-{s}-{v}.dat", rows)
                plots.append(f"'{path}' using 1:2 with linespoints title '{legend}'")
        if not plots:
            return
        script = (f"set title '{title}: latency percentiles (medians over rounds)'\n"
                  "set xlabel 'percentile'\nset ylabel 'latency (ms)'\nset logscale y\nset grid\n"
                  "set xtics ('50' 0.301, '90' 1, '99' 2, '99.9' 3, 'max' 4)\nset xrange [0.2:4.2]\n"
                  "set key outside right\n" + "plot " + ", \\\n  ".join(plots))
        self.render(f"latency-{key}", script, f"{title}: latency percentiles")

    def throughput(self, key, title, series):
        plots = []
        for w, s, v, legend in series:
            run = self.r.median_run(w, s, v)
            rows = timeline_rps(run["data"]) if run else []
            if rows:
                path = self.write(f"throughput-{key}-{w}-{s}-{v}.dat", rows)
                plots.append(f"'{path}' using 1:2 with steps title '{legend} (round {run['round']})'")
        if not plots:
            return
        script = (f"set title '{title}: throughput over the measured window'\n"
                  "set xlabel 'time (s)'\nset ylabel 'successful requests/s'\nset grid\nset yrange [0:*]\n"
                  "set key outside right\n" + "plot " + ", \\\n  ".join(plots))
        self.render(f"throughput-{key}", script, f"{title}: throughput over time")

    def fanout(self):
        seen, entries, most_pending = [], [], 0
        for (w, s, v) in self.r.keys():
            if w != "e-celebrity" or s != "reel":
                continue
            run = self.r.median_run(w, s, v) or (self.r.of(w, s, v) or [None])[0]
            if not run:
                continue
            d = run["data"]
            if d.get("completion"):
                path = self.write(f"fanout-seen-{v}.dat", [(0, 0)] + [tuple(p) for p in d["completion"]])
                seen.append(f"'{path}' using 1:2 with steps lw 2 title '{v}'")
            if v.endswith("pushed") and d.get("metrics"):
                path = self.write(f"fanout-entries-{v}.dat", d["metrics"])
                most_pending = max([most_pending] + [p for _, p, _ in d["metrics"]])
                entries.append(f"'{path}' using 1:3 with lines lw 2 title '{v}: inbox entries written'")
                entries.append(f"'{path}' using 1:2 axes x1y2 with steps dt 2 title '{v}: pending fan-out jobs'")
        if seen:
            self.render("fanout-completion", "set title '(e) celebrity publish: sampled followers who see it'\n"
                        "set xlabel 'seconds after the acknowledgement'\nset ylabel 'fraction of sampled followers'\n"
                        "set yrange [0:1.05]\nset grid\nset key bottom right\nplot " + ", \\\n  ".join(seen),
                        "(e) fan-out completion: fraction of sampled followers who see the video")
        if entries:
            self.render("fanout-entries", "set title '(e) pushed celebrity publish: fan-out progress'\n"
                        "set xlabel 'seconds after the acknowledgement'\nset ylabel 'inbox entries written'\n"
                        f"set y2label 'pending jobs'\nset y2tics\nset y2range [0:{most_pending * 1.25 + 1:.0f}]\n"
                        "set yrange [0:*]\nset grid\nset key outside bottom\n"
                        "plot " + ", \\\n  ".join(entries), "(e) fan-out progress from /metrics")

    def new_video(self):
        rows = []
        for s, label in (("reel", "Reel publish"), ("media", "media library alone")):
            p50 = self.r.median("b-newvideo", s, "sequential", lambda d, x: d["per_video_ms"]["p50"] if d.get("videos") else None)
            p90 = self.r.median("b-newvideo", s, "sequential", lambda d, x: d["per_video_ms"]["p90"] if d.get("videos") else None)
            if p50 is not None:
                rows.append((f'"{label}"', p50, p90))
        if not rows:
            return
        path = self.write("new-video.dat", rows)
        self.render("new-video", "set title '(b) new-video pipeline: time per never-seen video (FFmpeg validation + cover)'\n"
                    "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.6 border -1\n"
                    "set ylabel 'ms per video'\nset yrange [0:*]\nset grid ytics\n"
                    f"plot '{path}' using 2:xtic(1) title 'median', '' using 3 title 'p90'",
                    "(b) the new-video pipeline next to its ceiling")
