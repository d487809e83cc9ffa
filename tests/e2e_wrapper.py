#!/usr/bin/env python3
"""End-to-end tests of the rtrack wrapper (lib/wrapper/): the job's parent,
which sets the library and its options in the command's environment alone,
waits for the command as GNU time does and appends what that wait saw to
the log (a REAPED record, lib/format/FORMAT.md W).

Each case compares with the command run bare where the wrapper promises
the same (exit status, signals, output), and reads the log with
rtrack-dump --format json where it promises a complete log: a root that
exec'd a static program or a scrubbed environment, a root killed by
SIGKILL, and a wrapper run inside a tracked job that must write one log
of its own and no stray ones.

Usage: e2e_wrapper.py CASE   (RTRACK_WRAPPER, the built rtrack wrapper, and
RTRACK_PRELOAD, RTRACK_DUMP, RTRACK_WORKLOAD come from ctest)."""
import glob
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
from e2e import DUMP, PRELOAD, check, run_case  # noqa: E402

WRAPPER = os.environ["RTRACK_WRAPPER"]
BUSYBOX = shutil.which("busybox") or "/bin/busybox"
# About half a second of CPU in busybox's static shell.
LOOP = "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done"
Skip = e2e.Skip


def env_of(extra=None, preload=None):
    """The caller's environment less rtrack's, plus extra; LD_PRELOAD
    only when preload is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTRACK_")}
    env.pop("LD_PRELOAD", None)
    env["LC_ALL"] = "C"
    if preload:
        env["LD_PRELOAD"] = preload
    env.update(extra or {})
    return env


class Run:
    def __init__(self, p, cpu):
        self.rc, self.out, self.err, self.cpu = (p.returncode, p.stdout,
                                                 p.stderr.decode(errors="replace"),
                                                 cpu)


def run(cmd, cwd, extra=None, preload=None, timeout=60, session=False):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, cwd=cwd, env=env_of(extra, preload),
                       capture_output=True, timeout=timeout,
                       start_new_session=session)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(p, cpu)


def wrapped(args, cwd, **kw):
    return run([WRAPPER] + args, cwd, **kw)


def logs(d, pattern="*.bin"):
    return sorted(glob.glob(os.path.join(d, pattern)))


def one(d):
    found = logs(d)
    check(len(found) == 1, f"expected one log in {d}, found {found}")
    return found[0]


def js(log):
    p = subprocess.run([DUMP, "--format", "json", log], capture_output=True,
                       timeout=60)
    check(p.returncode == 0, f"rtrack-dump {log}: {p.stderr.decode()}")
    return json.loads(p.stdout)


def shell_status(rc):
    """A Python returncode as a shell reports it."""
    return 128 - rc if rc < 0 else rc


def need_busybox():
    if not os.access(BUSYBOX, os.X_OK):
        raise Skip("no busybox (busybox-static)")
    p = subprocess.run(["file", "-L", BUSYBOX], capture_output=True, text=True)
    if p.returncode == 0 and "statically linked" not in p.stdout:
        raise Skip(f"{BUSYBOX} is not static")


def case_inside_job(d):
    # A shell tracked by the library (LD_PRELOAD and, once it runs,
    # RTRACK_ROOT) runs the wrapper with and without -o: one log of its
    # own each, the outer job's, and nothing else: the wrapper's helpers
    # write none, and no message points at a line that is not there.
    script = (f"{WRAPPER} -o X.bin -- true && {WRAPPER} -- sh -c 'exit 4';"
              " echo rc=$?")
    r = run(["sh", "-c", script], d, preload=PRELOAD,
            extra={"RTRACK_OUTPUT": os.path.join(d, "outer-%p.bin")})
    check(r.out == b"rc=4\n", f"stdout {r.out!r}\n{r.err}")
    check("no log" not in r.err and "line above" not in r.err, r.err)
    check(r.err.count("rtrack summary") == 2, f"two summaries:\n{r.err}")
    outer = logs(d, "outer-*.bin")
    inner = logs(d, "rtrack-*.bin")
    check(len(outer) == 1 and os.path.exists(os.path.join(d, "X.bin")) and
          len(inner) == 1 and len(logs(d)) == 3,
          f"logs: {os.listdir(d)}")
    jx, ji, jo = js(os.path.join(d, "X.bin")), js(inner[0]), js(outer[0])
    check(jx["meta"]["cmdline"] == "true" and jx["meta"]["exit_code"] == 0,
          f"X.bin: {jx['meta']}")
    check(ji["meta"]["exit_code"] == 4 and ji["meta"]["complete"],
          f"inner: {ji['meta']}")
    check(ji["meta"]["ended_by"] == "end_record", f"inner: {ji['meta']}")
    # Each inner root is a process of the outer job, with its exit record.
    pids = {p["pid"]: p for p in jo["processes"]}
    for j in (jx, ji):
        p = pids.get(j["meta"]["pid"])
        check(p and p["exact"], f"outer row of {j['meta']['pid']}: {p}")

    # The library already in the wrapper's own LD_PRELOAD, no job yet: the
    # wrapper does not load it, the command's log is the only one.
    sub = os.path.join(d, "alone")
    os.mkdir(sub)
    r = wrapped(["-q", "--", "sh", "-c", "exit 0"], sub, preload=PRELOAD)
    check(r.rc == 0 and len(logs(sub)) == 1, f"{r.rc} {os.listdir(sub)}\n"
          f"{r.err}")

    # Inside a job whose RTRACK_OUTPUT is the wrapper's default: the run's
    # log is still its own (the library tells a nested run by its
    # RTRACK_OUTPUT), and the outer one is there too.
    sub = os.path.join(d, "same")
    os.mkdir(sub)
    r = run(["sh", "-c", f"{WRAPPER} -q -- true"], sub, preload=PRELOAD,
            extra={"RTRACK_OUTPUT": "rtrack-%p.bin", "RTRACK_QUIET": "1"})
    found = logs(sub)
    check(r.rc == 0 and len(found) == 2, f"{r.rc} {found}\n{r.err}")
    check(sorted(js(f)["meta"]["cmdline"] for f in found) ==
          sorted(["sh -c " + f"{WRAPPER} -q -- true", "true"]),
          f"{[js(f)['meta']['cmdline'] for f in found]}")


def case_static_exec(d):
    # The root execs a static program, which cannot load the library: the
    # log ends with the wrapper's record, its exit status known and the
    # static image's CPU in it (wait4's), within 20% of what getrusage
    # says of the run (the wrapper's and its summary's few ms included).
    need_busybox()
    cmd = ["sh", "-c", f"exec {BUSYBOX} sh -c '{LOOP}; exit 3'"]
    bare = run(cmd, d)
    r = wrapped(["-i", "0.1", "--"] + cmd, d)
    check(r.rc == 3 == bare.rc, f"status {r.rc}, bare {bare.rc}\n{r.err}")
    check("killed or crashed" not in r.err, r.err)
    check("exit code 3, seen by the rtrack wrapper" in r.err, r.err)
    check("the root exec'd busybox" in r.err, r.err)
    j = js(one(d))
    m = j["meta"]
    check(m["complete"] and m["exit_code"] == 3 and m["ended_by"] == "wrapper"
          and m["unseen_image"] == "busybox", f"meta {m}")
    cpu = j["summary"]["cpu_seconds"]
    check(r.cpu > 0.1 and abs(cpu - r.cpu) <= 0.2 * r.cpu,
          f"cpu {cpu:.3f} s in the log, {r.cpu:.3f} s by getrusage")
    root = [p for p in j["processes"] if p["pid"] == m["pid"]]
    check(root and root[0]["exit_code"] == 3 and
          root[0]["cpu_seconds"] >= 0.8 * r.cpu, f"root row {root}")
    check(m["end_time"] - m["start_time"] >= 0.8 * cpu,
          f"duration {m['end_time'] - m['start_time']}")


def case_sigkill(d):
    # A root killed by SIGKILL writes no END: the wrapper saw signal 9.
    r = wrapped(["--", "sh", "-c", "kill -KILL $$"], d)
    check(r.rc == 128 + 9, f"status {r.rc}")
    check("killed by signal 9 (SIGKILL), seen by the rtrack wrapper" in r.err,
          r.err)
    check("killed or crashed" not in r.err, r.err)
    m = js(one(d))["meta"]
    check(m["complete"] and m["exit_code"] is None and m["exit_signal"] == 9
          and m["ended_by"] == "wrapper", f"meta {m}")
    p = subprocess.run([DUMP, "--check", one(d)], capture_output=True,
                       text=True)
    check(p.returncode == 0 and "reaped record" in p.stdout, p.stdout)


def case_env_cleared(d):
    # The root execs through env -i: the new image has no LD_PRELOAD.
    cmd = ["sh", "-c", "exec env -i /bin/sh -c 'exit 7'"]
    r = wrapped(["-q", "--"] + cmd, d)
    check(r.rc == 7, f"status {r.rc}\n{r.err}")
    m = js(one(d))["meta"]
    check(m["complete"] and m["exit_code"] == 7 and m["ended_by"] == "wrapper"
          and m["unseen_image"] == "sh", f"meta {m}")


def case_passthrough(d):
    # Exit statuses, signals and output as the command bare gives them.
    cmds = [["true"], ["false"], ["sh", "-c", "echo out; echo err >&2; exit 3"],
            ["sh", "-c", "exit 255"], ["sh", "-c", "kill -TERM $$"],
            ["sh", "-c", "kill -USR1 $$"],
            ["printf", "[%s]\\n", "a b", "", "-c"]]
    for cmd in cmds:
        bare = run(cmd, d)
        r = wrapped(["-q", "-o", "pass-%p.bin", "--"] + cmd, d)
        check(r.rc == shell_status(bare.rc), f"{cmd}: {r.rc} vs {bare.rc}")
        check(r.out == bare.out, f"{cmd}: stdout {r.out!r} vs {bare.out!r}")
        check(r.err == bare.err, f"{cmd}: stderr {r.err!r}")
    check(len(logs(d)) == len(cmds), f"logs {logs(d)}")
    # Without -q the summary follows the command's own stderr.
    r = wrapped(["-o", "s.bin", "--", "sh", "-c", "echo err >&2; exit 5"], d)
    check(r.rc == 5 and r.err.startswith("err\n") and
          "\n\nrtrack summary\n" in r.err, r.err)
    # rtrack's own statuses: usage 125, existing log 125 (the command not
    # run), not found 127, not executable 126.
    check(wrapped(["--no-such"], d).rc == 125, "unknown option")
    check(wrapped([], d).rc == 125, "no command")
    r = wrapped(["-o", "s.bin", "--", "touch", "ran"], d)
    check(r.rc == 125 and "exists" in r.err and
          not os.path.exists(os.path.join(d, "ran")), f"{r.rc} {r.err}")
    r = wrapped(["--", "no-such-command-rtrack"], d)
    check(r.rc == 127 and "command not found" in r.err, f"{r.rc} {r.err}")
    with open(os.path.join(d, "plain.txt"), "w") as f:
        f.write("echo x\n")
    r = wrapped(["--", "./plain.txt"], d)
    check(r.rc == 126, f"not executable: {r.rc} {r.err}")
    check("no log" not in r.err, r.err)
    r = wrapped(["--version"], d)
    check(r.rc == 0 and r.out.startswith(b"rtrack ") and b"log format" in r.out,
          f"{r.out!r}")
    # SIGINT and SIGQUIT that reach the wrapper too (its process group)
    # end it by the same signal after the summary, as a shell would stop.
    for sig in (signal.SIGINT, signal.SIGQUIT):
        r = wrapped(["-q", "--", "sh", "-c", f"kill -{sig.name[3:]} 0"], d,
                    session=True)
        check(r.rc == -sig, f"{sig.name}: {r.rc} {r.err}")


def case_no_log(d):
    # A command that cannot load the library writes no log: the wrapper
    # says why rather than pointing at an "rtrack:" line that is not there.
    need_busybox()
    r = wrapped(["--", BUSYBOX, "true"], d)
    check(r.rc == 0 and not logs(d), f"{r.rc} {logs(d)}")
    check("no log from this run" in r.err and "static program" in r.err and
          "line above" not in r.err, r.err)
    r = wrapped(["-q", "--html", "r.html", "--", BUSYBOX, "true"], d)
    check("no HTML report: no log" in r.err, r.err)
    # RTRACK_DISABLE=1: silently no log.
    r = wrapped(["--", "true"], d, extra={"RTRACK_DISABLE": "1"})
    check(r.rc == 0 and not logs(d) and not r.err, f"{r.rc} {r.err}")


def case_html_private(d):
    # The --html report holds the command lines of the 0600 log: 0600 too,
    # under umask 000.
    old = os.umask(0)
    try:
        r = wrapped(["-q", "-o", "h.bin", "--html", "h.html", "--", "true"], d)
    finally:
        os.umask(old)
    check(r.rc == 0 and not r.err, f"{r.rc} {r.err}")
    for name in ("h.bin", "h.html"):
        mode = os.stat(os.path.join(d, name)).st_mode & 0o777
        check(mode == 0o600, f"{name}: mode {mode:o}")


def case_bad_options(d):
    # Options the library would refuse are rtrack's bad usage: 125 before
    # the command runs, not a run without a log.
    bad = [["-i", "0"], ["-i", "nan"], ["-i", "1e9"], ["-i", "abc"],
           ["-o", os.path.join(d, "missing", "x.bin")], ["-o", "a%x.bin"],
           ["--html", os.path.join(d, "missing", "r.html")]]
    for opts in bad:
        ran = os.path.join(d, "ran")
        r = wrapped(opts + ["--", "touch", ran], d)
        check(r.rc == 125 and not os.path.exists(ran),
              f"{opts}: status {r.rc}, command ran: {os.path.exists(ran)}"
              f"\n{r.err}")


CATCHER = ("import signal, sys, time\n"
           "def h(s, f):\n"
           "    print('got', s, flush=True); time.sleep(0.5); sys.exit(3)\n"
           "signal.signal(signal.SIG{0}, h)\n"
           "print('ready', flush=True); time.sleep(10); sys.exit(9)\n")


def signalled(cmd, d, sig, group):
    p = subprocess.Popen(cmd, cwd=d, env=env_of(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    check(p.stdout.readline() == b"ready\n", f"{cmd}: not ready")
    (os.killpg if group else os.kill)(p.pid, sig)
    p.wait(timeout=20)
    # The wrapper ends after its command (the pipe closed: none left).
    out = p.stdout.read()
    p.stderr.read()
    return p.returncode, out


def case_term_signals(d):
    # SIGTERM, SIGHUP, SIGUSR1 to the wrapper's process group (timeout(1),
    # kill 0, a batch system's job stop) or to the wrapper alone (kill
    # PID, docker stop): the command gets it once and the wrapper ends
    # after it with its status, the REAPED record in the log.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1):
        cmd = [sys.executable, "-c", CATCHER.format(sig.name[3:])]
        for group in (True, False):
            sub = os.path.join(d, f"{sig.name}-{group}")
            os.mkdir(sub)
            bare = signalled(cmd, sub, sig, group)
            w = signalled([WRAPPER, "-q", "--"] + cmd, sub, sig, group)
            check(w == (3, bare[1]) and bare[0] == 3,
                  f"{sig.name} group={group}: wrapped {w}, bare {bare}")
            j = js(one(sub))
            check(j["meta"]["ended_by"] in ("end_record", "wrapper") and
                  j["meta"]["exit_code"] == 3, f"{sig.name}: {j['meta']}")


def case_witness_stopped(d):
    # The wrapper's witness (lib/wrapper/relay.c) stopped by a kill -STOP
    # of it alone (pkill -STOP, a suspend that stops every pid in turn):
    # a SIGTERM to the wrapper still reaches the command, once, and the
    # wrapper ends with its status; it hung waiting for the witness.
    cmd = [WRAPPER, "-q", "--", sys.executable, "-c", CATCHER.format("TERM")]
    p = subprocess.Popen(cmd, cwd=d, env=env_of(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        check(p.stdout.readline() == b"ready\n", "not ready")
        witness = [int(x) for x in subprocess.run(
            ["pgrep", "-s", str(p.pid), "-x", "rtrack-witness"],
            capture_output=True).stdout.split()]
        check(len(witness) == 1, f"witness: {witness}")
        os.kill(witness[0], signal.SIGSTOP)
        os.kill(p.pid, signal.SIGTERM)
        rc = p.wait(timeout=20)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    out = p.stdout.read()
    check((rc, out) == (3, b"got 15\n"), f"status {rc}, output {out!r}")


def case_self_stop(d):
    # A command that stops itself (kill -STOP $$, an editor's suspend):
    # bare, its parent (a shell) sees it stopped and gets control back;
    # wrapped, the wrapper must stop too, and go on when continued.
    cmd = ["sh", "-c", "kill -STOP $$; exit 4"]
    for argv in (cmd, [WRAPPER, "-q", "--"] + cmd):
        p = subprocess.Popen(argv, cwd=d, env=env_of(),
                             start_new_session=True)
        stopped = False
        for _ in range(100):
            pid, st = os.waitpid(p.pid, os.WNOHANG | os.WUNTRACED)
            if pid and os.WIFSTOPPED(st):
                stopped = True
                break
            time.sleep(0.05)
        os.killpg(p.pid, signal.SIGCONT)
        if not stopped:
            os.killpg(p.pid, signal.SIGKILL)
        _, st = os.waitpid(p.pid, 0)
        check(stopped, f"{argv}: its parent never saw it stopped")
        check(os.WIFEXITED(st) and os.WEXITSTATUS(st) == 4,
              f"{argv}: status {st:#x}")


def case_sigint_handled(d):
    # Ctrl-C reaches wrapper and command; a command that handles it and
    # exits 130 exited: the wrapper must not turn that into a death by
    # SIGINT (a calling bash script goes on after an exit, stops after a
    # signal death).
    script = ("trap 'exit 130' INT; sleep 5 & wait")
    for argv in (["sh", "-c", script], [WRAPPER, "-q", "--", "sh", "-c",
                                        script]):
        p = subprocess.Popen(argv, cwd=d, env=env_of(),
                             start_new_session=True)
        time.sleep(0.5)
        os.killpg(p.pid, signal.SIGINT)
        check(p.wait(timeout=20) == 130, f"{argv}: status {p.returncode}")


def case_summary_epipe(d):
    # The summary's stderr a pipe whose reader is gone (`rtrack -- make
    # 2>&1 | head`): the exit status is still the command's, not SIGPIPE.
    r, w = os.pipe()
    os.close(r)
    try:
        p = subprocess.run([WRAPPER, "--", "sh", "-c", "exit 3"], cwd=d,
                           env=env_of(), stderr=w, timeout=60)
    finally:
        os.close(w)
    check(p.returncode == 3, f"status {p.returncode}")


def case_path_not_executable(d):
    # A name found in PATH but not executable: 126 (Permission denied) as
    # env(1), timeout(1), nice(1) and bash say, not "command not found".
    bindir = os.path.join(d, "bin")
    os.mkdir(bindir)
    with open(os.path.join(bindir, "rtrack-noexec"), "w") as f:
        f.write("echo x\n")
    extra = {"PATH": bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin")}
    bare = run(["env", "rtrack-noexec"], d, extra=extra)
    r = wrapped(["-q", "--", "rtrack-noexec"], d, extra=extra)
    check(r.rc == bare.rc == 126, f"wrapped {r.rc}, env {bare.rc}\n{r.err}")


def case_sigchld_ignored(d):
    # Dispositions the command inherits are the caller's: SIGCHLD ignored
    # stays ignored across the wrapper (exec keeps SIG_IGN), as bare.
    def sigign(argv):
        code = ("import signal, subprocess, sys\n"
                "signal.signal(signal.SIGCHLD, signal.SIG_IGN)\n"
                "print(subprocess.run(sys.argv[1:], stdout=subprocess.PIPE,"
                " text=True).stdout, end='')\n")
        r = run([sys.executable, "-c", code] + argv, d)
        return r.out
    cmd = ["grep", "^SigIgn", "/proc/self/status"]
    bare, w = sigign(cmd), sigign([WRAPPER, "-q", "--"] + cmd)
    check(w == bare, f"wrapped {w!r}, bare {bare!r}")


def case_nested_self(d):
    # rtrack -- rtrack -- cmd: the inner rtrack writes the log and says
    # what there is to say; the outer one, whose command is a static
    # program (itself), must not add "no log from this run".
    r = wrapped(["-q", "--", WRAPPER, "-q", "--", "sh", "-c", "exit 2"], d)
    check(r.rc == 2 and "no log" not in r.err and logs(d),
          f"{r.rc} {logs(d)}\n{r.err}")


if __name__ == "__main__":
    run_case(globals(), "wrapper")
