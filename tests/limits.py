#!/usr/bin/env python3
"""Resource limits (issue 13): hostile hosts of ours (tests/hosts/
lifecycle.c: fork_exec, threads, an exit path, posix_spawn, the fds host
that writes files) and real commands (a shell pipeline, Python starting a
subprocess) under RLIMIT_FSIZE, RLIMIT_STACK, RLIMIT_NOFILE, RLIMIT_AS and
RLIMIT_NPROC, each at the edge where it still works bare: the smallest
limit where the bare run succeeds is found by bisection, then the program
runs with and without the preload there and a little above, and must
behave the same (status, output, files, time as a ratio).

  fsize   at the edge and above: the log cannot grow; the host must never
          see SIGXFSZ, and hear one line from the root at most
  stack   at the edge and above (ASLR off, so the edge holds from run to
          run: the stack's random offset moves it by up to 8 KiB)
  nofile  at the edge and above: rtrack's descriptors must not take the
          host's last one
  as      from 8 MiB above the edge (the library itself must be mapped,
          and a root maps its sampler's stack and tables: at the exact
          edge and 1.5 MiB above it the results are printed, not judged)
  nproc   as an otherwise unused uid (root ignores RLIMIT_NPROC).  The
          sampler thread counts against the limit (accepted, documented):
          one above the edge the host must behave as bare; at the exact
          edge, where rtrack's thread is refused, rtrack must stand aside
          silently and the host behave as bare -- where the thread was
          created instead and took the host's last slot, that is printed
          as the accepted cost, not judged

Usage: limits.py CASE   (RTRACK_PRELOAD, RTRACK_DUMP, RTRACK_LIFECYCLE and
RTRACK_TRUST come from ctest)."""
import os
import resource
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
import trust  # noqa: E402
from e2e import check  # noqa: E402
from trust import Each, Pair, edge, go  # noqa: E402

LIFECYCLE = os.environ.get("RTRACK_LIFECYCLE", "")
KIB, MIB = 1024, 1024 * 1024
# An uid no process on the machine has: RLIMIT_NPROC counts per uid.
NPROC_UID = 54321


def programs(lifecycle):
    py = shutil.which("python3") if not os.path.exists("/usr/bin/python3") \
        else "/usr/bin/python3"
    return [
        ("fork_exec", [lifecycle, "fork_exec", "20"]),
        ("threads", [lifecycle, "threads", "4", "0.1"]),
        ("exitpath", [lifecycle, "exitpath", "exit", "4"]),
        ("spawn", [lifecycle, "spawn", "10"]),
        ("fds", [lifecycle, "fds", "loop", "10"]),
        ("shell", ["sh", "-c", "seq 300 | sort -rn | head -3; /bin/true"]),
        ("python", [py, "-c", "import subprocess; r = subprocess.run("
                    "['echo', 'hi'], capture_output=True); "
                    "print(r.stdout.decode().strip(), r.returncode)"]),
    ]


def reference(cmd, d, uid=None):
    """What the program does bare, without the limit: (rc, stdout)."""
    r = go(cmd, d, None, preload=False, timeout=30, uid=uid)
    check(r.rc in (0, 4) and r.out, f"{cmd} bare: {r.describe()}")
    return r.rc, r.out


def works(cmd, d, want, limit_of, extra, uid=None, norandom=False, runs=2):
    """An edge() predicate: the bare run matches want, `runs` times."""
    def pred(v):
        for _ in range(runs):
            r = go(cmd, d, extra, preload=False, limits=limit_of(v),
                   timeout=30, uid=uid, norandom=norandom)
            if (r.rc, r.out) != want:
                return False
        return True
    return pred


def run_limit(d, res, unit, lo, hi, offsets, uid=None, norandom=False,
              lifecycle=LIFECYCLE, exact=None):
    """For each program: the bare edge of res (in units of `unit`, within
    [lo, hi]), then a Pair at edge + each offset (in units).  exact(name,
    value, d) judges the exact edge itself where given."""
    check(os.path.exists(lifecycle), f"RTRACK_LIFECYCLE={lifecycle!r}")
    each = Each()
    probe = trust.mkdir(d, "probe")
    # One log directory for all: the environment (on the stack) is the
    # same size in the search for the edge and at it.
    logs = trust.mkdir(d, "logs")
    extra = {"RTRACK_OUTPUT": os.path.join(logs, "rtrack-%p.bin"),
             "RTRACK_INTERVAL": "0.05"}
    if uid is not None:
        os.chown(probe, uid, uid)
        os.chown(logs, uid, uid)
    name_of = {resource.RLIMIT_FSIZE: "RLIMIT_FSIZE",
               resource.RLIMIT_STACK: "RLIMIT_STACK",
               resource.RLIMIT_NOFILE: "RLIMIT_NOFILE",
               resource.RLIMIT_AS: "RLIMIT_AS",
               resource.RLIMIT_NPROC: "RLIMIT_NPROC"}[res]

    def limit_of(v):
        return {res: v * unit}
    for name, cmd in programs(lifecycle):
        want = reference(cmd, probe, uid)
        e = edge(works(cmd, probe, want, limit_of, extra, uid, norandom),
                 lo, hi)
        if e is None:
            each.failed.append(f"[{name}] fails bare at {name_of} "
                               f"{hi * unit}")
            continue
        print(f"{name}: works bare from {name_of} {e * unit}")
        if exact:
            each(f"{name} at the edge {e * unit}", exact, name, cmd, e,
                 limit_of)
        for off in offsets:
            v = e + off
            each(f"{name} at {name_of} {v * unit} (bare edge {e * unit})",
                 Pair, d, f"{name}-{v}", cmd, extra, limits=limit_of(v),
                 uid=uid, norandom=norandom, timeout=30, out_dir=logs)
    each.done()


def case_fsize(d):
    run_limit(d, resource.RLIMIT_FSIZE, 1, 0, 1 * MIB, (0, 512, 4096, 65536))


def case_stack(d):
    run_limit(d, resource.RLIMIT_STACK, KIB, 4, 8192, (0, 4, 16, 64),
              norandom=True)


def case_nofile(d):
    run_limit(d, resource.RLIMIT_NOFILE, 1, 1, 1024, (0, 1, 2, 8))


def case_as(d):
    unit = 256 * KIB

    def near_edge(name, cmd, e, limit_of):
        # Printed, not judged: at the exact edge nothing can map the
        # library; 1.5 MiB above it a descendant fits (trust_footprint
        # holds it to that) but a root also maps its sampler's stack and
        # tables.
        for off, what in ((0, "the exact edge"), (6, "1.5 MiB above it")):
            sub = trust.mkdir(d, f"{name}-note{off}")
            t = go(cmd, sub, {"RTRACK_OUTPUT": os.path.join(sub, "r-%p.bin")},
                   limits=limit_of(e + off), timeout=30)
            p = go(cmd, sub, None, preload=False, limits=limit_of(e + off),
                   timeout=30)
            same = (t.rc, t.out) == (p.rc, p.out)
            print(f"note: {name} at {what} of RLIMIT_AS "
                  f"({(e + off) * unit}): "
                  f"{'same as bare' if same else 'differs: ' + t.describe()}")
    # Judged from 8 MiB above the edge: room for the root's sampler (its
    # 256 KiB stack, its process table, the library).
    run_limit(d, resource.RLIMIT_AS, unit, 4, 4096, (32, 64, 256),
              exact=near_edge)


def case_nproc(d):
    if os.geteuid() != 0:
        raise e2e.Skip("RLIMIT_NPROC binds only a non-root uid: needs root "
                       "to switch to one")
    busy = [p for p in os.listdir("/proc") if p.isdigit() and
            _uid_of(p) == NPROC_UID]
    if busy:
        raise e2e.Skip(f"uid {NPROC_UID} has processes here: {busy}")
    # Everything the uid runs must be reachable by it: copies in a 0755
    # directory (the build tree may sit under a 0700 one).
    os.chmod(d, 0o755)
    bins = trust.mkdir(d, "bin", 0o755)
    lib = os.path.join(bins, os.path.basename(trust.PRELOAD))
    shutil.copy(trust.PRELOAD, lib)
    lifecycle = os.path.join(bins, "lifecycle")
    shutil.copy(LIFECYCLE, lifecycle)
    for f in (lib, lifecycle):
        os.chmod(f, 0o755)
    trust.PRELOAD = lib  # go() loads this copy

    def exact(name, cmd, e, limit_of):
        sub = trust.mkdir(d, f"{name}-exact", 0o777)
        logs = trust.mkdir(d, f"{name}-exact-logs", 0o777)
        extra = {"RTRACK_OUTPUT": os.path.join(logs, "r-%p.bin"),
                 "RTRACK_INTERVAL": "0.05"}
        t = go(cmd, sub, extra, limits=limit_of(e), uid=NPROC_UID, timeout=30)
        p = go(cmd, sub, extra, preload=False, limits=limit_of(e),
               uid=NPROC_UID, timeout=30)
        stood_aside = not os.listdir(logs)
        same = (t.rc, t.out, e2e.without_rtrack(t.err)) == (p.rc, p.out, p.err)
        if stood_aside:
            check(same, f"rtrack stood aside, yet the host differs: traced "
                  f"{t.describe()}; plain {p.describe()}")
            # One line from the root, naming the limit (rtrack.c), and
            # none from anything else.
            rl = e2e.rtrack_lines(t.err)
            check(len(rl) <= 1 and all("ulimit -u" in x for x in rl),
                  f"rtrack stood aside with lines {rl}")
        elif not same:
            print(f"note: {name} at the exact RLIMIT_NPROC edge {e}: the "
                  f"sampler thread took the host's last task (accepted): "
                  f"{t.describe()}")
    run_limit(d, resource.RLIMIT_NPROC, 1, 1, 64, (1, 2, 8), uid=NPROC_UID,
              lifecycle=lifecycle, exact=exact)


def _uid_of(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


if __name__ == "__main__":
    e2e.run_case(globals(), "limits")
