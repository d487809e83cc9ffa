#!/usr/bin/env python3
"""bench_start.py - what the preload costs a job of many short processes,
against bare and against an empty preloaded library (what LD_PRELOAD
itself costs), each variant run in turn round after round so a drifting
machine hits them alike (scripts/bench):

 1. a shell loop of N /bin/true: the shell is the root, each /bin/true a
    descendant with its exit record; per descendant = (variant - bare) / N,
    and rtrack's share over the empty library's;
 2. /bin/true as a root, K at a time: per root = (variant - bare) / K;
    with main_time (built beside EMPTY_PRELOAD) in its place, also the
    time from the spawn to main: what the constructor delays, apart from
    the exit (which waits for the sampler's last sample);
 3. a root that execs a chain of env images (a wrapper's exec): per
    exec, over bare, beyond a root's own cost;
 4. a configure-like script of a few hundred short commands (tests, greps,
    seds, appends, file churn): the wall-time ratio over bare;
 5. with fork_time (built beside EMPTY_PRELOAD): a root that forks, each
    child _exit()ing at once, as a shell forks once a command: the round
    trip and the page faults of parent and child per fork, also for the
    empty library with one idle thread (empty_preload.c's root floor) and
    rtrack without exit records (RTRACK_CHILDREN=0): how much of a
    descendant's cost in a shell loop is the fork of a threaded root.

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


def timed(cmd, env, to_main=False):
    """Wall and CPU seconds of cmd; with to_main, also the seconds from
    the spawn to the main of a main_time child (CLOCK_MONOTONIC both)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    t0 = time.monotonic_ns()
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE
                         if to_main else subprocess.DEVNULL).stdout
    w = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    return (w, c, (int(out) - t0) / 1e9) if to_main else (w, c)


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


main_time = os.path.join(os.path.dirname(os.path.abspath(empty)), "main_time")
if not os.access(main_time, os.X_OK):
    main_time = None


def series_root(k, cmd=None):
    """Per root: mean wall and CPU of k runs, and the median of their
    spawn-to-main times (a start delayed by a busy machine is an outlier
    that a mean would carry); cmd in place of main_time: no such time."""
    cmd = cmd or [main_time or "/bin/true"]
    to_main = main_time is not None and cmd[0] == main_time
    w = {v: [] for v, _ in variants}
    c = {v: [] for v, _ in variants}
    m = {v: [] for v, _ in variants}
    for _ in range(rounds):
        for v, env in variants:
            runs = [timed(cmd, env, to_main) for _ in range(k)]
            w[v].append(sum(r[0] for r in runs) / k)
            c[v].append(sum(r[1] for r in runs) / k)
            if to_main:
                m[v].append(statistics.median(r[2] for r in runs))
        clear()
    return w, c, m


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
w, c, m = series_root(k)
print(f"== {'main_time' if main_time else '/bin/true'} as a root, {k} a "
      f"round, {rounds} rounds: us per root over bare, median (min..max)")
for v in shown:
    dw = [(w[v][i] - w["bare"][i]) * 1e6 for i in range(rounds)]
    dc = [(c[v][i] - c["bare"][i]) * 1e6 for i in range(rounds)]
    dm = [(m[v][i] - m["bare"][i]) * 1e6 for i in range(len(m[v]))]
    print(f"{v:7s} wall +{med(dw)}  cpu +{med(dc)}" +
          (f"  to main +{med(dm)}" if dm else ""))

# A root that execs (env, nice, timeout, a shell's exec): a chain of E
# env images before /bin/true, each a sweep and a new image's start.
E = 8
wr, cr = w, c
w, c, _ = series_root(k, ["env"] * E + [main_time or "/bin/true"])
print(f"== a root that execs {E} times (env ... env /bin/true), {k} a round, "
      f"{rounds} rounds: us per exec over bare, beyond a root's own cost, "
      "median (min..max)")
for v in shown:
    dw = [((w[v][i] - w["bare"][i]) - (wr[v][i] - wr["bare"][i])) / E * 1e6
          for i in range(rounds)]
    dc = [((c[v][i] - c["bare"][i]) - (cr[v][i] - cr["bare"][i])) / E * 1e6
          for i in range(rounds)]
    print(f"{v:7s} wall +{med(dw)}  cpu +{med(dc)}")

w, c = series(["/bin/sh", configure, work])
print(f"== a configure-like script ({len(lines)} lines, ~{120 * 5} "
      f"commands), {rounds} rounds: wall, ratio over bare per round")
for v in shown:
    r = [w[v][i] / w["bare"][i] for i in range(rounds)]
    print(f"{v:7s} {statistics.median(w[v]) * 1e3:7.1f} ms vs bare "
          f"{statistics.median(w['bare']) * 1e3:.1f} ms: ratio "
          f"{statistics.median(r):.4f} ({min(r):.3f}..{max(r):.3f})")

fork_time = os.path.join(os.path.dirname(os.path.abspath(empty)), "fork_time")
if os.access(fork_time, os.X_OK):
    forks = 300
    fv = [("bare", variants[0][1]), ("empty", variants[1][1]),
          ("empty+thread", dict(variants[1][1],
                                RTRACK_BENCH_FLOOR="root:" + d)),
          ("rtrack, no exit records", dict(variants[2][1],
                                           RTRACK_CHILDREN="0"))]
    fv += [(v, env) for v, env in variants[2:]]
    got = {v: [] for v, _ in fv}
    for _ in range(rounds):
        for v, env in fv:
            out = subprocess.run([fork_time, str(forks)], env=env, check=True,
                                 stdout=subprocess.PIPE, text=True).stdout
            got[v].append([float(x) for x in out.split()])
        clear()
        for x in os.listdir(d):
            if x.startswith("floor-"):
                os.unlink(os.path.join(d, x))
    print(f"== a root that forks {forks} times (fork_time), {rounds} rounds: "
          "us per fork, median (min..max); page faults per fork, parent and "
          "child")
    for v, _ in fv:
        us = [r[0] for r in got[v]]
        print(f"{v:24s} {med(us)}  faults {statistics.median(r[1] for r in got[v]):.1f}"
              f" / {statistics.median(r[2] for r in got[v]):.1f}")
