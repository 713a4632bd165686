#!/usr/bin/env python3
"""Turns thunk_bench's JSON (Google Benchmark, --benchmark_out_format=json) into
the ratio table against DESIGN.md §6, met / not met, in markdown.

    bench/report.py RESULTS.json                 # table on stdout
    bench/report.py RESULTS.json --markdown FILE # full docs/benchmarks.md

Python standard library only. Every figure is the median over the repetitions
of one run; every ratio compares two medians of the same run.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# DESIGN.md §6 anchors (x86-64, qsort of 2M ints, 39M comparator calls).
ANCHORS = {
    "plain": "13–14 ns/call",
    "libffi": "63–65 ns/call; create 131–140 ns, free 42–44 ns; 64 B/closure; leaves W+X mappings",
    "ffcall": "36–37 ns/call; create 190–225 ns; 48.5 B/callback",
}


class Results:
    """One or more result files; a benchmark in a later file replaces the same
    benchmark of an earlier one (run.sh --boost-threads: the thread pass)."""

    def __init__(self, paths):
        if isinstance(paths, str):
            paths = [paths]
        self.context = {}
        self.thread_context = None  # the context of a separate thread pass
        self.runs = {}  # run_name -> list of iteration entries
        self.aggregates = {}  # (run_name, aggregate_name) -> entry
        self.errors = {}
        for i, path in enumerate(paths):
            with open(path) as f:
                doc = json.load(f)
            ctx = doc.get("context", {})
            if i == 0:
                self.context = ctx
            if ctx.get("thread_pass"):
                self.thread_context = ctx
            self._add(doc)

    def _add(self, doc):
        names = {b.get("run_name", b["name"]) for b in doc.get("benchmarks", [])}
        for n in names:
            self.runs.pop(n, None)
            self.errors.pop(n, None)
        self.aggregates = {k: v for k, v in self.aggregates.items() if k[0] not in names}
        for b in doc.get("benchmarks", []):
            name = b.get("run_name", b["name"])
            if b.get("error_occurred"):
                self.errors[name] = b.get("error_message", "error")
                continue
            if b.get("run_type") == "aggregate":
                self.aggregates[(name, b.get("aggregate_name"))] = b
            else:
                self.runs.setdefault(name, []).append(b)

    def _name(self, base):
        for n in list(self.runs) + [k[0] for k in self.aggregates]:
            if n == base or n.startswith(base + "/"):
                return n
        return None

    def has(self, base):
        return self._name(base) is not None

    def error(self, base):
        for n, msg in self.errors.items():
            if n == base or n.startswith(base + "/"):
                return msg
        return None

    def reps(self, base):
        n = self._name(base)
        return len(self.runs.get(n, [])) if n else 0

    def median(self, base, field):
        """Median over repetitions of a field; times converted to ns."""
        n = self._name(base)
        if n is None:
            return None
        entries = self.runs.get(n)
        if not entries:  # aggregates only in the file
            agg = self.aggregates.get((n, "median"))
            entries = [agg] if agg else []
        values = []
        for e in entries:
            if field not in e:
                continue
            v = float(e[field])
            if field in ("real_time", "cpu_time"):
                v *= UNIT_NS[e.get("time_unit", "ns")]
            values.append(v)
        return statistics.median(values) if values else None


def fmt(v, digits=2):
    if v is None:
        return "—"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def status(ok):
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**NOT met**"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


QSORT = [
    ("plain", "plain function pointer (qsort), state through a global pointer"),
    ("plain_direct", "plain function pointer, global counter (one load fewer)"),
    ("qsort_r", "hand-written qsort_r context callback"),
    ("with_context", "thunk::with_context (qsort_r)"),
    ("stateless", "thunk::stateless, captureless lambda"),
    ("stateless_fn", "thunk::stateless<P, &fn>() (typed entry)"),
    ("closure", "thunk::closure"),
    ("static_closure", "thunk::static_closure (no run-time code)"),
    ("typed_static_closure", "thunk::typed_static_closure (a pool typed by the callable)"),
    ("libffi", "libffi closure"),
    ("ffcall", "GNU ffcall callback"),
]
IMPLS = [("thunk", "thunk::closure"), ("static_closure", "thunk::static_closure"), ("libffi", "libffi"),
         ("ffcall", "GNU ffcall")]


def bar_rows(r):
    """(measure, measured, bar, status) rows for DESIGN.md §6."""
    rows = []
    closure_missing = r.context.get("thunk_closure", "no") != "yes"
    plain = r.median("qsort/plain", "ns_per_call")

    def call_row(key, label, limit):
        paired = r.median("qsort_paired/thunk", f"ratio_{key}")
        v = r.median(f"qsort/{key}", "ns_per_call")
        separate = ratio(v, plain)
        q = paired if paired is not None else separate
        name = f"qsort call: {label} / plain pointer"
        if q is None:
            why = "closure.hpp absent" if key == "closure" and closure_missing else (r.error(f"qsort/{key}") or "not run")
            rows.append((name, f"— ({why})", f"≤ {limit:.2f}×", status(None)))
            return
        text = f"{q:.3f}×" + (" paired" if paired is not None else "")
        if separate is not None:
            text += f" (separate benchmarks: {separate:.3f}×, {fmt(v)} vs {fmt(plain)} ns/call)"
        rows.append((name, text, f"≤ {limit:.2f}×", status(q <= limit)))

    call_row("closure", "closure", 1.10)
    call_row("with_context", "with_context", 1.05)
    call_row("stateless", "stateless (lambda)", 1.05)
    call_row("stateless_fn", "stateless<P, &fn>", 1.05)
    call_row("static_closure", "static_closure", 1.05)
    call_row("typed_static_closure", "typed_static_closure", 1.02)

    t = r.median("create_destroy/thunk", "cpu_time")
    f = r.median("create_destroy/libffi", "cpu_time")
    q = ratio(f, t)
    text = f"{q:.2f}× ({fmt(f, 1)} vs {fmt(t, 1)} ns)" if q else "— (closure not measured)"
    tc, td = r.median("memory/rss/thunk", "create_ns_at_1M"), r.median("memory/rss/thunk", "destroy_ns_at_1M")
    fc, fd = r.median("memory/rss/libffi", "create_ns_at_1M"), r.median("memory/rss/libffi", "destroy_ns_at_1M")
    if None not in (tc, td, fc, fd):
        text += f"; creating 1M live then destroying them: {(fc + fd) / (tc + td):.2f}× ({fmt(fc + fd, 1)} vs {fmt(tc + td, 1)} ns)"
    rows.append(("create + destroy: libffi / closure", text, "≥ 5×", status(None if q is None else q >= 5)))
    rows.append(("create + destroy, steady loop: libffi / closure (turn 2)", f"{q:.2f}×" if q else "—", "≥ 10×",
                 status(None if q is None else q >= 10)))

    # Creating 1M live closures from a fresh process (page faults, mappings).
    q = ratio(fc, tc) if None not in (tc, fc) else None
    text = f"{q:.2f}× ({fmt(fc, 1)} vs {fmt(tc, 1)} ns per closure)" if q else "— (closure not measured)"
    rows.append(("create 1M live from scratch: libffi / closure", text, "≥ 5×", status(None if q is None else q >= 5)))

    # After 1M created and destroyed: what of the burst's growth is resident.
    a = r.median("memory/rss/thunk", "after_burst_resident_fraction")
    if a is None:
        rows.append(("resident after a 1M burst is destroyed", "— (not measured)", "≤ 10%", status(None)))
    else:
        m0, m1, m2 = (r.median("memory/rss/thunk", k) for k in ("maps_before", "maps_at_1M", "maps_after_burst"))
        text = f"{a * 100:.1f}% of the burst's growth"
        if None not in (m0, m1, m2):
            text += f"; mappings {fmt(m0, 0)} before, {fmt(m1, 0)} at 1M live, {fmt(m2, 0)} after"
        fa = r.median("memory/rss/libffi", "after_burst_resident_fraction")
        if fa is not None:
            text += f" (libffi: {fa * 100:.1f}%)"
        rows.append(("resident after a 1M burst is destroyed", text, "≤ 10%", status(a <= 0.10)))

    m = r.median("memory/rss/thunk", "bytes_per_closure")
    if m is None:
        rows.append(("RSS per live closure at 1M (handles included)", "— (closure not measured)", "≤ 40 B", status(None)))
    else:
        # Compared at 0.1 B: fixed, page-granular costs (thread caches, quarantine
        # bookkeeping: a few KB) are a few thousandths of a byte per closure at 1M.
        h = r.median("memory/rss/thunk", "handle_bytes")
        rows.append(("RSS per live closure at 1M (handles included)",
                     f"{m:.3f} B (of which handle {fmt(h, 0)} B)", "≤ 40 B (at 0.1 B)",
                     status(round(m, 1) <= 40)))

    one = r.median("create_threads/thunk/real_time/threads:1", "items_per_second")
    two = r.median("create_threads/thunk/real_time/threads:2", "items_per_second")
    q = ratio(two, one)
    text = f"{q:.2f}× ({fmt(two / 1e6)} vs {fmt(one / 1e6)} M/s, wall)" if q else "— (closure not measured)"
    c1 = r.median("create_threads/thunk/real_time/threads:1", "cpu_time")
    c2 = r.median("create_threads/thunk/real_time/threads:2", "cpu_time")
    if q and c1 and c2:
        text += f"; CPU per closure 2 threads ÷ 1 thread: {c2 / c1:.2f}"
    cal1 = r.median("create_threads/calibration/real_time/threads:1", "items_per_second")
    cal2 = r.median("create_threads/calibration/real_time/threads:2", "items_per_second")
    if q and cal1 and cal2:
        text += f"; the machine's own 2-thread scaling (registers only): {cal2 / cal1:.2f}×"
    if q and r.thread_context:
        text += "; thread pass in its own scheduling group at nice -15"
    rows.append(("create+destroy throughput, 256 live per thread: 2 threads / 1 thread", text, "≥ 1.6×",
                 status(None if q is None else q >= 1.6)))

    live = r.median("memory/rss/thunk", "closures")
    wx = r.median("memory/wx/thunk", "wx_max")
    wx_live = r.median("memory/rss/thunk", "wx_mappings")
    if wx is None:
        rows.append(("W+X mappings with thunk closures", "— (closure not measured)", "0", status(None)))
    else:
        worst = max(wx, wx_live or 0)
        scans = r.median("memory/wx/thunk", "scans")
        rows.append(("W+X mappings with thunk closures",
                     f"{worst:.0f} (max over {fmt(scans, 0)} scans while creating; {fmt(wx_live, 0)} at {fmt(live, 0)} live)",
                     "0", status(worst == 0)))
    return rows


def table(rows, header=("measure (DESIGN.md §6)", "measured", "bar", "")):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out)


def detail_tables(r):
    parts = []
    plain = r.median("qsort/plain", "ns_per_call")
    plain_wall = r.median("qsort/plain", "wall_ns_per_call")
    rows = []
    for key, label in QSORT:
        base = f"qsort/{key}"
        if not r.has(base):
            rows.append((label, "—", "—", "—", "—", r.error(base) or "not built"))
            continue
        v = r.median(base, "ns_per_call")
        w = r.median(base, "wall_ns_per_call")
        calls = r.median(base, "calls")
        rows.append((label, fmt(v), fmt(ratio(v, plain), 3) + "×", fmt(w), fmt(ratio(w, plain_wall), 3) + "×",
                     f"{calls / 1e6:.2f}M" if calls else "—"))
    parts.append("### qsort of 2M ints: cost per comparator call\n\n" + table(
        rows, ("variant", "ns/call (CPU)", "÷ plain", "ns/call (wall)", "÷ plain (wall)", "calls/sort")))

    if r.has("qsort_paired/thunk"):
        rows = []
        for key, label in QSORT:
            v = r.median("qsort_paired/thunk", f"ns_{key}")
            if v is None:
                continue
            q = r.median("qsort_paired/thunk", f"ratio_{key}") if key != "plain" else 1.0
            rows.append((label, fmt(v), fmt(q, 3) + "×"))
        parts.append("### qsort, paired rounds: every thunk variant sorted back to back in each round "
                     f"({r.reps('qsort_paired/thunk')} rounds, order rotated)\n\n" + table(
                         rows, ("variant", "ns/call (CPU, median)", "median of per-round ratios to plain")))

    rows = []
    thunk_cd = r.median("create_destroy/thunk", "cpu_time")
    for key, label in IMPLS:
        cd = r.median(f"create_destroy/{key}", "cpu_time")
        if cd is None:
            rows.append((label, "—", "—", "—", "—"))
            continue
        c = r.median(f"create_batch/{key}", "create_ns")
        d = r.median(f"create_batch/{key}", "destroy_ns")
        c1m = r.median(f"memory/rss/{key}", "create_ns_at_1M")
        d1m = r.median(f"memory/rss/{key}", "destroy_ns_at_1M")
        rows.append((label, fmt(cd, 1), fmt(ratio(cd, thunk_cd), 2) + "×" if thunk_cd else "—", fmt(c, 1), fmt(d, 1),
                     fmt(c1m, 1), fmt(d1m, 1)))
    parts.append("### Create and destroy one closure (one-pointer capture), ns of CPU time\n\n" + table(
        rows, ("implementation", "create+destroy, one at a time", "÷ thunk::closure", "create (batch of 256)",
               "destroy (batch of 256)", "create, 1M live from scratch", "destroy, 1M live")))

    rows = []
    for key, label in IMPLS:
        base = f"memory/rss/{key}"
        if key == "static_closure":
            continue  # a fixed compile-time pool: nothing to measure at 1M
        if not r.has(base):
            rows.append((label, "—", "—", "—", "—", "—", "—"))
            continue
        rows.append((label, fmt(r.median(base, "bytes_per_closure"), 1), fmt(r.median(base, "handle_bytes"), 0),
                     fmt(r.median(base, "bytes_per_closure_excl_handles"), 1),
                     fmt(r.median(base, "pss_per_closure"), 1),
                     f"{fmt(r.median(base, 'anon_per_closure'), 1)} / {fmt(r.median(base, 'file_per_closure'), 1)} / "
                     f"{fmt(r.median(base, 'shmem_per_closure'), 1)}",
                     "yes" if r.median(base, "calls_ok") == 1 else "NO"))
    parts.append("### Memory per live closure at 1,000,000 live closures\n\n" + table(
        rows, ("implementation", "RSS B/closure", "of which handle", "RSS without handle", "PSS B/closure",
               "anon / file / shmem B", "all called OK")))

    thread_rows = []
    for group, what in (("create_threads", "256 live per thread: create 256, destroy 256"),
                        ("create_threads_one", "one live per thread: create one, destroy it")):
        for key, label in [("calibration", "machine: registers only, nothing shared")] + IMPLS:
            if key == "calibration" and group != "create_threads":
                continue
            base = f"create_threads/{key}" if key == "calibration" else f"{group}/{key}"
            one = r.median(f"{base}/real_time/threads:1", "items_per_second")
            two = r.median(f"{base}/real_time/threads:2", "items_per_second")
            if one is None:
                continue
            c1 = r.median(f"{base}/real_time/threads:1", "cpu_time")
            c2 = r.median(f"{base}/real_time/threads:2", "cpu_time")
            per = 256 if group == "create_threads" else 1
            thread_rows.append((what if key != "calibration" else "—", label, fmt(one / 1e6),
                                fmt(two / 1e6) if two else "—", fmt(ratio(two, one), 2) + "×",
                                fmt(c1 / per if c1 else None, 1), fmt(c2 / per if c2 else None, 1)))
    where = ""
    if r.thread_context:
        la = r.thread_context.get("load_avg", [])
        where = (" — a separate pass in its own scheduling group at nice -15 (`run.sh --boost-threads`), load "
                 "average at its start " + ", ".join(f"{x:.2f}" for x in la))
    parts.append("### Create+destroy throughput from 1 and 2 threads" + where + "\n\n" + table(
        thread_rows, ("workload", "implementation", "1 thread, M/s (wall)", "2 threads, M/s (wall)", "2 ÷ 1",
                      "CPU ns per item, 1 thread", "CPU ns per item, 2 threads")))

    rows = []
    for key, label in IMPLS:
        base = f"memory/wx/{key}"
        if key == "static_closure":
            continue  # never asks for executable memory
        if not r.has(base):
            rows.append((label, "—", "—", "—", "—"))
            continue
        rows.append((label, fmt(r.median(f"memory/rss/{key}", "wx_mappings"), 0), fmt(r.median(base, "wx_max"), 0),
                     fmt(r.median(base, "wx_at_end"), 0), fmt(r.median(base, "scans"), 0)))
    parts.append("### Mappings writable and executable at once (/proc/self/maps)\n\n" + table(
        rows, ("implementation", "at 1M live", "max seen while creating/destroying 250k", "after destroying all",
               "scans")))
    return "\n\n".join(parts)


def machine():
    model = "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"^Model name:\s*(.+)$", out, re.M)
        if m:
            model = m.group(1).strip()
        h = re.search(r"^Hypervisor vendor:\s*(.+)$", out, re.M)
        if h:
            model += f" (virtualised: {h.group(1).strip()})"
    except OSError:
        pass
    return model


def markdown(r, path_json):
    ctx = r.context
    reps = max([r.reps(n) for n in ("qsort/plain", "create_destroy/thunk", "create_destroy/libffi")] + [0])
    lines = [
        "# Benchmarks",
        "",
        "Produced by `bench/run.sh --docs` (Google Benchmark, `bench/`); do not edit by hand.",
        "Bars from DESIGN.md §6. Nothing here is a test: no time is asserted anywhere.",
        "",
        "## Machine and method",
        "",
        f"- thunk: commit {ctx.get('thunk_commit', '?')} (headers as built into the benchmark)",
        f"- machine: {machine()}, {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz; "
        f"kernel {platform.release()}",
        f"- compiler: {ctx.get('compiler', '?')}; flags: `{ctx.get('flags', '?')}` (the last -O wins); "
        f"libffi {ctx.get('libffi', '?')}; GNU ffcall {ctx.get('ffcall', '?')}; "
        f"Google Benchmark (Debian libbenchmark-dev, library built as {ctx.get('library_build_type', '?')})",
        f"- date: {ctx.get('date', datetime.datetime.now().isoformat())}; load average at start: "
        f"{', '.join(f'{x:.2f}' for x in ctx.get('load_avg', [])) or '?'}",
        f"- method: every figure is the **median of {reps} repetitions** in one run "
        "(`--benchmark_repetitions`, `--benchmark_enable_random_interleaving=true`); every ratio compares "
        "two medians of that same run. Single-threaded figures use thread CPU time (the machine was shared "
        "with other builds: CPU time leaves out the time the benchmark was descheduled); the 2-thread "
        "scaling uses wall time. The wall-clock per-call figures are shown too.",
        "- threads: `create_threads_*` run 1 and then 2 threads at once; throughput is the total over the threads "
        "in wall time. The machine's own scaling is measured beside them (a loop on registers only). Linux "
        "autogroups give each session one share of the CPU whatever its number of threads, so on a machine "
        "busy with other sessions the thread benchmarks run in a separate pass, in a scheduling group of "
        "their own at nice -15 (`run.sh --boost-threads`), where 2 threads can get 2 cores.",
        "- qsort: glibc `qsort`/`qsort_r` of 2,000,000 random ints (fixed seed; a fresh copy each "
        "repetition, not timed), one sort per repetition; ns/call = sort time ÷ comparator calls. Every "
        "comparator does the same work: it loads the address of its call counter, increments it and "
        "compares two ints — the plain pointer finds its counter through a global pointer (C code's "
        "state), the others through their context (captured pointer, qsort_r argument, libffi "
        "user_data, ffcall data). `plain_direct` increments a global directly, one load fewer, for "
        "reference. The bar rows use the paired rounds (`qsort_paired/thunk`: all thunk variants and the "
        "plain pointer sorted back to back in each round, order rotated; median of the per-round ratios).",
        "- create+destroy: one closure with a one-pointer capture created and destroyed per iteration; "
        "libffi is `ffi_closure_alloc` + `ffi_prep_closure_loc` + `ffi_closure_free` with the `ffi_cif` "
        "prepared once beforehand; ffcall is `alloc_callback` + `free_callback`.",
        "- memory: a fresh process (the benchmark re-executes itself) creates one closure and destroys it "
        "(one-time initialisation), reads the resident set (`/proc/self/statm`), reserves a "
        "`std::vector` of 1,000,000 handles (reserved, untouched), creates 1,000,000 closures capturing "
        "one pointer, calls each once, and reads the resident set again. **Counted**: all resident growth — "
        "the handles' own storage (`thunk::closure` object, `{ffi_closure*, code}` for libffi, "
        "`callback_t` for ffcall), captured state, executable and data pages, allocator bookkeeping. "
        "PSS (`/proc/self/smaps_rollup`) counts a page mapped twice (an RW and an RX view of the same "
        "memory) once, where RSS counts it twice.",
        "- W+X: `/proc/self/maps` lines whose permissions have both `w` and `x`, read at 1M live closures, "
        "and by a thread scanning without pause while another creates, calls and destroys 250,000 closures "
        "twice.",
        "",
        "## Bars",
        "",
        table(bar_rows(r)),
        "",
        "## Details",
        "",
        detail_tables(r),
        "",
        "## Reading the numbers",
        "",
        "- Per-call ratios of a few percent are at the noise floor of a shared machine: `stateless` with a "
        "captureless lambda of P's exact signature is the compiler's own conversion — the same machine code "
        "as the plain pointer — so its distance from 1.000× shows the noise of the run.",
        "- libffi's closures come from its own allocator in memory mapped writable and executable at once "
        "(the W+X rows); where the kernel refuses such mappings it falls back to a double mapping. GNU ffcall "
        "maps each page twice (an RW view and an RX view of one file), so RSS counts its callbacks twice and "
        "PSS once.",
        "- \"create, 1M live from scratch\" includes the page faults of fresh memory; DESIGN.md's anchors "
        "for libffi and ffcall creation (131–140 ns, 190–225 ns) match that column rather than the "
        "steady-state create/destroy loop, where both reuse warm memory.",
        f"- The 2-thread scaling needs two idle cores; this machine has {ctx.get('num_cpus', '?')} CPUs and "
        "the load average is shown above. Contention inside a library shows in the CPU ns/closure columns "
        "(equal for 1 and 2 threads: no contention); a thread blocked on a lock whose holder was preempted "
        "shows only in wall time.",
        "",
        "## Anchors quoted by DESIGN.md §6 (another run, same kind of machine)",
        "",
    ]
    for k, v in ANCHORS.items():
        lines.append(f"- {k}: {v}")
    lines += [
        "",
        "![per-call and create cost](bench.svg)",
        "",
        "## Reproduce",
        "",
        "```sh",
        "cmake -S . -B build/bench -DTHUNK_BUILD_BENCH=ON -DTHUNK_BUILD_TESTS=OFF -DTHUNK_BUILD_EXAMPLES=OFF \\",
        "      -DCMAKE_BUILD_TYPE=Release",
        "cmake --build build/bench",
        "bench/run.sh --build build/bench --docs --boost-threads   # as root; or: cmake --build build/bench --target bench-report",
        "```",
        "",
        f"Raw results: `{os.path.basename(path_json)}` (Google Benchmark JSON) next to the build.",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="+", help="thunk_bench JSON results; a later file overrides an earlier one")
    ap.add_argument("--markdown", help="write the full report (docs/benchmarks.md) here")
    args = ap.parse_args()
    r = Results(args.json)
    print(table(bar_rows(r)))
    print()
    print(detail_tables(r))
    for name, msg in r.errors.items():
        print(f"\nerror in {name}: {msg}", file=sys.stderr)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(r, args.json[0]))
        print(f"\nwrote {args.markdown}")


if __name__ == "__main__":
    main()
