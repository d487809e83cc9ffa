#!/usr/bin/env python3
"""End-to-end tests of hosts that confine themselves (seccomp, setuid, user
namespaces, set-ID changes), scrub or lose the preload (env -i, static and
setuid children), stack other preloads (jemalloc, ASan), and everyday tools
(ps, make, shells, pipelines, Python multiprocessing).

Every case first checks that the host cannot tell rtrack is there (stdout,
stderr less "rtrack:" lines, exit status), then that the log decodes and
follows the contract of `rtrack-dump --format json`.

Usage: hosts_sandbox.py CASE   (RTRACK_PRELOAD, RTRACK_DUMP, RTRACK_WORKLOAD
and RTRACK_SANDBOX come from ctest)."""
import ctypes
import glob
import os
import resource
import shutil
import struct
import subprocess
import sys
import time

import e2e
from e2e import (PRELOAD, check, dump_json, logs_in, near, one_log,
                 rtrack_lines, same_as_plain, traced_json)

SANDBOX = os.environ["RTRACK_SANDBOX"]
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "hosts", "sandbox.c")
JEMALLOC = (glob.glob("/usr/lib/*-linux-gnu/libjemalloc.so.2") +
            ["/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"])[0]
NOBODY = 65534


Skip = e2e.Skip


class Each:
    """Run every variant of a case, then fail with all that failed."""

    def __init__(self):
        self.failed = []

    def __call__(self, what, fn):
        try:
            fn()
        except AssertionError as e:
            self.failed.append(f"{what}: {e}")

    def done(self):
        check(not self.failed, "; ".join(self.failed))


def run_with(cmd, cwd, extra, ld_preload):
    """e2e.run with LD_PRELOAD set to ld_preload (None: unset)."""
    extra = dict(extra or {})
    if ld_preload:
        extra["LD_PRELOAD"] = ld_preload
    return e2e.run(cmd, cwd, extra, preload=False)


def same_output(traced, plain):
    check(traced.rc == plain.rc,
          f"exit status {traced.rc} != {plain.rc} "
          f"(with rtrack: {traced.out[-200:]!r} {traced.err[-200:]!r})")
    check(traced.out == plain.out,
          f"stdout differs: {traced.out!r} vs {plain.out!r}")
    check(e2e.without_rtrack(traced.err) == plain.err,
          f"stderr differs: {traced.err!r} vs {plain.err!r}")


def out_in(d):
    return {"RTRACK_OUTPUT": os.path.join(d, "rtrack-%p.bin")}


def sub(d, name):
    path = os.path.join(d, name)
    os.mkdir(path)
    return path


def contract(j):
    """The keys every log has, and the counts the new exit-record fields
    must agree on once they exist."""
    for k in ("pid", "exit_code", "exit_signal", "complete"):
        check(k in j["meta"], f"meta lacks {k}")
    s = j["summary"]
    for k in ("cpu_seconds", "tracker_cpu_seconds", "processes_seen"):
        check(k in s, f"summary lacks {k}")
    for p in j["processes"]:
        for k in ("pid", "ppid", "cmdline", "cpu_seconds", "exit_code",
                  "exit_signal", "alive_at_end"):
            check(k in p, f"process {p.get('pid')} lacks {k}")
    check(s["processes_seen"] == len(j["processes"]),
          f"processes_seen {s['processes_seen']} != {len(j['processes'])} listed")
    if "processes_sampled_only" in s or "processes_exact" in s:
        check(all("exact" in p for p in j["processes"]), "process lacks exact")
        exact = sum(1 for p in j["processes"] if p["exact"])
        if "processes_exact" in s:
            check(s["processes_exact"] == exact,
                  f"processes_exact {s['processes_exact']} != {exact} listed")
        if "processes_sampled_only" in s:
            check(s["processes_sampled_only"] == len(j["processes"]) - exact,
                  f"processes_sampled_only {s['processes_sampled_only']} != "
                  f"{len(j['processes']) - exact} without an exit record")
    return j


def has_exact(j):
    return "processes_exact" in j["summary"] or \
        "processes_sampled_only" in j["summary"]


def traced_log(d, cmd, extra):
    """traced_json for hosts that close stderr at exit (procps closes it in
    an atexit handler): rtrack then rightly says nothing."""
    extra = dict(out_in(d), **extra)
    r = same_as_plain(cmd, d, extra)
    lines = rtrack_lines(r.err)
    check(len(lines) <= 1 and all("log written" in l for l in lines),
          f"rtrack lines {lines}")
    return r, dump_json(one_log(d))


def complete_log(d, code=0):
    j = contract(dump_json(one_log(d)))
    check(j["meta"]["complete"] and j["meta"]["exit_code"] == code,
          f"meta {j['meta']}")
    return j


def with_cmd(j, text):
    return [p for p in j["processes"] if text in p["cmdline"]]


# ---- seccomp -----------------------------------------------------------------

def case_seccomp_descendant(d):
    # The exec'd child allows itself only write and exit: rtrack, loaded
    # in it as a descendant, must make no other call (KILL), or take the
    # EPERM answers silently (ERRNO).
    for how in ("kill", "errno"):
        r, j, _ = traced_json(sub(d, how), [SANDBOX, "seccomp", how],
                              {"RTRACK_INTERVAL": "0.05"})
        check(b"seccomp child: exited 0" in r.out, f"{how}: {r.out!r}")
        contract(j)
        check(j["meta"]["complete"] and j["meta"]["exit_code"] == 0,
              f"{how}: meta {j['meta']}")


def case_seccomp_no_threads(d):
    # A launcher's filter refuses new threads, then it execs the root: no
    # sampler can start, so rtrack stands aside without a word, leaves no
    # log, and main finds errno 0.  The root's fork+exec child loads the
    # preload as a root of its own and must stand aside the same way.
    for how in ("eperm", "enosys"):
        w = sub(d, how)
        launch = [SANDBOX, "nothreads", how]
        traced = run_with(launch + ["env", f"LD_PRELOAD={PRELOAD}", SANDBOX,
                                    "probe"], w, out_in(w), None)
        plain = run_with(launch + [SANDBOX, "probe"], w, out_in(w), None)
        same_output(traced, plain)
        check(b"errno at main: 0\n" in traced.out, f"{how}: {traced.out!r}")
        check(b"pthread_create: EPERM" in traced.out,
              f"{how}: the filter did not hold: {traced.out!r}")
        check(rtrack_lines(traced.err) == [],
              f"{how}: rtrack spoke: {rtrack_lines(traced.err)}")
        check(logs_in(w) == [], f"{how}: log left behind: {logs_in(w)}")


# ---- setuid ------------------------------------------------------------------

def setuid_copy(d):
    """A copy of the sandbox binary, setuid to nobody; Skip where this
    machine cannot honour it."""
    if os.geteuid() != 0:
        raise Skip("setuid copy needs root (chown)")
    if os.statvfs(d).f_flag & os.ST_NOSUID:
        raise Skip(f"{d} is mounted nosuid")
    path = os.path.join(d, "suid-sandbox")
    shutil.copy(SANDBOX, path)
    os.chown(path, NOBODY, NOBODY)
    os.chmod(path, 0o4755)
    p = subprocess.run([path, "ids", "0"], capture_output=True, timeout=30)
    if f"euid={NOBODY} secure=1".encode() not in p.stdout:
        raise Skip(f"setuid bit not honoured here: {p.stdout!r}")
    return path


def case_setuid(d):
    suid = setuid_copy(sub(d, "bin"))
    # Run directly: ld.so drops the preload (or rtrack sees AT_SECURE):
    # no word, no log.
    w = sub(d, "direct")
    r = same_as_plain([suid, "ids", "0"], w, out_in(w))
    check(rtrack_lines(r.err) == [], f"rtrack spoke: {rtrack_lines(r.err)}")
    check(logs_in(w) == [], f"setuid program wrote a log: {logs_in(w)}")
    # As a descendant of a tracked root: the root's log still decodes and
    # the sampler (root may read it) saw the setuid process.
    w = sub(d, "child")
    _, j, _ = traced_json(w, ["sh", "-c", f"{suid} ids 300; echo done"],
                          {"RTRACK_INTERVAL": "0.05"})
    contract(j)
    check(j["meta"]["complete"] and j["meta"]["exit_code"] == 0,
          f"meta {j['meta']}")
    check(with_cmd(j, "suid-sandbox ids"),
          f"setuid child not seen: {[p['cmdline'] for p in j['processes']]}")


# ---- namespaces and set-ID ---------------------------------------------------

def case_unshare(d):
    # unshare(CLONE_NEWUSER) needs a single-threaded caller: the sampler
    # thread must not make it fail (known bug: EINVAL).
    each = Each()
    for name, cmd in (("tool", ["unshare", "-U", "true"]),
                      ("host", [SANDBOX, "userns"])):
        w = sub(d, name)
        plain = run_with(cmd, w, out_in(w), None)
        if plain.rc != 0:
            raise Skip(f"user namespaces unavailable here: {cmd} gives "
                       f"{plain.rc} {plain.out!r} {plain.err!r}")
        traced = run_with(cmd, w, out_in(w), PRELOAD)
        each(f"{cmd[0]} {cmd[1]}", lambda: (same_output(traced, plain),
                                           contract(dump_json(one_log(w)))))
    each.done()


PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"


def acl_users(path):
    """The uids of path's POSIX ACL's named user entries."""
    try:
        raw = os.getxattr(path, "system.posix_acl_access")
    except OSError:
        return []
    ents = [struct.unpack_from("<HHI", raw, o) for o in range(4, len(raw), 8)]
    return [i for tag, _, i in ents if tag == 2]


def case_change_user(d):
    # A job that turns from root into another user: setpriv (a container's
    # gosu does the same) changes its credentials, then execs; a daemon
    # drops root and goes on; a descendant drops while the root stays root.
    # glibc broadcasts each set*id call to every thread, so the sampler
    # steps out around it; the log is opened to the new user first (an
    # entry of its ACL; root stays its owner).  Each must end with a
    # complete log, its one "log written" line, and an exit record from
    # every process: before, the sampler started again as nobody could not
    # open root's 0600 log ("cannot write ...: tracking stopped"), and
    # neither could anything the job started.  A seteuid that root can
    # undo, and a setuid that fails, open it to nobody (the review of the
    # first version, which gave the log away on both).
    if os.geteuid() != 0:
        raise Skip("setpriv --reuid needs root")
    os.chmod(d, 0o755)  # the new uid must still reach its cwd
    # ... and the library: the build tree may sit below a directory only
    # its owner can enter (a fresh clone in a 0700 temporary directory).
    lib = os.path.join(d, "librtrack_preload.so")
    shutil.copy(PRELOAD, lib)
    os.chmod(lib, 0o755)
    prog = os.path.join(d, "sandbox")
    shutil.copy(SANDBOX, prog)
    os.chmod(prog, 0o755)
    setpriv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
               "--clear-groups"]
    cases = (
        ("true", setpriv + ["true"], 1, 0),
        ("id", setpriv + ["sh", "-c", "id -u; id -g; sleep 0.3; /bin/true"],
         5, 0),
        ("drop", [prog, "drop", str(NOBODY), "300"], 2, 0.2),
        ("descendant", ["sh", "-c", " ".join(setpriv) + " sh -c 'id -u; "
                        "sleep 0.3'; /bin/true; id -u"], 6, 0),
        ("seteuid", [PY, "-c", "import os, subprocess\n"
                     f"os.seteuid({NOBODY}); print(os.geteuid())\n"
                     "os.seteuid(0); subprocess.run(['/bin/true'])"], 2, 0),
        ("refused", ["setpriv", "--bounding-set=-setuid", "--", PY, "-c",
                     "import os\ntry:\n"
                     f"    os.setuid({NOBODY})\n"
                     "except PermissionError:\n    print('refused', "
                     f"{NOBODY})\n"], 1, 0),
    )
    each = Each()
    for name, cmd, procs, cpu in cases:
        w = sub(d, name)
        os.chmod(w, 0o777)

        def one(cmd=cmd, w=w, procs=procs, cpu=cpu):
            r = same_as_plain(cmd, w, dict(out_in(w), RTRACK_INTERVAL="0.05"),
                              preload=lib)
            lines = rtrack_lines(r.err)
            check(len(lines) == 1 and "log written" in lines[0],
                  f"rtrack lines {lines}")
            if name != "true":
                check(str(NOBODY) in r.out.decode().split() or
                      f"uid={NOBODY}" in r.out.decode(), f"ids: {r.out!r}")
            j = complete_log(w)
            exact = [p["cmdline"] for p in j["processes"] if p["exact"]]
            check(j["summary"]["processes_sampled_only"] == 0 and
                  len(exact) == procs,
                  f"{len(exact)} of {procs} processes with an exit record: "
                  f"{[(p['cmdline'], p['exact']) for p in j['processes']]}")
            if cpu:
                # The burn after the drop is in the log: the sampler and
                # the end record went on as the new user.
                check(j["summary"]["cpu_seconds"] >= cpu and
                      j["summary"]["samples"] >= 4,
                      f"after the drop: {j['summary']['cpu_seconds']} s CPU, "
                      f"{j['summary']['samples']} samples")
            log = one_log(w)
            check(os.stat(log).st_uid == 0, f"the log's owner changed: "
                  f"{os.stat(log).st_uid}")
            opened = NOBODY in acl_users(log)
            check(opened == (name not in ("seteuid", "refused")),
                  f"ACL users {acl_users(log)}")
        each(name, one)
    each.done()


# ---- descendants without the preload -----------------------------------------

def case_scrubbed_children(d):
    # Children that cannot write an exit record: env -i drops LD_PRELOAD,
    # busybox is static, a setuid program runs without preloads.  Each
    # lives 0.3 s, long enough for the sampler to list it.
    try:
        suid = setuid_copy(sub(d, "bin"))
        suid_part = f"{suid} ids 300; "
    except Skip as e:
        print(f"note: no setuid child in this run: {e}")
        suid, suid_part = None, ""
    check(shutil.which("busybox"), "busybox missing (package busybox-static)")
    script = ("env -i PATH=/usr/bin:/bin sh -c 'echo hi; sleep 0.3'; "
              "busybox sh -c 'echo x; busybox sleep 0.3'; "
              f"{suid_part}echo done")
    w = sub(d, "run")
    _, j, _ = traced_json(w, ["sh", "-c", script], {"RTRACK_INTERVAL": "0.05"})
    contract(j)
    check(j["meta"]["complete"] and j["meta"]["exit_code"] == 0,
          f"meta {j['meta']}")
    cmds = [p["cmdline"] for p in j["processes"]]
    kids = [p for p in j["processes"] if p["pid"] != j["meta"]["pid"]]

    def named(text):
        return [p for p in kids if text in p["cmdline"]]

    groups = {"env -i child": [p for p in kids if p["cmdline"] == "sleep 0.3"]
              + named("echo hi"),
              "busybox": named("busybox")}
    if suid:
        groups["setuid child"] = named("suid-sandbox ids")
    for what, procs in groups.items():
        check(procs, f"{what} not in processes[]: {cmds}")
        if has_exact(j):
            # None of these loaded rtrack: no exit record can exist, and
            # that is expected, not an error.
            check(not any(p["exact"] for p in procs),
                  f"{what} marked exact without an exit record: {procs}")
    check(j["summary"]["processes_seen"] >= 1 + len(groups),
          f"processes_seen {j['summary']['processes_seen']}: {cmds}")


# ---- stacked preloads --------------------------------------------------------

def case_jemalloc(d):
    check(os.path.exists(JEMALLOC), f"{JEMALLOC} missing (package libjemalloc2)")
    hosts = {"malloc": [SANDBOX, "malloc", "4", "200000", "3"],
             "sh": ["sh", "-c", f"{SANDBOX} malloc 2 50000 1; sh -c 'echo end'"]}
    for order in ("first", "last"):
        pre = f"{JEMALLOC} {PRELOAD}" if order == "last" else \
            f"{PRELOAD} {JEMALLOC}"
        for name, cmd in hosts.items():
            w = sub(d, f"{order}-{name}")
            extra = dict(out_in(w), RTRACK_INTERVAL="0.02")
            traced = run_with(cmd, w, extra, pre)
            plain = run_with(cmd, w, extra, JEMALLOC)
            same_output(traced, plain)
            lines = rtrack_lines(traced.err)
            check(len(lines) == 1 and "log written" in lines[0],
                  f"rtrack {order}, {name}: lines {lines}")
            complete_log(w)


def case_asan(d):
    gcc = shutil.which("gcc")
    if not gcc:
        raise Skip("no gcc to build an ASan host")
    libasan = subprocess.run([gcc, "-print-file-name=libasan.so"],
                             capture_output=True, text=True).stdout.strip()
    check(os.path.isabs(libasan) and os.path.exists(libasan),
          f"gcc has no libasan.so ({libasan!r}; package libasan8)")
    exe = os.path.join(d, "sandbox-asan")
    p = subprocess.run([gcc, "-std=c11", "-O1", "-g", "-fsanitize=address",
                        "-fno-omit-frame-pointer", "-pthread", SOURCE,
                        "-o", exe], capture_output=True, text=True)
    check(p.returncode == 0, f"ASan build failed: {p.stderr}")
    # libasan must come first, or ASan refuses to run.
    w = sub(d, "run")
    extra = dict(out_in(w), RTRACK_INTERVAL="0.02")
    cmd = [exe, "malloc", "4", "50000", "2"]
    traced = run_with(cmd, w, extra, f"{libasan} {PRELOAD}")
    plain = run_with(cmd, w, extra, libasan)
    same_output(traced, plain)
    check(traced.rc == 0 and b"Sanitizer" not in traced.err,
          f"ASan report: {traced.err.decode(errors='replace')[:2000]}")
    complete_log(w)


# ---- everyday tools ----------------------------------------------------------

def case_tools(d):
    for name, cmd in (("ps", ["ps", "-p", "1", "-o", "comm="]),
                      ("uname", ["uname", "-a"]),
                      ("bash", ["bash", "-c",
                                "for i in 1 2 3; do echo $i; done | wc -l"])):
        _, j = traced_log(sub(d, name), cmd, {"RTRACK_INTERVAL": "0.02"})
        contract(j)
        check(j["meta"]["complete"] and j["meta"]["exit_code"] == 0,
              f"{name}: meta {j['meta']}")
        if name == "bash":
            bash = j
    r, j, _ = traced_json(sub(d, "sort"),
                          ["sh", "-c", "seq 1000000 | sort | uniq -c | wc -l"],
                          {"RTRACK_INTERVAL": "0.01"})
    check(r.out == b"1000000\n", f"pipeline output {r.out!r}")
    contract(j)
    cmds = [p["cmdline"] for p in j["processes"]]
    check(j["summary"]["processes_seen"] >= 5, f"processes_seen: {cmds}")
    # Each under its own name, not the name of the shell it was forked
    # from (a cmdline read before the exec and never read again).
    for prog in ("seq", "sort", "uniq", "wc"):
        check(any(c.startswith(prog) for c in cmds), f"{prog} not seen: {cmds}")
    if has_exact(bash):
        # Too quick to be sampled, but bash, the loop's subshell and wc
        # each write an exit record.
        check(bash["summary"]["processes_seen"] >= 3,
              f"bash pipeline: {[p['cmdline'] for p in bash['processes']]}")


def case_make(d):
    targets = [f"t{i:02d}" for i in range(1, 21)]
    with open(os.path.join(d, "Makefile"), "w") as f:
        f.write(f"T = {' '.join(targets)}\n"
                "all: $(T)\n\t@cat $(T)\n"
                "$(T):\n\t@sh -c 'echo $@ > $@'\n")
    # -B: the second run (plain) remakes everything the first one made.
    r, j, _ = traced_json(d, ["make", "-j4", "-s", "-B"],
                          {"RTRACK_INTERVAL": "0.01"})
    check(r.out.decode().split() == targets, f"make output {r.out!r}")
    contract(j)
    check(j["meta"]["complete"] and j["meta"]["exit_code"] == 0,
          f"meta {j['meta']}")
    check(j["summary"]["processes_seen"] >= 2,
          f"no recipe seen: {[p['cmdline'] for p in j['processes']]}")
    if has_exact(j):
        sh = [p for p in j["processes"] if p["exact"] and
              p["cmdline"].startswith(("sh -c", "/bin/sh -c"))]
        check(len(sh) >= len(targets), f"{len(sh)} recipe shells exact")


PY_SCRIPT = r"""
import multiprocessing as mp
import subprocess


def work(n):
    s = 0
    for i in range(n):
        s += i * i % 7
    return s


def pool(ctx, **kw):
    p = ctx.Pool(2, **kw)
    try:
        return p.map(work, [250000] * 4)
    finally:
        p.close()
        p.join()


if __name__ == "__main__":
    for method in ("fork", "forkserver", "spawn"):
        print(method, pool(mp.get_context(method)), flush=True)
    print("maxtasksperchild", pool(mp.get_context("fork"), maxtasksperchild=1),
          flush=True)
    r = subprocess.run(["/bin/echo", "x"], capture_output=True, text=True)
    print("subprocess", r.stdout.strip(), r.returncode, flush=True)
"""


def reap_orphans():
    """Wait for every process re-parented to us (PR_SET_CHILD_SUBREAPER):
    their CPU then shows in our RUSAGE_CHILDREN.  Returns that CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def case_python_mp(d):
    script = os.path.join(d, "mp.py")
    with open(script, "w") as f:
        f.write(PY_SCRIPT)
    # Python never waits for its forkserver or its resource tracker: they
    # outlive the parent, and their CPU (the forkserver pool's work) is in
    # no rusage the parent's wait shows.  As a subreaper this test adopts
    # and reaps them, so the whole job's CPU can be compared.
    PR_SET_CHILD_SUBREAPER = 36
    libc = ctypes.CDLL(None, use_errno=True)
    check(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0,
          "cannot become a subreaper")
    w = sub(d, "run")
    extra = dict(out_in(w), RTRACK_INTERVAL="0.05")
    cmd = [sys.executable, script]
    t = time.monotonic()
    try:
        r = e2e.run(cmd, w, extra)
        orphans = reap_orphans()
        plain = e2e.run(cmd, w, extra, preload=False)
        reap_orphans()
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"python did not finish: {e}")
    took = time.monotonic() - t
    same_output(r, plain)
    check(took < 50, f"with and without rtrack took {took:.1f} s")
    check(b"subprocess x 0" in r.out, f"output {r.out!r}")
    lines = rtrack_lines(r.err)
    check(len(lines) == 1 and "log written" in lines[0], f"lines {lines}")
    j = contract(dump_json(one_log(w)))
    check(j["meta"]["complete"] and j["meta"]["exit_code"] == 0,
          f"meta {j['meta']}")
    s = j["summary"]
    whole = r.cpu + orphans - s["tracker_cpu_seconds"]
    print(f"cpu_seconds {s['cpu_seconds']:.3f}; parent's rusage less tracker "
          f"{r.cpu - s['tracker_cpu_seconds']:.3f}, with the orphans "
          f"{whole:.3f}")
    near(s["cpu_seconds"], whole, 0.15, "cpu_seconds vs the whole run's rusage")
    if has_exact(j):
        # 2 + 2 + 2 pool workers, 4 single-task workers, echo.
        exact = sum(1 for p in j["processes"] if p["exact"])
        check(exact >= 11, f"only {exact} exit records")


if __name__ == "__main__":
    e2e.run_case(globals(), "sandbox")
