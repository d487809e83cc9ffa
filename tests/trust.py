#!/usr/bin/env python3
"""Trust tests (issue 13): one case per failure an outside pass found by
running software under the preload in hostile conditions -- failed execs
that stall the host, a file-size limit that kills it, a log file replaced
during the run, warnings in every process and in the job's own files, small
stacks, posix_spawn with a scrubbed environment, two copies of the library,
the ends libc makes itself, and megabytes mapped in every descendant.

Each case compares what the earlier hosts did not: wall time (as a generous
ratio to the same run without the preload, never an absolute figure), the
resource limits the host runs under, the identity of the log file, and the
footprint of a descendant.  Every run is bounded by a timeout here, so a
hang fails the case instead of blocking CI; every case works in a temporary
directory of its own, removed when it passes.

Usage: trust.py CASE   (RTRACK_PRELOAD, RTRACK_DUMP, RTRACK_WORKLOAD and
RTRACK_TRUST come from ctest).  The helpers here are shared by real.py and
limits.py."""
import ctypes
import glob
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
from e2e import PRELOAD, DUMP, check  # noqa: E402

TRUST = os.environ.get("RTRACK_TRUST", "")
NOBODY = 65534
LIBC = ctypes.CDLL(None, use_errno=True)
# abort() must leave no core file (its name would differ between runs).
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

Skip = e2e.Skip


# ---- running a host ---------------------------------------------------------

class Result:
    """One run: exit status (negative: the signal), output, wall time."""

    def __init__(self, rc, out, err, wall):
        self.rc, self.out, self.err, self.wall = rc, out, err, wall

    def describe(self):
        return (f"rc {self.rc}, {self.wall:.2f} s, stdout {self.out[-300:]!r}, "
                f"stderr {self.err[-300:]!r}")


def live_descendants(root):
    """'pid state wchan cmdline' of root and its live descendants (for a
    hang)."""
    return [f"{pid} {st} {wchan} {cmd[:120]}"
            for pid, _, st, wchan, cmd in e2e.descendants(root, True)]


def preexec(limits=None, uid=None, norandom=False):
    """A preexec_fn: resource limits {RLIMIT_X: soft}, then the uid (its
    own group, no others), then ASLR off (the stack's random offset moves
    the edge of a stack limit by up to 8 KiB from run to run)."""
    def fn():
        for res, soft in (limits or {}).items():
            hard = resource.getrlimit(res)[1]
            if hard != resource.RLIM_INFINITY and soft > hard:
                soft = hard
            resource.setrlimit(res, (soft, hard))
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        if norandom:
            LIBC.personality(0x0040000)  # ADDR_NO_RANDOMIZE
    return fn


def uid_settles(uid, limit=5.0):
    """Wait until uid has no process left (RLIMIT_NPROC counts them all:
    one still being reaped would move the edge)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        busy = False
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat(f"/proc/{name}").st_uid == uid:
                        busy = True
                        break
                except OSError:
                    pass
        if not busy:
            return
        time.sleep(0.01)


def go(cmd, cwd, extra=None, preload=True, timeout=30, limits=None, uid=None,
       norandom=False, started=None):
    """Run cmd in cwd with extra environment (RTRACK_* and LD_PRELOAD from
    our own environment dropped); preload: True (the library under test),
    False, or the LD_PRELOAD string.  started(popen) runs once the host is
    started; the wall time counts from its return.  A run past timeout is
    killed with its whole session and fails, listing what its processes
    were waiting in."""
    env = e2e.clean_env(extra or {})
    if preload:
        env["LD_PRELOAD"] = PRELOAD if preload is True else preload
    else:
        # As many bytes of environment as LD_PRELOAD takes: the plain and
        # traced runs start with stacks as full (the edge of RLIMIT_STACK).
        env["RTRACK_PAD"] = "x" * len(PRELOAD)
    fn = None
    if limits or uid is not None or norandom:
        fn = preexec(limits, uid, norandom)
    if uid is not None:
        uid_settles(uid)
    try:
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True, preexec_fn=fn)
    except OSError as e:
        # The limit itself refused the start (EAGAIN under RLIMIT_NPROC,
        # ENOMEM under RLIMIT_AS): a run that did not work.
        return Result(f"not started: {e.strerror}", b"", b"", 0.0)
    t0 = time.monotonic()
    try:
        if started:
            started(p)
            t0 = time.monotonic()
        out, err = p.communicate(timeout=timeout)
    except (subprocess.TimeoutExpired, AssertionError) as e:
        stuck = live_descendants(p.pid)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        for pid in [int(s.split()[0]) for s in stuck]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        p.communicate()
        if isinstance(e, AssertionError):
            raise
        raise AssertionError(
            f"{'traced' if preload else 'plain'} run of {cmd} hung: killed "
            f"after {timeout} s; its processes (pid state wchan cmdline): "
            f"{stuck}")
    return Result(p.returncode, out, err, time.monotonic() - t0)


def files_of(root):
    """{relative path: bytes} of the regular files under root ("<fifo>"
    and the like for other kinds: a FIFO is never opened)."""
    found = {}
    for dp, dirs, names in os.walk(root):
        for n in names:
            path = os.path.join(dp, n)
            st = os.lstat(path)
            rel = os.path.relpath(path, root)
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    found[rel] = f.read()
            else:
                found[rel] = f"<mode {oct(st.st_mode)}>".encode()
    return found


def rtrack_lines(err):
    return e2e.rtrack_lines(err)


def mkdir(d, name, mode=None):
    path = os.path.join(d, name)
    os.mkdir(path)
    if mode is not None:
        os.chmod(path, mode)
    return path


def slow(traced, plain, factor=3.0, slack=0.5):
    """The stall rule: the traced run took more than factor times the plain
    one plus slack seconds."""
    return traced.wall > factor * plain.wall + slack


class Pair:
    """A command run plain (NAME-plain/) and traced (NAME-traced/), the log
    in NAME-logs/.  The host must not tell the difference: exit status,
    stdout, stderr less rtrack's lines, every file written, and wall time
    within a generous ratio (measured again when it looks off, so that a
    busy machine is not taken for a stall)."""

    def __init__(self, d, name, cmd, extra=None, preload=True, timeout=30,
                 limits=None, uid=None, norandom=False, lines=(0, 1),
                 factor=3.0, slack=0.5, out_dir=None, compare_err=True):
        base = os.path.join(d, name)
        self.tdir, self.pdir = base + "-traced", base + "-plain"
        self.ldir = out_dir or base + "-logs"
        for x in (self.tdir, self.pdir, self.ldir):
            if not os.path.isdir(x):
                os.mkdir(x)
        if uid is not None:
            for x in (self.tdir, self.pdir, self.ldir):
                os.chown(x, uid, uid)
        self.what = f"{name}: {cmd}" + (f" under {limits}" if limits else "")
        env = {"RTRACK_OUTPUT": os.path.join(self.ldir, "rtrack-%p.bin")}
        env.update(extra or {})
        kw = dict(timeout=timeout, limits=limits, uid=uid, norandom=norandom)
        self.plain = go(cmd, self.pdir, env, preload=False, **kw)
        self.traced = go(cmd, self.tdir, env, preload=preload, **kw)
        t, p = self.traced, self.plain
        what = "host differs with the preload: " + self.what
        check(t.rc == p.rc, f"{what}: exit status {t.rc} traced, {p.rc} plain"
              f" (traced: {t.describe()})")
        check(t.out == p.out, f"{what}: stdout {t.out[-500:]!r} traced, "
              f"{p.out[-500:]!r} plain")
        if compare_err:
            check(e2e.without_rtrack(t.err) == p.err,
                  f"{what}: stderr {t.err[-500:]!r} traced, {p.err[-500:]!r} "
                  f"plain")
        ft, fp = files_of(self.tdir), files_of(self.pdir)
        check(ft == fp, f"{what}: files differ: traced {sorted(ft)}, plain "
              f"{sorted(fp)}" + "".join(
                  f"\n  {k}: {ft.get(k)!r:.200} vs {fp.get(k)!r:.200}"
                  for k in sorted(set(ft) | set(fp)) if ft.get(k) != fp.get(k)))
        rl = rtrack_lines(t.err)
        if lines is not None:
            check(lines[0] <= len(rl) <= lines[1],
                  f"{self.what}: {len(rl)} rtrack lines (want {lines[0]} to "
                  f"{lines[1]}): {rl}")
        self.lines = rl
        self.retime(cmd, env, kw, preload, factor, slack)

    def retime(self, cmd, env, kw, preload, factor, slack):
        """Fail when the traced run was slower than factor x plain + slack
        three times out of three (the second and third pairs run only when
        the first looked slow)."""
        t, p = self.traced, self.plain
        for i in range(2):
            # Ten times as slow and 5 s more is a stall, not a busy machine.
            if not slow(t, p, factor, slack) or slow(t, p, 10, 5):
                break
            sub = self.tdir[:-len("-traced")] + f"-retime{i}"
            os.mkdir(sub)
            env = dict(env, RTRACK_OUTPUT=os.path.join(sub, "r-%p.bin"))
            p2 = go(cmd, sub, env, preload=False, **kw)
            t2 = go(cmd, sub, env, preload=preload, **kw)
            if t2.wall - p2.wall < t.wall - p.wall:
                t, p = t2, p2
        check(not slow(t, p, factor, slack),
              f"host stalls with the preload: {self.what}: {t.wall:.2f} s "
              f"traced, {p.wall:.2f} s plain (allowed {factor:g}x + "
              f"{slack:g} s)")

    def logs(self):
        return sorted(glob.glob(os.path.join(self.ldir, "*.bin")))

    def log(self):
        logs = self.logs()
        check(len(logs) == 1, f"{self.what}: expected one log, found {logs}")
        return logs[0]


def dump_check(log, what):
    """rtrack-dump --check must say ok (not DAMAGED, no duplicate records)."""
    p = subprocess.run([DUMP, "--check", log], capture_output=True, text=True,
                       timeout=120)
    check(p.returncode == 0 and ": ok:" in p.stdout,
          f"{what}: rtrack-dump --check: rc {p.returncode}: {p.stdout.strip()}"
          f" {p.stderr.strip()}")
    return p.stdout


def dump_json(log):
    p = subprocess.run([DUMP, "--format", "json", log], capture_output=True,
                       timeout=120)
    check(p.returncode == 0, f"rtrack-dump {log}: rc {p.returncode} "
          f"{p.stderr.decode(errors='replace')}")
    return json.loads(p.stdout)


def dump_summary(log):
    p = subprocess.run([DUMP, log], capture_output=True, text=True,
                       timeout=120)
    check(p.returncode == 0, f"rtrack-dump {log}: rc {p.returncode} "
          f"{p.stderr}")
    return p.stdout


def stray_logs(root):
    """Every file under root that starts with the log's magic."""
    found = []
    for dp, _, names in os.walk(root):
        for n in names:
            path = os.path.join(dp, n)
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                with open(path, "rb") as f:
                    if f.read(8) == b"\x89RTRACK\n":
                        found.append(path)
            except OSError:
                pass
    return sorted(found)


class Each:
    """Run every variant of a case, then fail with all that failed."""

    def __init__(self):
        self.failed = []

    def __call__(self, what, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except AssertionError as e:
            self.failed.append(f"[{what}] {e}")

    def done(self):
        check(not self.failed, "\n  ".join(self.failed))


def need_trust():
    check(os.path.exists(TRUST), f"RTRACK_TRUST={TRUST!r} is not built")


# ---- 1. failed execs stall the root -----------------------------------------

MISSING = [f"/nonexistent/trust-path-{i}" for i in range(11)]


def case_exec_path(d):
    # Every failed exec of a PATH search stalled ~1 s in the root: 3 s for
    # three missing directories, 7-9 s for eleven.
    each = Each()
    for name, path, cmd in (
            ("three", "/a:/b:/c:/usr/bin:/bin", ["sh", "-c", "exec true"]),
            ("eleven", ":".join(MISSING + ["/usr/bin:/bin"]),
             ["sh", "-c", "exec sleep 0.1"]),
            ("descendant", ":".join(MISSING + ["/usr/bin:/bin"]),
             ["sh", "-c", "sh -c 'exec true'; echo after"]),
            ("env", ":".join(MISSING + ["/usr/bin:/bin"]),
             ["env", "true"])):
        def one():
            pr = Pair(d, name, cmd, {"PATH": path, "RTRACK_INTERVAL": "0.05"},
                      timeout=20)
            dump_check(pr.log(), pr.what)
        each(name, one)
    each.done()


def case_exec_threads(d):
    # Failed execs from four threads at once (the sampler is asked for an
    # exec sweep by several threads together), then a successful one.
    need_trust()
    each = Each()
    for name, extra in (("1s", {}), ("1ms", {"RTRACK_INTERVAL": "0.001"})):
        def one():
            pr = Pair(d, name, [TRUST, "execfail", "4", "10", "/bin/echo",
                                "done"], extra, timeout=20)
            check(pr.traced.out == b"done\n", pr.traced.describe())
            dump_check(pr.log(), pr.what)
        each(name, one)
    each.done()


def case_exec_loop(d):
    # 200 failed execve in a loop while the sampler samples every 1 ms: a
    # handshake that can miss the sampler's wake-up stalls here.
    need_trust()
    pr = Pair(d, "loop", [TRUST, "execloop", "200"],
              {"RTRACK_INTERVAL": "0.001"}, timeout=20)
    check(pr.traced.out == b"200 of 200 execs failed ENOENT\n",
          pr.traced.describe())
    j = dump_json(pr.log())
    check(j["meta"]["complete"] and j["meta"]["exit_code"] == 0,
          f"meta {j['meta']}")


# ---- 2. a file-size limit ----------------------------------------------------

def case_sigxfsz(d):
    # Under RLIMIT_FSIZE the log's write raised SIGXFSZ in the host: /bin/true
    # died with 153 at 0, and every descendant died at its exit record once
    # the log passed the limit.  The host must end as bare, no signal ever,
    # with one line from the root at most.
    each = Each()
    script = ("i=0; while [ $i -lt 40 ]; do /bin/true; i=$((i+1)); done; "
              "echo done")
    for limit in (0, 600, 4096, 16384):
        for name, cmd in (("true", ["/bin/true"]),
                          ("sh", ["sh", "-c", script])):
            def one():
                pr = Pair(d, f"{name}-{limit}", cmd, {"RTRACK_INTERVAL": "0.01"},
                          limits={resource.RLIMIT_FSIZE: limit}, timeout=30)
                check(pr.traced.rc == 0, pr.traced.describe())
            each(f"{name} at RLIMIT_FSIZE {limit}", one)
    # stderr a file already at the limit (a batch job's error file under
    # `ulimit -f`): rtrack's one line, "cannot create" at 0 or "log
    # written" above, raised SIGXFSZ there and killed /bin/true, which
    # writes nothing (rc -25, the outside pass's class, found again).
    for limit in (0, 600):
        def on_file():
            rcs = {}
            for traced in (False, True):
                err = os.path.join(d, f"err-{limit}-{traced}")
                with open(err, "wb") as f:
                    f.write(b"x" * limit)
                env = e2e.clean_env({"RTRACK_OUTPUT":
                                     os.path.join(d, f"f-{limit}-%p.bin")})
                if traced:
                    env["LD_PRELOAD"] = PRELOAD
                with open(err, "ab") as f:
                    rcs[traced] = subprocess.run(
                        ["/bin/true"], cwd=d, env=env, stderr=f, timeout=30,
                        preexec_fn=preexec({resource.RLIMIT_FSIZE: limit},
                                           None, False)).returncode
            check(rcs[True] == rcs[False] == 0, f"exit status {rcs}")
        each(f"/bin/true, stderr a file at RLIMIT_FSIZE {limit}", on_file)
    each.done()


def case_disk_full(d):
    # The log's filesystem fills during the run (a small tmpfs, most of it
    # taken): the host runs as bare, the line says why ("no space left on
    # device"; it gave no reason), and the log ends with whole records:
    # the write that failed part way left half a record, which the
    # decoder reported as damage (a torn tail) and, with no END, as a job
    # that was killed or crashed.
    if os.geteuid() != 0:
        raise e2e.Skip("mounting a small filesystem needs root")
    small = mkdir(d, "small")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                       small], capture_output=True).returncode:
        raise e2e.Skip("cannot mount a tmpfs here")
    try:
        with open(os.path.join(small, "fill"), "wb") as f:
            f.write(b"\0" * (56 << 10))
        script = ("i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); "
                  "done; echo done")
        pr = Pair(d, "full", ["sh", "-c", script],
                  {"RTRACK_INTERVAL": "0.005"}, out_dir=small)
        lines = rtrack_lines(pr.traced.err)
        check(len(lines) == 1 and "no space left on device; tracking "
              "stopped" in lines[0], f"rtrack's lines {lines}")
        dump_check(pr.log(), "a log that filled its filesystem")
    finally:
        subprocess.run(["umount", small], capture_output=True)


# ---- 3. the log replaced during the run --------------------------------------

REPLACE_JOB = ("read x < \"$GO\"; i=0; while [ $i -lt 5 ]; do /bin/true; "
               "i=$((i+1)); done; ls; echo done")


def replaced_run(d, name, replace, dir_mode=None):
    """The job waits on a FIFO of ours, the log is replaced (replace(path)),
    then the job runs five descendants and ends.  Returns (log path, the
    traced and plain results)."""
    ctl = mkdir(d, name + "-ctl")
    fifo = os.path.join(ctl, "go")
    os.mkfifo(fifo)
    tdir, pdir = mkdir(d, name + "-traced"), mkdir(d, name + "-plain")
    ldir = mkdir(d, name + "-logs", dir_mode)
    cmd = ["sh", "-c", REPLACE_JOB]
    env = {"GO": fifo, "RTRACK_OUTPUT": os.path.join(ldir, "job.bin"),
           "RTRACK_INTERVAL": "0.05"}
    log = os.path.join(ldir, "job.bin")

    def release(replace_first):
        def started(p):
            if replace_first:
                end = time.monotonic() + 10
                while not os.path.exists(log):
                    check(p.poll() is None, f"job ended early: rc {p.returncode}")
                    check(time.monotonic() < end, "the log never appeared")
                    time.sleep(0.01)
                time.sleep(0.1)  # a sample or two in the log first
                replace(log)
            fd = os.open(fifo, os.O_WRONLY)
            os.write(fd, b"go\n")
            os.close(fd)
        return started

    plain = go(cmd, pdir, env, preload=False, timeout=15,
               started=release(False))
    traced = go(cmd, tdir, env, timeout=15, started=release(True))
    what = f"{name}: host differs with the preload"
    check((traced.rc, traced.out) == (plain.rc, plain.out),
          f"{what}: traced {traced.describe()}; plain {plain.describe()}")
    check(e2e.without_rtrack(traced.err) == plain.err,
          f"{what}: stderr {traced.err!r} vs {plain.err!r}")
    lines = rtrack_lines(traced.err)
    check(len(lines) <= 1, f"{name}: rtrack lines {lines}")
    # Never "log written to PATH" where PATH is no longer the log: the
    # user would look there (the root's descriptor kept it writing; it
    # said so, found by a pass of hostile conditions).
    check(not any("log written to" in l for l in lines),
          f"{name}: the root says {lines} of a log that is no longer there")
    check(not slow(traced, plain),
          f"{name}: host stalls with the preload: {traced.wall:.2f} s after "
          f"the release, {plain.wall:.2f} s plain")
    return log, traced, plain


def case_log_deleted(d):
    # Deleted: no record may create a new file at the path (it would be a
    # file without a header, not the one rtrack created).
    log, _, _ = replaced_run(d, "deleted", os.unlink)
    if os.path.lexists(log):
        raise AssertionError(f"a file was created at the deleted log's "
                             f"path: {open(log, 'rb').read()[:64]!r}")


def case_log_swapped(d):
    # A regular file of the same user swapped in (the job reused the name):
    # not the file rtrack created (another inode), so it gets no record.
    precious = b"the job's own file\n"

    def swap(path):
        os.unlink(path)
        with open(path, "wb") as f:
            f.write(precious)
    log, _, _ = replaced_run(d, "swapped", swap)
    got = open(log, "rb").read()
    extra = len(got) - len(precious)
    check(got == precious, f"the swapped-in file received {extra} bytes of "
          f"the job's records: {got[:80]!r}")


def case_log_renamed(d):
    moved = []

    def rename(path):
        moved.append(path + ".moved")
        os.rename(path, moved[0])
    log, _, _ = replaced_run(d, "renamed", rename)
    check(not os.path.lexists(log),
          "a file was created at the renamed log's old path")
    dump_check(moved[0], "the renamed log")


def case_log_fifo(d):
    # A FIFO at the log's path: each descendant blocked in open at its exit,
    # and so did the root.  Never block; write nothing into it.
    def fifo(path):
        os.unlink(path)
        os.mkfifo(path, 0o600)
    log, _, _ = replaced_run(d, "fifo", fifo)
    check(stat.S_ISFIFO(os.lstat(log).st_mode), "the FIFO was replaced")


def case_log_other_user(d):
    # Another user's 0666 file swapped in for the log, in a world-writable
    # sticky directory and in a group-writable one: it must receive none of
    # the job's records.
    if os.geteuid() != 0:
        raise Skip("a file of another user needs root (chown)")
    each = Each()
    for name, mode in (("sticky", 0o1777), ("group", 0o775)):
        def swap(path):
            os.unlink(path)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            os.close(fd)
            os.chown(path, NOBODY, NOBODY)
            os.chmod(path, 0o666)

        def one():
            log, _, _ = replaced_run(d, name, swap, dir_mode=mode)
            st = os.lstat(log)
            check(st.st_uid == NOBODY and stat.S_ISREG(st.st_mode),
                  f"the swapped file was replaced: {st}")
            check(st.st_size == 0,
                  f"another user's file received {st.st_size} bytes of the "
                  f"job's records: {open(log, 'rb').read()[:64]!r}")
        each(name, one)
    each.done()


# ---- 4. one warning, from the root, on its own stderr ------------------------

WARN_JOB = ("i=0; while [ $i -lt 10 ]; do /bin/true; i=$((i+1)); done; "
            "ls /nonexistent-trust-dir 2>err.txt; echo status $?")


def warn_pairs(d, job):
    each = Each()
    for name, extra in (("interval", {"RTRACK_INTERVAL": "abc"}),
                        ("memory", {"RTRACK_MEMORY": "uss"}),
                        ("unwritable", {"RTRACK_OUTPUT":
                                        "/nonexistent-trust-dir/x-%p.bin"})):
        def one():
            pr = Pair(d, name, ["sh", "-c", job], extra, lines=(1, 1))
            check(pr.logs() == [], f"{name}: a log was written: {pr.logs()}")
        each(name, one)
    each.done()


def case_warn_once(d):
    # A bad setting printed one warning per process: 11 lines for a shell
    # with 10 children.  Only the root warns, once.
    warn_pairs(d, "i=0; while [ $i -lt 10 ]; do /bin/true; i=$((i+1)); done")


def case_warn_job_files(d):
    # A child's warning landed in the file the job pointed its stderr at
    # (sh -c 'ls 2>err.txt'): the job's files must be byte-identical to a
    # bare run's (Pair compares them), the one line on the root's stderr.
    warn_pairs(d, WARN_JOB)


def case_stderr_closed_pipe(d):
    # `job 2>&1 | head -1`: head is gone when the root exits, and the
    # root's one line ("log written to ...") met a closed pipe: SIGPIPE
    # killed the job at its exit (141 where it exits 3 bare).
    r, w = os.pipe()
    os.close(r)
    try:
        got = {}
        for traced in (False, True):
            env = e2e.clean_env({"RTRACK_OUTPUT":
                                 os.path.join(d, "pipe-%p.bin")})
            if traced:
                env["LD_PRELOAD"] = PRELOAD
            got[traced] = subprocess.run(
                ["sh", "-c", "echo out; exit 3"], cwd=d, env=env,
                stdout=subprocess.DEVNULL, stderr=w, timeout=30).returncode
    finally:
        os.close(w)
    check(got[True] == got[False] == 3,
          f"stderr a closed pipe: exit {got[True]} traced, {got[False]} plain")
    check(len(glob.glob(os.path.join(d, "pipe-*.bin"))) == 1, "no log")


# ---- 5. small stacks ---------------------------------------------------------

def edge(pred, lo, hi):
    """The smallest value in [lo, hi] for which pred holds (pred monotonic:
    false below the edge, true from it); None if pred(hi) is false."""
    if not pred(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def bare_works(cmd, cwd, want_out, limits_of, runs=3, **kw):
    """A predicate for edge(): the bare run exits 0 with want_out, `runs`
    times in a row, under limits_of(value)."""
    def pred(v):
        for _ in range(runs):
            r = go(cmd, cwd, kw.get("extra"), preload=False,
                   limits=limits_of(v), timeout=kw.get("timeout", 20),
                   uid=kw.get("uid"), norandom=kw.get("norandom", False))
            if r.rc != 0 or r.out != want_out:
                return False
        return True
    return pred


def case_small_stack(d):
    # With a 16-24 KiB stack the root crashed where the bare program runs.
    # At the smallest stack where each program works bare, and above it,
    # it must work the same with the preload.
    need_trust()
    each = Each()
    work = mkdir(d, "probe")
    # One log directory for every run: the environment, which sits on the
    # stack, is the same size in the search for the edge and at it.
    logs = mkdir(d, "logs")
    extra = {"RTRACK_OUTPUT": os.path.join(logs, "rtrack-%p.bin"),
             "RTRACK_INTERVAL": "0.05"}
    progs = (("true", ["/bin/true"], b""),
             ("small", [TRUST, "stack"], b"small\n"),
             ("sh", ["sh", "-c", "/bin/true; echo x"], b"x\n"))
    for name, cmd, out in progs:
        def kib(v):
            return {resource.RLIMIT_STACK: v * 1024}
        e = edge(bare_works(cmd, work, out, kib, norandom=True, extra=extra),
                 4, 8192)
        check(e is not None, f"{name} fails bare even with 8 MiB of stack")
        print(f"{name}: works bare from RLIMIT_STACK {e} KiB")
        for v in sorted({e, e + 4, e + 8, e + 16, e + 32, 64}):
            if v < e:
                continue
            each(f"{name} at {v} KiB (bare edge {e} KiB)", Pair, d,
                 f"{name}-{v}", cmd, extra, limits=kib(v), norandom=True,
                 timeout=20, out_dir=logs)
    each.done()


# ---- 6. posix_spawn with a scrubbed environment ------------------------------

def case_spawn_env(d):
    # posix_spawn(p) with an environment of LD_PRELOAD alone: the child
    # became a root of its own (a stray rtrack-PID.bin in the job's
    # directory, a second line).  It must be recorded in the job's one log.
    need_trust()
    each = Each()
    for how, prog in (("spawn", "/bin/echo"), ("spawnp", "echo")):
        def one():
            pr = Pair(d, how, [TRUST, "spawnenv", how, prog, "spawned-child"],
                      {"RTRACK_INTERVAL": "0.05"}, lines=(1, 1))
            check(pr.traced.out == f"spawned-child\n{how} child: exited 0\n"
                  .encode(), pr.traced.describe())
            check(stray_logs(pr.tdir) == [],
                  f"stray logs: {stray_logs(pr.tdir)}")
            log = pr.log()
            dump_check(log, pr.what)
            j = dump_json(log)
            kids = [p for p in j["processes"] if p["pid"] !=
                    j["meta"]["pid"] and "spawned-child" in p["cmdline"]]
            check(len(kids) == 1 and kids[0]["exit_code"] == 0 and
                  kids[0]["exact"],
                  f"the spawned child is not in the job's log: "
                  f"{[(p['pid'], p['cmdline']) for p in j['processes']]}")
        each(how, one)
    each.done()


# ---- 7. two copies of the library -------------------------------------------

def case_two_copies(d):
    # LD_PRELOAD naming the library twice by two paths, or an rtrack run
    # inside a job traced by another install: two samplers wrote one log
    # (--check DAMAGED, duplicate exit records) and printed two lines.
    copy_dir = mkdir(d, "other-install")
    copy = os.path.join(copy_dir, os.path.basename(PRELOAD))
    shutil.copy(PRELOAD, copy)
    job = "/bin/true; sleep 0.2; /bin/true; echo done"
    # The inner run loads the second copy only where the outer job is
    # traced: the plain run stays plain.
    nested = (f"[ -n \"$LD_PRELOAD\" ] && export LD_PRELOAD=\"{copy} "
              f"$LD_PRELOAD\"; sh -c '{job}'; echo outer")
    each = Each()
    for name, pre, script in (("both", f"{PRELOAD} {copy}", job),
                              ("reversed", f"{copy} {PRELOAD}", job),
                              ("nested", PRELOAD, nested)):
        def one():
            pr = Pair(d, name, ["sh", "-c", script],
                      {"RTRACK_INTERVAL": "0.05"}, preload=pre, lines=(1, 1))
            log = pr.log()
            dump_check(log, pr.what)
            j = dump_json(log)
            pids = [p["pid"] for p in j["processes"]]
            check(len(pids) == len(set(pids)), f"processes twice: {pids}")
            trues = [p for p in j["processes"] if p["cmdline"] == "/bin/true"]
            check(len(trues) == 2, f"{len(trues)} /bin/true rows, want 2")
        each(name, one)
    each.done()


# ---- 9. ends libc makes itself ----------------------------------------------

def case_assert(d):
    # A failed assert(): glibc aborts from inside (not through the exported
    # abort).  The log had no samples and said "killed or crashed"; it must
    # record the end as SIGABRT.
    need_trust()
    pr = Pair(d, "assert", [TRUST, "assert"], {"RTRACK_INTERVAL": "0.05"})
    check(pr.traced.rc == -signal.SIGABRT, pr.traced.describe())
    log = pr.log()
    j = dump_json(log)
    m = j["meta"]
    check(m["exit_code"] is None and m.get("exit_signal") == 6,
          f"meta exit_code {m['exit_code']} exit_signal {m.get('exit_signal')}"
          f", want signal 6 (SIGABRT)")
    text = dump_summary(log)
    check("killed or crashed" not in text and "signal 6" in text,
          f"summary: {text}")


def case_daemon(d):
    # daemon(3): glibc forks and the root _exits from inside libc, so the
    # job was never sampled again.  The job must be followed into the
    # daemon: samples while it burns its second, and its CPU in the log.
    need_trust()
    burn = 1.0
    ldir = mkdir(d, "logs")
    tdir, pdir = mkdir(d, "traced"), mkdir(d, "plain")
    env = {"RTRACK_OUTPUT": os.path.join(ldir, "rtrack-%p.bin"),
           "RTRACK_INTERVAL": "0.05"}
    results = []
    for wd, pre in ((pdir, False), (tdir, True)):
        r = go([TRUST, "daemon", str(burn)], wd, env, preload=pre, timeout=20)
        done = os.path.join(wd, "daemon.done")
        end = time.monotonic() + 20
        while not os.path.exists(done):
            check(time.monotonic() < end, f"{done} never appeared")
            time.sleep(0.05)
        r.done_at = time.time()
        results.append(r)
    time.sleep(0.5)  # the daemon's exit, after its file
    plain, traced = results
    check((traced.rc, traced.out) == (plain.rc, plain.out) and
          e2e.without_rtrack(traced.err) == plain.err,
          f"host differs: traced {traced.describe()}; plain {plain.describe()}")
    check(files_of(tdir) == files_of(pdir), "files differ")
    logs = glob.glob(os.path.join(ldir, "*.bin"))
    check(len(logs) == 1, f"logs {logs}")
    j = dump_json(logs[0])
    ts = [x["timestamp"] for x in j["samples"]]
    span = (max(ts) - j["meta"]["start_time"]) if ts else 0
    check(span >= 0.7 * burn,
          f"the daemon was not sampled: the samples span {span:.2f} s of a "
          f"job whose daemon burnt {burn} s ({len(ts)} samples)")
    s = j["summary"]
    check(s["cpu_seconds"] >= 0.7 * burn,
          f"the daemon's CPU is not in the log: cpu_seconds "
          f"{s['cpu_seconds']:.3f}, the daemon burnt {burn} s")


def case_clone_vm(d):
    # A clone(CLONE_VM) child's exit() ran the shared on_exit list: the
    # root then wrote no end record.  The END must be there, with code 3.
    need_trust()
    pr = Pair(d, "clonevm", [TRUST, "clonevm", "3"], {"RTRACK_INTERVAL": "0.05"})
    check(pr.traced.out == b"clone(CLONE_VM) child exited 0\n" and
          pr.traced.rc == 3, pr.traced.describe())
    j = dump_json(pr.log())
    check(j["meta"]["complete"] and j["meta"]["exit_code"] == 3,
          f"no end record after a CLONE_VM child's exit(): meta {j['meta']}")


def case_image_change(d):
    # The root turns into an image that cannot load the preload: a static
    # binary, or env -i.  The log said "killed or crashed"; it must record
    # the change of image for what it is: the summary's exit line says
    # "exec'd IMAGE", the JSON's meta.ended_by is "exec_unenterable".
    need_trust()
    busybox = shutil.which("busybox")
    if not busybox:
        raise Skip("busybox missing (package busybox-static)")
    burn = "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo end"
    each = Each()
    for name, cmd in (("static", [TRUST, "become", busybox, "sh", "-c", burn]),
                      ("env-i", [TRUST, "become", "/usr/bin/env", "-i",
                                 "/bin/sh", "-c", burn])):
        def one():
            pr = Pair(d, name, cmd, {"RTRACK_INTERVAL": "0.05"})
            check(pr.traced.out == b"end\n", pr.traced.describe())
            log = pr.log()
            text = dump_summary(log)
            check("killed or crashed" not in text,
                  f"the change of image is taken for a crash: {text}")
            exit_line = [x for x in text.splitlines()
                         if x.strip().startswith("exit ")]
            check(exit_line and "exec'd" in exit_line[0],
                  f"the summary's exit line does not say the exec: {text}")
            m = dump_json(log)["meta"]
            check(m.get("ended_by") == "exec_unenterable",
                  f"JSON meta.ended_by {m.get('ended_by')!r}, want "
                  f"'exec_unenterable' ({m})")
        each(name, one)
    each.done()


# ---- 12. the footprint of a descendant ---------------------------------------

def status_kib(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise AssertionError(f"/proc/{pid}/status has no {key}")


def descendant_vm(d, preload):
    """VmSize and VmData (KiB) of a `sleep` that is a descendant."""
    env = e2e.clean_env({"RTRACK_OUTPUT": os.path.join(d, "r-%p.bin"),
                         "RTRACK_QUIET": "1"})
    if preload:
        env["LD_PRELOAD"] = PRELOAD
    p = subprocess.Popen(["sh", "-c", "sleep 5 & echo $!; wait"], cwd=d,
                         env=env, stdout=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        pid = int(p.stdout.readline())
        end = time.monotonic() + 5
        while True:  # until the child has exec'd sleep and loaded
            try:
                cmd = open(f"/proc/{pid}/cmdline", "rb").read()
            except OSError:
                cmd = b""
            if cmd.startswith(b"sleep"):
                break
            check(time.monotonic() < end, "sleep never started")
            time.sleep(0.01)
        time.sleep(0.2)
        return status_kib(pid, "VmSize"), status_kib(pid, "VmData")
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=10)


def case_footprint(d):
    # The sampler's ~3 MiB table sat in .bss, mapped in every descendant.
    # A descendant must grow by well under 1 MiB of data and 1.5 MiB in
    # all (the library's own text included).
    bare = descendant_vm(mkdir(d, "bare"), False)
    traced = descendant_vm(mkdir(d, "traced"), True)
    size, data = traced[0] - bare[0], traced[1] - bare[1]
    print(f"descendant sleep: VmSize +{size} KiB, VmData +{data} KiB")
    check(size < 1536, f"a descendant maps {size} KiB more than bare "
          f"(VmSize {traced[0]} vs {bare[0]} KiB; VmData +{data} KiB)")
    check(data < 1024, f"a descendant's data grows by {data} KiB "
          f"(VmData {traced[1]} vs {bare[1]} KiB)")


if __name__ == "__main__":
    e2e.run_case(globals(), "trust")
