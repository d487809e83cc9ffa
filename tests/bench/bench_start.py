#!/usr/bin/env python3
"""bench_start.py - what the preload costs a job of many short processes,
against bare and against an empty preloaded library (what LD_PRELOAD
itself costs), each variant run in turn round after round so a drifting
machine hits them alike (scripts/bench):

 1. a shell loop of N /bin/true: the shell is the root, each /bin/true a
    descendant with its exit record; per descendant = (variant - bare) / N,
    and rtrack's share over the empty library's;
 2. /bin/true as a root, K at a time: per root = (variant - bare) / K;
 3. a configure-like script of a few hundred short commands (tests, greps,
    seds, appends, file churn): the wall-time ratio over bare.

Usage: bench_start.py PRELOAD EMPTY_PRELOAD DIR [ROUNDS] [N] [BEFORE]
(BEFORE: another build of the library, measured in the same rounds as
"before": a change's effect in one run.)
Medians over the rounds, with the range (min..max) of the per-round
figures; CPU is every process's user + system time (wait4's rusage)."""
import os, resource, statistics, subprocess, sys, time

pre, empty, d = sys.argv[1], sys.argv[2], sys.argv[3]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 11
n = int(sys.argv[5]) if len(sys.argv) > 5 else 300
base = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
variants = [("bare", dict(base)),
            ("empty", dict(base, LD_PRELOAD=empty)),
            ("rtrack", dict(base, LD_PRELOAD=pre, RTRACK_QUIET="1",
                            RTRACK_OUTPUT=os.path.join(d, "job-%p.bin")))]
if len(sys.argv) > 6:
    variants.append(("before", dict(variants[-1][1], LD_PRELOAD=sys.argv[6])))
shown = [v for v, _ in variants[1:]]

loop = f"i=0; while [ $i -lt {n} ]; do /bin/true; i=$((i+1)); done"

# A configure-like script: probes that each run a few short commands.
lines = ["cd \"$1\" || exit 1", ": > conf.h", ": > config.log"]
for i in range(120):
    lines += [
        f"echo \"checking for feature {i}...\" >> config.log",
        f"printf '#include <x{i}.h>\\nint main(void) {{ return 0; }}\\n' > conftest.c",
        f"if grep -q 'HAVE_X{i} ' conf.h; then :; else echo '#define HAVE_X{i} 1' >> conf.h; fi",
        f"sed -n '$p' conf.h > conftest.out",
        f"test -s conftest.out && cat conftest.out >> config.log",
        "rm -f conftest.c conftest.out",
    ]
lines += ["wc -l conf.h config.log > /dev/null", "rm -f conf.h config.log"]
configure = os.path.join(d, "configure.sh")
with open(configure, "w") as f:
    f.write("\n".join(lines) + "\n")
work = os.path.join(d, "work")
os.makedirs(work, exist_ok=True)


def timed(cmd, env):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    w = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return w, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)


def clear():
    for x in os.listdir(d):
        if x.startswith("job-"):
            os.unlink(os.path.join(d, x))


def series(cmd):
    for _, env in variants:  # warm-up
        timed(cmd, env)
    w = {v: [] for v, _ in variants}
    c = {v: [] for v, _ in variants}
    for _ in range(rounds):
        for v, env in variants:
            a, b = timed(cmd, env)
            w[v].append(a)
            c[v].append(b)
        clear()
    return w, c


def series_root(k):
    cmd = ["/bin/true"]
    w = {v: [] for v, _ in variants}
    c = {v: [] for v, _ in variants}
    for _ in range(rounds):
        for v, env in variants:
            a = b = 0.0
            for _ in range(k):
                x, y = timed(cmd, env)
                a += x
                b += y
            w[v].append(a / k)
            c[v].append(b / k)
        clear()
    return w, c


def med(xs):
    return f"{statistics.median(xs):7.1f} ({min(xs):.0f}..{max(xs):.0f})"


w, c = series(["/bin/sh", "-c", loop])
print(f"== a shell loop of {n} /bin/true, {rounds} rounds: us per process "
      "over bare, median (min..max)")
for v in shown:
    dw = [(w[v][i] - w["bare"][i]) / n * 1e6 for i in range(rounds)]
    dc = [(c[v][i] - c["bare"][i]) / n * 1e6 for i in range(rounds)]
    print(f"{v:7s} wall +{med(dw)}  cpu +{med(dc)}")
def over_empty(xs):
    """rtrack's cost over the empty library's: per round (rounds where
    the empty library cost anything), and of the medians."""
    per = [(xs["rtrack"][i] - xs["bare"][i]) / (xs["empty"][i] - xs["bare"][i])
           for i in range(rounds) if xs["empty"][i] > xs["bare"][i]]
    e = statistics.median(xs["empty"]) - statistics.median(xs["bare"])
    r = statistics.median(xs["rtrack"]) - statistics.median(xs["bare"])
    return (f"{statistics.median(per):.2f}x ({len(per)} rounds)" if per
            else "n/a") + ", of the medians " + (f"{r / e:.2f}x" if e > 0
                                                  else "n/a")


print(f"rtrack's cost over the empty library's: wall {over_empty(w)}; "
      f"cpu {over_empty(c)}")

k = 40
w, c = series_root(k)
print(f"== /bin/true as a root, {k} a round, {rounds} rounds: us per root "
      "over bare, median (min..max)")
for v in shown:
    dw = [(w[v][i] - w["bare"][i]) * 1e6 for i in range(rounds)]
    dc = [(c[v][i] - c["bare"][i]) * 1e6 for i in range(rounds)]
    print(f"{v:7s} wall +{med(dw)}  cpu +{med(dc)}")

w, c = series(["/bin/sh", configure, work])
print(f"== a configure-like script ({len(lines)} lines, ~{120 * 5} "
      f"commands), {rounds} rounds: wall, ratio over bare per round")
for v in shown:
    r = [w[v][i] / w["bare"][i] for i in range(rounds)]
    print(f"{v:7s} {statistics.median(w[v]) * 1e3:7.1f} ms vs bare "
          f"{statistics.median(w['bare']) * 1e3:.1f} ms: ratio "
          f"{statistics.median(r):.4f} ({min(r):.3f}..{max(r):.3f})")
