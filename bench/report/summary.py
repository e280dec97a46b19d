"""The summary table: Reel's figure for each workload next to the baselines of the same run,
as ratios, and whether the issue's target is met. Medians over rounds throughout."""
from results import errors, latency, sustained, throughput

MET, NOT_MET, NA = "met", "**not met**", "n/a"


def rps(x):
    return "—" if x is None else f"{x:,.0f} req/s"


def ms(us):
    return "—" if us is None else f"{us / 1000:.2f} ms"


def secs(s):
    return "—" if s is None else f"{s:.3f} s"


def per_s(x, unit):
    return "—" if x is None else f"{x:,.0f} {unit}/s"


def ratio(a, b):
    return "—" if a is None or b in (None, 0) else f"{a / b:.2f}×"


class Summary:
    def __init__(self, res):
        self.r = res
        self.rows = []

    def row(self, workload, reel, baselines, target="", met=NA):
        """baselines: [(name, figure text, ratio text)]; the first row carries target and verdict."""
        if not baselines:
            baselines = [("—", "—", "—")]
        for i, (name, figure, rat) in enumerate(baselines):
            self.rows.append((workload if i == 0 else "″", reel if i == 0 else "″", name, figure, rat,
                              target if i == 0 else "", met if i == 0 else ""))

    def m(self, w, s, v, get):
        return self.r.median(w, s, v, get)

    def tput(self, w, s, v):
        return self.m(w, s, v, lambda d, x: throughput(d))

    def lat(self, w, s, v, p="p99"):
        return self.m(w, s, v, lambda d, x: latency(d, p))

    def worst_errors(self, w, s, v):
        vals = self.r.values(w, s, v, lambda d, x: errors(d))
        return max(vals) if vals else None

    def all_sustained(self, w, s, v):
        vals = self.r.values(w, s, v, lambda d, x: sustained(d))
        return bool(vals) and all(vals)

    # ---- rows ---------------------------------------------------------------------------

    def closed_reads(self, w, label):
        reel = self.tput(w, "reel", "closed")
        if reel is None:
            return
        errs = self.worst_errors(w, "reel", "closed")
        bare, redis = self.tput("a-http", "bare", "closed"), self.tput("a-home", "redis", "closed")
        met = MET if reel >= 20000 and errs == 0 else NOT_MET
        self.row(label, f"{rps(reel)}, {errs} errors", [
            ("bare Pistache (HTTP ceiling)", rps(bare), ratio(reel, bare)),
            ("Redis ZREVRANGE 30", rps(redis), ratio(reel, redis))], "≥ 20,000 req/s, 0 errors", met)

    def open_p99(self, w, s_label, label, rate, target_ms, baselines):
        reel = self.lat(w, "reel", "rate")
        if not self.r.of(w, "reel", "rate"):
            return
        got = self.tput(w, "reel", "rate")
        errs = self.worst_errors(w, "reel", "rate")
        ok = self.all_sustained(w, "reel", "rate") and got is not None and got >= 0.95 * rate
        text = f"{rps(got)}, p99 {ms(reel)}" if ok else f"rate not kept ({rps(got)} of {rate:,}), p99 {ms(reel)}"
        text += f", {errs} errors"
        met = MET if ok and errs == 0 and reel is not None and reel <= target_ms * 1000 else NOT_MET
        rows = [(name, f"p99 {ms(self.lat(bw, bs, bv))}", ratio(reel, self.lat(bw, bs, bv)))
                for name, bw, bs, bv in baselines]
        self.row(label, text, rows, s_label, met)

    def build(self):
        self.closed_reads("a-home", "(a) home timeline, 400 connections")
        self.closed_reads("a-global", "(a) global feed, 400 connections")
        self.open_p99("a-home", "p99 ≤ 5 ms at 10,000 req/s", "(a) home timeline, open loop 10,000 req/s", 10000, 5,
                      [("bare Pistache, same rate", "a-http", "bare", "rate"),
                       ("Redis ZREVRANGE, same rate", "a-home", "redis", "rate")])
        self.open_p99("b-publish", "≥ 600/s at p99 ≤ 10 ms", "(b) publish + fan-out on Reed98, open loop 600/s", 600,
                      10, [("Redis ZADD fan-out, same rate", "b-publish", "redis", "rate")])
        self.publish_closed()
        self.new_video()
        self.open_p99("c-dsb", "≥ 2,000 req/s at p99 ≤ 10 ms", "(c) DeathStarBench mix, open loop 2,000 req/s", 2000,
                      10, [("Redis, same mix and rate", "c-dsb", "redis", "rate")])
        self.closed_mix("c-dsb", "(c) DeathStarBench mix, 64 connections, closed loop")
        self.closed_mix("d-readheavy", "(d) read-heavy 65:1 mix, 64 connections, closed loop")
        self.celebrity()
        self.durable_writes("f-storm", "(f) like/comment storm on one video, 64 connections")
        self.durable_writes("g-chat", "(g) chat between random pairs, 64 connections")
        self.login()
        return self.rows

    def publish_closed(self):
        reel = self.tput("b-publish", "reel", "closed")
        if reel is None:
            return
        redis = self.tput("b-publish", "redis", "closed")
        small = self.m("storage", "rocksdb", "small", lambda d, x: d["batches_per_s"])
        errs = self.worst_errors("b-publish", "reel", "closed")
        self.row("(b) publish, 32 connections, closed loop",
                 f"{rps(reel)}, p99 {ms(self.lat('b-publish', 'reel', 'closed'))}, {errs} errors", [
            ("Redis ZADD fan-out, 32 connections", rps(redis), ratio(reel, redis)),
            ("RocksDB synced small batches (storage ceiling)", per_s(small, "batches"), ratio(reel, small))])
        fan = self.m("b-publish", "reel", "closed", lambda d, x: x["inbox_entries_per_s"])
        rfan = self.m("b-publish", "redis", "closed", lambda d, x: d["fanout"]["inbox_entries_per_s"])
        self.row("(b) fan-out during that publish load", per_s(fan, "inbox entries"),
                 [("Redis, same load", per_s(rfan, "entries"), ratio(fan, rfan))])

    def new_video(self):
        get = lambda d, x: d["per_video_ms"]["p50"] if d.get("videos") else None  # noqa: E731
        reel, lib = self.m("b-newvideo", "reel", "sequential", get), self.m("b-newvideo", "media", "sequential", get)
        if reel is None and lib is None:
            return
        show = lambda v: "—" if v is None else f"{v:.1f} ms/video"  # noqa: E731
        self.row("(b) new-video pipeline (FFmpeg), one at a time", show(reel),
                 [("media library alone (validation + cover)", show(lib), ratio(reel, lib))])

    def closed_mix(self, w, label):
        reel = self.tput(w, "reel", "closed")
        if reel is None:
            return
        errs = self.worst_errors(w, "reel", "closed")
        self.row(label, f"{rps(reel)}, p99 {ms(self.lat(w, 'reel', 'closed'))}, {errs} errors", [
            ("Redis, same mix", rps(self.tput(w, "redis", "closed")), ratio(reel, self.tput(w, "redis", "closed"))),
            ("bare Pistache, 64 connections", rps(self.tput("a-http", "bare", "closed64")),
             ratio(reel, self.tput("a-http", "bare", "closed64")))])

    def celebrity(self):
        variants = sorted({v for (w, s, v) in self.r.keys() if w == "e-celebrity" and s == "reel"},
                          key=lambda v: (int(v.split("-")[0]), v))
        for v in variants:
            n, mode = v.split("-")
            vis = self.m("e-celebrity", "reel", v, lambda d, x: d["visible_all_s"])
            seen = self.r.values("e-celebrity", "reel", v, lambda d, x: d["visible_all_s"] is not None)
            redis = self.m("e-celebrity", "redis", n, lambda d, x: d["complete_s"])
            target, met = "", NA
            if n == "100000":
                target = "visible to all within 2 s"
                met = MET if seen and all(seen) and vis is not None and vis <= 2 else NOT_MET
            text = secs(vis) if seen and all(seen) else "not all sampled followers saw it"
            self.row(f"(e) celebrity publish, {int(n):,} followers, {mode}: visible to all sampled", text,
                     [(f"Redis pipelined ZADD to {int(n):,}", secs(redis), ratio(vis, redis))], target, met)
            if mode == "pushed":
                # The publish timed alone (e-fanout) when the run has it, like the Redis baseline;
                # else the visibility run's entries / polled completion.
                rate = self.m("e-fanout", "reel", n, lambda d, x: d["server_entries_per_s"])
                if rate is None:
                    rate = self.m("e-celebrity", "reel", v, lambda d, x: d["inbox_entries_per_s"])
                first = self.m("e-fanout", "reel", n,
                               lambda d, x: (d.get("first_after_start") or {}).get("server_entries_per_s"))
                rrate = self.m("e-celebrity", "redis", n, lambda d, x: d["fanout"]["inbox_entries_per_s"])
                large = self.m("storage", "rocksdb", "large", lambda d, x: d["puts_per_s"])
                text = per_s(rate, "inbox entries")
                if first is not None:
                    text += f" (first publish after a start: {per_s(first, 'entries')})"
                self.row(f"(e) fan-out rate, {int(n):,} followers pushed", text, [
                    ("Redis pipelined ZADD", per_s(rrate, "entries"), ratio(rate, rrate)),
                    ("RocksDB synced 1,000-put batches", per_s(large, "puts"), ratio(rate, large))],
                    "≥ 200,000 entries/s", MET if rate is not None and rate >= 200000 else NOT_MET)

    def durable_writes(self, w, label):
        reel = self.tput(w, "reel", "closed")
        if reel is None:
            return
        errs = self.worst_errors(w, "reel", "closed")
        small = self.m("storage", "rocksdb", "small", lambda d, x: d["batches_per_s"])
        bare = self.tput("a-http", "bare", "closed64")
        self.row(label, f"{rps(reel)}, p99 {ms(self.lat(w, 'reel', 'closed'))}, {errs} errors", [
            ("RocksDB synced small batches (storage ceiling)", per_s(small, "batches"), ratio(reel, small)),
            ("bare Pistache, 64 connections", rps(bare), ratio(reel, bare))])

    def login(self):
        if not self.r.of("h-login", "reel", "rate"):
            return
        ok = self.m("h-login", "reel", "rate", lambda d, x: x["ok_per_s"])
        r429 = self.m("h-login", "reel", "rate", lambda d, x: x["rate_limited_429"])
        r503 = self.m("h-login", "reel", "rate", lambda d, x: x["busy_503"])
        enforced = ok is not None and ok <= 30 and (r429 or 0) + (r503 or 0) > 0
        self.row("(h) login at 100/s, above the Argon2 capacity",
                 f"{ok or 0:.1f} logins/s accepted, {r429 or 0:.0f} × 429, {r503 or 0:.0f} × 503", [],
                 "limit enforced (rejections, ≤ 30 logins/s)", MET if enforced else NOT_MET)
        alone, storm = self.lat("h-feed", "reel", "alone"), self.lat("h-feed", "reel", "withlogin")
        ok_feed = self.all_sustained("h-feed", "reel", "withlogin") and storm is not None and storm <= 5000
        self.row("(h) home-timeline reads at 2,000 req/s during the login storm", f"p99 {ms(storm)}",
                 [("the same reads without logins", f"p99 {ms(alone)}", ratio(storm, alone))],
                 "p99 ≤ 5 ms (stays responsive)", MET if ok_feed else NOT_MET)
