#!/usr/bin/env python3
"""SVG bar chart of thunk_bench's JSON results, drawn by gnuplot.

    scripts/bench_chart.py RESULTS.json docs/bench.svg

Left: qsort cost per comparator call (median thread CPU time) for thunk's
tiers, libffi and GNU ffcall. Right: create and destroy cost per closure (batch, one at a time, and
creating 1M live closures from scratch).
Python standard library only; needs gnuplot (Debian: gnuplot-nox).
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from report import IMPLS, QSORT, Results, machine  # noqa: E402

COLOURS = {
    "plain": "#7f7f7f", "plain_direct": "#c7c7c7", "qsort_r": "#a0a0a0", "with_context": "#2ca02c", "stateless": "#98df8a",
    "stateless_fn": "#bcbd22", "closure": "#1f77b4", "static_closure": "#9467bd",
    "typed_static_closure": "#c5b0d5", "libffi": "#d62728", "ffcall": "#ff7f0e",
}
SHORT = {
    "plain": "plain pointer", "plain_direct": "plain, global counter", "qsort_r": "qsort_r (by hand)", "with_context": "with_context",
    "stateless": "stateless", "stateless_fn": "stateless<P,&fn>", "closure": "closure",
    "static_closure": "static_closure", "typed_static_closure": "typed_static_closure", "libffi": "libffi",
    "ffcall": "ffcall",
}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        sys.exit("bench_chart: gnuplot not found (Debian: apt-get install gnuplot-nox)")
    r = Results(src)
    reps = r.reps("qsort/plain")
    with tempfile.TemporaryDirectory() as tmp:
        calls = os.path.join(tmp, "calls.dat")
        bars = []  # one plot element per bar, so that the key names it
        with open(calls, "w") as f:
            for key, _ in QSORT:
                v = r.median(f"qsort/{key}", "ns_per_call")
                if v is not None:
                    f.write(f'"{SHORT[key]}" {v:.3f}\n')
                    i = len(bars)
                    bars.append(f'"{calls}" every ::{i}::{i} using ({i}):2 with boxes lc rgb "{COLOURS[key]}" '
                                f'title "{SHORT[key]}"')
        call_plot = ", \\\n     ".join(
            bars + [f'"{calls}" using 0:2:(sprintf("%.1f", $2)) with labels offset 0,0.8 font ",9" notitle'])
        create = os.path.join(tmp, "create.dat")
        with open(create, "w") as f:
            for key, label in IMPLS:
                cd = r.median(f"create_destroy/{key}", "cpu_time")
                if cd is None:
                    continue
                values = [r.median(f"create_batch/{key}", "create_ns"), r.median(f"create_batch/{key}", "destroy_ns"),
                          cd, r.median(f"memory/rss/{key}", "create_ns_at_1M")]
                f.write(f'"{label}" ' + " ".join("NaN" if v is None else f"{v:.2f}" for v in values) + "\n")
        title = f"thunk vs libffi vs GNU ffcall — median of {reps} repetitions, {machine()}"
        script = f"""
set terminal svg size 1100,500 dynamic noenhanced font "sans,11" background rgb "white"
set output "{dst}"
set multiplot layout 1,2 title "{title}"
set style fill solid 0.85 border rgb "#333333"
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set xtics scale 0
unset xtics
set xrange [-0.6:*]
set title "qsort of 2M ints: ns per comparator call (CPU)"
set ylabel "ns per call"
set boxwidth 0.7
set key top left Left reverse font ",10"
plot {call_plot}
set title "create / destroy one closure (one-pointer capture): ns of CPU time"
set ylabel "ns per closure"
set xtics norotate center scale 0
set xrange [*:*]
set style data histogram
set style histogram clustered gap 1
set boxwidth 1
set key top left Left reverse
plot "{create}" using 2:xtic(1) title "create (batch of 256)" lc rgb "#1f77b4", \\
     "" using 3 title "destroy (batch of 256)" lc rgb "#aec7e8", \\
     "" using 4 title "create+destroy, one at a time" lc rgb "#ff7f0e", \\
     "" using 5 title "create, 1M live from scratch" lc rgb "#d62728", \\
     "" using ($0-0.3):2:(sprintf("%.0f", $2)) with labels offset 0,0.8 font ",9" notitle, \\
     "" using ($0-0.1):3:(sprintf("%.0f", $3)) with labels offset 0,0.8 font ",9" notitle, \\
     "" using ($0+0.1):4:(sprintf("%.0f", $4)) with labels offset 0,0.8 font ",9" notitle, \\
     "" using ($0+0.3):5:(sprintf("%.0f", $5)) with labels offset 0,0.8 font ",9" notitle
unset multiplot
"""
        gp = os.path.join(tmp, "chart.gp")
        with open(gp, "w") as f:
            f.write(script)
        subprocess.run([gnuplot, gp], check=True)
    print(f"wrote {dst}")


if __name__ == "__main__":
    main()
