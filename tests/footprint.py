#!/usr/bin/env python3
"""Footprint tests (DESIGN.md, the sampler thread: small stack, bounded
memory, no allocation in the steady state): what rtrack adds to a host.

  allocations  the sampler at 100 Hz makes no malloc-family or mmap call
               after its first samples (tests/hosts/malloc_count.c,
               preloaded before librtrack_preload.so, counts the calls made
               off the main thread of a single-threaded host)
  rss          what rtrack keeps resident in a host at a steady point (the
               anonymous memory it adds and its library's pages): at most
               512 KiB
  stack        the sampler thread's stack mapping is small
  faults       a descendant's page faults: a short process of the job (a
               command a shell starts) takes few more than under an empty
               preloaded library (each costs some 3-13 us at a process's
               start: README, Performance)

Usage: footprint.py CASE   (paths from RTRACK_PRELOAD, RTRACK_DUMP,
RTRACK_WORKLOAD, RTRACK_MALLOC_COUNT, RTRACK_FAKE_NVML and
RTRACK_EMPTY_PRELOAD, as ctest sets them)."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
from e2e import PRELOAD, WORKLOAD, check, ld_preload  # noqa: E402

MALLOC_COUNT = os.environ["RTRACK_MALLOC_COUNT"]
EMPTY_PRELOAD = os.environ["RTRACK_EMPTY_PRELOAD"]
# A descendant /bin/true took 11-12 page faults more than under the empty
# library before its state was packed (rtrack.h, descendant.c's dbuf, the
# clocks by system call), 4-6 after; which 64-KiB windows of the library's
# text it touches moves with where it is loaded.
FAULTS_LIMIT = 8
FAKE_NVML = os.environ["RTRACK_FAKE_NVML"]
RSS_LIMIT_KIB = 512
STACK_LIMIT_KIB = 512
HZ100 = {"RTRACK_INTERVAL": "0.01", "RTRACK_GPU": "off", "RTRACK_QUIET": "1"}


def counted_run(d, name, cmd, seconds, extra=None):
    """Run cmd (which lasts `seconds`) under the counter and rtrack at
    100 Hz; the window is its steady state: from 0.5 s in (the first
    samples, the first flush) to 0.3 s before its end."""
    sub = os.path.join(d, name)
    os.mkdir(sub)
    out = os.path.join(sub, "counts.txt")
    t0 = time.monotonic_ns()
    env = dict(HZ100, MALLOC_COUNT_OUT=out,
               MALLOC_COUNT_FROM=str(t0 + 500_000_000),
               MALLOC_COUNT_TO=str(t0 + int((seconds - 0.3) * 1e9)),
               RTRACK_OUTPUT=os.path.join(sub, "r-%p.bin"))
    env.update(extra or {})
    r = e2e.run(cmd, sub, env, preload=f"{MALLOC_COUNT} {PRELOAD}",
                timeout=seconds + 30)
    check(r.rc == 0, f"{name}: exit status {r.rc}: {r.err!r}")
    check(os.path.exists(out), f"{name}: the counter wrote nothing")
    text = open(out).read()
    counts = {}
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if v.isdigit():
            counts[k] = int(v)
    j = e2e.dump_json(e2e.one_log(sub))
    # 100 Hz over the window: the sampler was there, and busy.
    samples = j["summary"]["samples"]
    check(samples >= 50 * (seconds - 0.8),
          f"{name}: {samples} samples in {seconds} s at 100 Hz")
    check(counts.get("window") == 0,
          f"{name}: the sampler allocated in its steady state "
          f"({counts.get('window')} calls in the window; calls off the "
          f"main thread in all: {counts}):\n{text}")
    return counts


def case_allocations(d):
    # The counter counts: a million malloc/free pairs on a second thread.
    sub = os.path.join(d, "control")
    os.mkdir(sub)
    out = os.path.join(sub, "counts.txt")
    r = e2e.run([WORKLOAD, "mallocs", "1", "1", "0"], sub,
                {"MALLOC_COUNT_OUT": out}, preload=MALLOC_COUNT)
    check(r.rc == 0, f"control: exit status {r.rc}")
    got = open(out).read() if os.path.exists(out) else ""
    check("malloc 1000000\n" in got,
          f"the counter missed the control's mallocs: {got!r}")
    counted_run(d, "sleep", [WORKLOAD, "sleep", "2500", "0"], 2.5)
    # A tree of 20 children: the per-process tables, the children walk.
    counted_run(d, "tree", [WORKLOAD, "sleepers", "20", "2.5"], 2.5)
    # GPU polling, through the fake NVML of the GPU tests (whose own
    # allocations would count too: it makes none).
    script = os.path.join(d, "nvml.script")
    with open(script, "w") as f:
        f.write("device name=Tesla_T4 uuid=GPU-fp-0 util=75 used=1073741824 "
                "total=17179869184\nproc 0 kind=compute pid=self mem=1048576\n"
                "sample 0 pid=self sm=60 ts=now\n")
    counted_run(d, "gpu", [WORKLOAD, "sleep", "2500", "0"], 2.5,
                {"RTRACK_GPU": "auto", "RTRACK_TEST_NVML": FAKE_NVML,
                 "FAKE_NVML_SCRIPT": script})


def kib_fields(path, names):
    vals = {}
    for line in open(path):
        k, _, v = line.partition(":")
        if k in names:
            vals[k] = int(v.split()[0])
    return vals


def library_rss(pid):
    """Resident KiB of the preload's own mappings (0 without it)."""
    lib, total, ours = os.path.realpath(PRELOAD), 0, False
    for line in open(f"/proc/{pid}/smaps"):
        head = line.split()
        if "-" in head[0] and ":" not in head[0]:
            ours = len(head) >= 6 and head[5] == lib
        elif ours and head[0] == "Rss:":
            total += int(head[1])
    return total


def memory_of(pid):
    v = kib_fields(f"/proc/{pid}/status", ("VmRSS",))
    v.update(kib_fields(f"/proc/{pid}/smaps_rollup",
                        ("Pss", "Anonymous", "Pss_File")))
    v["Library"] = library_rss(pid)
    return v


def steady_host(d, traced, seconds=3.0, at=1.5, look=None):
    """Start `workload sleep`, and at `at` seconds return memory_of it
    (and whatever look(pid) returns)."""
    env = e2e.clean_env(dict(HZ100, RTRACK_OUTPUT=os.path.join(d, "r-%p.bin")))
    pre = e2e.ld_preload(traced=traced)
    if pre:
        env["LD_PRELOAD"] = pre
    p = subprocess.Popen([WORKLOAD, "sleep", str(int(seconds * 1000)), "0"],
                         cwd=d, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        time.sleep(at)
        mem = memory_of(p.pid)
        seen = look(p.pid) if look else None
    finally:
        _, err = p.communicate(timeout=seconds + 30)
    check(p.returncode == 0, f"host exit status {p.returncode}: {err!r}")
    return mem, seen


def case_rss(d):
    # What rtrack keeps resident in a host: the anonymous memory it adds
    # (the sampler's stack and tables, the library's data) and its
    # library's own pages.  VmRSS less the plain host's is reported and
    # bounded loosely: medians of nine runs of each still moved from 404
    # to 568 KiB between runs of one build, the plain host's resident libc
    # pages varying with fault-around.
    runs = [(steady_host(d, True, 1.3, 1.0)[0],
             steady_host(d, False, 1.3, 1.0)[0]) for _ in range(9)]

    def median(vals):
        return sorted(vals)[len(vals) // 2]
    added = {k: median([t[k] for t, _ in runs]) - median([p[k] for _, p in runs])
             for k in runs[0][0]}
    own = added["Anonymous"] + added["Library"]
    print(f"added to the host (KiB): {added}; rtrack's own: {own}")
    check(own <= RSS_LIMIT_KIB,
          f"rtrack keeps {own} KiB resident (anonymous {added['Anonymous']}, "
          f"library {added['Library']}; limit {RSS_LIMIT_KIB}): {added}; "
          f"runs (traced, plain): {runs}")
    check(added["VmRSS"] <= 2 * RSS_LIMIT_KIB,
          f"rtrack adds {added['VmRSS']} KiB of VmRSS (limit "
          f"{2 * RSS_LIMIT_KIB}): {added}; runs (traced, plain): {runs}")


def sampler_stack(pid):
    """(size, resident) in KiB of the mapping that holds the stack pointer
    of the thread named rtrack (/proc/PID/task/TID/syscall gives it)."""
    tid = None
    for t in os.listdir(f"/proc/{pid}/task"):
        if open(f"/proc/{pid}/task/{t}/comm").read().strip() == "rtrack":
            tid = t
    check(tid is not None, "no thread named rtrack")
    for _ in range(50):  # "running" between two samples: look again
        fields = open(f"/proc/{pid}/task/{tid}/syscall").read().split()
        if len(fields) >= 3:
            break
        time.sleep(0.002)
    check(len(fields) >= 3, f"syscall of the sampler: {fields}")
    sp = int(fields[-2], 16)
    vma, rss = None, None
    for line in open(f"/proc/{pid}/smaps"):
        head = line.split()
        if "-" in head[0] and ":" not in head[0]:
            lo, hi = (int(x, 16) for x in head[0].split("-"))
            vma = (lo, hi) if lo <= sp < hi else None
        elif vma and head[0] == "Rss:":
            rss = int(head[1])
            return (vma[1] - vma[0]) // 1024, rss
    check(False, f"no mapping holds the sampler's stack pointer {sp:#x}")
    return None


def case_stack(d):
    _, (size, resident) = steady_host(d, True, look=sampler_stack)
    print(f"sampler stack: {size} KiB mapped, {resident} KiB resident")
    check(size <= STACK_LIMIT_KIB,
          f"the sampler's stack mapping is {size} KiB "
          f"(limit {STACK_LIMIT_KIB})")


# Run by the tracked root (a python3 of its own): /bin/true spawned with
# rtrack (a descendant: RTRACK_ROOT is in the environment) and with the
# empty library, in turn; each child's minor faults from wait4.
FAULTS_ROOT = """
import json, os, sys
rtrack, empty, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = {"rtrack": [], "empty": []}
for _ in range(n):
    for name, lib in (("rtrack", rtrack), ("empty", empty)):
        env = dict(os.environ, LD_PRELOAD=lib)
        pid = os.posix_spawn("/bin/true", ["/bin/true"], env)
        _, status, ru = os.wait4(pid, 0)
        assert status == 0, status
        out[name].append(ru.ru_minflt)
print(json.dumps(out))
"""


def case_faults(d):
    # Counts, not times: the machine's load moves times, not faults.
    r = e2e.run(["python3", "-c", FAULTS_ROOT, ld_preload(),
                 ld_preload(EMPTY_PRELOAD), "21"], d,
                extra={"RTRACK_QUIET": "1", "RTRACK_OUTPUT":
                       os.path.join(d, "job.bin")})
    check(r.rc == 0, f"the root failed: {r.err}")
    counts = json.loads(r.out)
    med = {k: sorted(v)[len(v) // 2] for k, v in counts.items()}
    added = med["rtrack"] - med["empty"]
    print(f"page faults of /bin/true, medians of 21: rtrack {med['rtrack']}, "
          f"empty library {med['empty']}: +{added}")
    check(added <= FAULTS_LIMIT,
          f"a descendant takes {added} page faults more than under an empty "
          f"preloaded library (limit {FAULTS_LIMIT}): {counts}")
    # The children were descendants: their exit records are in the log.
    exits = e2e.exit_record_types(os.path.join(d, "job.bin"))
    check(len(exits) >= 21, f"{len(exits)} exit records of 21 descendants")


if __name__ == "__main__":
    e2e.run_case(globals(), "footprint")
