#!/usr/bin/env python3
"""The outside modes (issue 18): `rtrack --pid PID` follows a process it
did not start, and its descendants, from the attach until it ends or
Ctrl-C; `rtrack --system` samples the machine alone.  Cases: a CPU burner
attached mid-run (its CPU while attached, within 5%), a tree that forks
and ends children, a static program (no library can enter it), Ctrl-C (a
complete log), a pid that does not exist, the machine for a fixed time.

Usage: e2e_attach.py CASE   (RTRACK_WRAPPER and RTRACK_DUMP from ctest)."""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import DUMP, Skip, check, clean_env, dump_json, run_case  # noqa: E402

WRAPPER = os.environ["RTRACK_WRAPPER"]
BUSYBOX = shutil.which("busybox") or "/bin/busybox"
# Busy for S seconds of wall time, then print the process's own CPU.
BURN = ("import os, time\nt = time.time() + {s}\nwhile time.time() < t: pass\n"
        "print(sum(os.times()[:2]))\n")


def cpu_of(pid):
    """pid's own CPU seconds from its stat (utime + stime)."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def attach(d, pid, *args, timeout=60):
    log = os.path.join(d, "a.bin")
    p = subprocess.run([WRAPPER, "--pid", str(pid), "-i", "0.1", "-o", log,
                        *args], env=clean_env({}), capture_output=True,
                       timeout=timeout)
    return p, log


def complete(log):
    p = subprocess.run([DUMP, "--check", log], capture_output=True, timeout=60)
    check(p.returncode == 0, f"--check: {p.stdout.decode()} {p.stderr.decode()}")
    j = dump_json(log)
    check(j["meta"]["complete"], f"incomplete log: {j['meta']}")
    return j


def case_burner(d):
    job = subprocess.Popen(["python3", "-c", BURN.format(s=3)],
                           stdout=subprocess.PIPE)
    time.sleep(0.5)
    before = cpu_of(job.pid)
    p, log = attach(d, job.pid)
    total = float(job.communicate()[0])
    check(p.returncode == 0, f"rtrack exit {p.returncode}: {p.stderr.decode()}")
    err = p.stderr.decode()
    check("rtrack summary" in err and "sampled from outside" in err and
          "outside the job" in err, f"summary: {err}")
    j = complete(log)
    want = total - before
    got = j["summary"]["cpu_seconds"]
    # The few ms between reading `before` and the first sample go to the
    # slack; what ran before the attach must not be counted.
    check(abs(got - want) <= 0.05 * want + 0.05,
          f"{got:.3f} s in the log, {want:.3f} s ran while attached "
          f"({before:.2f} s before)")
    # Not its parent, but it was seen as a zombie (this test waits for it
    # only after): stat's exit code (FORMAT.md H15).
    check(j["meta"]["exit_code"] == 0, f"exit code {j['meta']['exit_code']}")


def case_tree(d):
    child = "python3 -c 'import time\nt=time.time()+0.3\nwhile time.time()<t: pass'"
    job = subprocess.Popen(["sh", "-c", f"sleep 0.5; for i in 1 2 3 4 5 6; "
                            f"do {child}; done"])
    time.sleep(0.2)
    p, log = attach(d, job.pid, "-q")
    job.wait()
    check(p.returncode == 0, f"rtrack exit {p.returncode}: {p.stderr.decode()}")
    check(p.stderr == b"", f"-q printed {p.stderr!r}")
    j = complete(log)
    kids = [x for x in j["processes"] if "python3" in x["cmdline"]]
    check(len(kids) >= 5, f"{len(kids)} children seen: {j['processes']}")
    cpu = sum(x["cpu_seconds"] for x in kids)
    check(cpu > 0.6, f"children's CPU {cpu:.2f} s")


def case_static(d):
    if not os.access(BUSYBOX, os.X_OK):
        raise Skip("no busybox (busybox-static)")
    loop = "i=0; while [ $i -lt 600000 ]; do i=$((i+1)); done"
    job = subprocess.Popen([BUSYBOX, "sh", "-c", loop])
    time.sleep(0.2)
    p, log = attach(d, job.pid)
    job.wait()
    check(p.returncode == 0, f"rtrack exit {p.returncode}: {p.stderr.decode()}")
    j = complete(log)
    check(j["summary"]["cpu_seconds"] > 0.2,
          f"cpu {j['summary']['cpu_seconds']}")


def case_ctrl_c(d):
    job = subprocess.Popen(["sleep", "30"])
    try:
        log = os.path.join(d, "a.bin")
        r = subprocess.Popen([WRAPPER, "--pid", str(job.pid), "-i", "0.1",
                              "-o", log], env=clean_env({}),
                             stderr=subprocess.PIPE)
        time.sleep(1.0)
        t0 = time.time()
        r.send_signal(signal.SIGINT)
        err = r.communicate(timeout=30)[1].decode()
        check(time.time() - t0 < 5, "slow to stop")
        check(r.returncode == 0, f"rtrack exit {r.returncode}: {err}")
        check(job.poll() is None, "Ctrl-C reached the attached process")
        j = complete(log)
        check(len(j["samples"]) >= 5, f"{len(j['samples'])} samples")
    finally:
        job.kill()
        job.wait()


def case_no_such_pid(d):
    pid = 2 ** 22 + 17  # above any pid_max this kernel allows by default
    p, log = attach(d, pid)
    err = p.stderr.decode()
    check(p.returncode == 2, f"exit {p.returncode}")
    check(err.count("\n") == 1 and "no such process" in err, err)
    check(not os.path.exists(log), "a log was made")
    for bad in (["--pid", "x"], ["--pid", "1", "--", "true"],
                ["--system"], ["--duration", "1", "--", "true"]):
        q = subprocess.run([WRAPPER, *bad], capture_output=True, timeout=30)
        check(q.returncode == 125, f"{bad}: exit {q.returncode}")


def case_system(d):
    log = os.path.join(d, "s.bin")
    t0 = time.time()
    p = subprocess.run([WRAPPER, "--system", "--duration", "1", "-i", "0.2",
                        "-o", log], env=clean_env({}), capture_output=True,
                       timeout=30)
    took = time.time() - t0
    check(p.returncode == 0, f"exit {p.returncode}: {p.stderr.decode()}")
    check(0.9 < took < 10, f"took {took:.2f} s")
    j = complete(log)
    check(j["meta"]["pid"] == 0, f"pid {j['meta']['pid']}")
    check(5 <= len(j["samples"]) <= 7, f"{len(j['samples'])} samples")
    out = subprocess.run([DUMP, log], capture_output=True,
                         timeout=60).stdout.decode()
    check("the machine's: mean" in out and "with an exit record" not in out,
          f"machine summary: {out}")
    s = j["samples"][-1]
    check(s["system_memory_used_mib"] > 0 and s["process_cpu_usage"] is None,
          f"last sample {s}")
    # While a command runs: its status is rtrack's.
    p = subprocess.run([WRAPPER, "--system", "-q", "-o",
                        os.path.join(d, "c.bin"), "--", "sh", "-c",
                        "sleep 0.3; exit 4"], env=clean_env({}),
                       capture_output=True, timeout=30)
    check(p.returncode == 4, f"exit {p.returncode}: {p.stderr.decode()}")
    complete(os.path.join(d, "c.bin"))


if __name__ == "__main__":
    run_case(globals(), "attach")
