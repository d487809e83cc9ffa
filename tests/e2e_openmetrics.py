#!/usr/bin/env python3
"""End-to-end test of rtrack-dump --format openmetrics: a real host runs
under librtrack_preload.so, its log is converted, and Prometheus' own
backfill (promtool tsdb create-blocks-from openmetrics) must take every
sample line into a block.  The host is started through a symlink whose
name holds a quote, a backslash and an invalid UTF-8 byte, so the command
label's escaping is checked by promtool's parser too (the recorder itself
writes a control character of a command line as '?', so a newline is left
to the unit test).  Without promtool the checks of the text alone run,
and the test says it skipped the backfill.

Usage: e2e_openmetrics.py   (paths come from RTRACK_PRELOAD, RTRACK_DUMP
and RTRACK_WORKLOAD, as ctest sets them)."""
import glob
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

PRELOAD = os.environ["RTRACK_PRELOAD"]
DUMP = os.environ["RTRACK_DUMP"]
WORKLOAD = os.environ["RTRACK_WORKLOAD"]

HOSTILE = b'w"l\\oad\xff'           # the symlink: argv[0]'s basename
COMMAND_LABEL = 'command="w\\"l\\\\oad\ufffd"'  # as the text must write it
COMMAND_VALUE = 'w"l\\oad\ufffd'           # as Prometheus must store it


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def run_host(d):
    """workload cpu 1 1.0 at 10 Hz through the hostile symlink: its log
    and the CPU seconds its wait saw."""
    link = os.path.join(os.fsencode(d), HOSTILE)
    os.symlink(os.fsencode(WORKLOAD), link)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTRACK_")}
    env.update(LD_PRELOAD=PRELOAD, RTRACK_INTERVAL="0.1", RTRACK_QUIET="1",
               RTRACK_OUTPUT=os.path.join(d, "rtrack-%p.bin"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([link, b"cpu", b"1", b"1.0"], env=env,
                       capture_output=True, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    check(p.returncode == 0, f"workload exit {p.returncode}: {p.stderr!r}")
    logs = glob.glob(os.path.join(d, "*.bin"))
    check(len(logs) == 1, f"expected one log, found {logs}")
    return logs[0], (after.ru_utime - before.ru_utime +
                     after.ru_stime - before.ru_stime)


def convert(log, om):
    p = subprocess.run([DUMP, "--format", "openmetrics", "-o", om, log],
                       capture_output=True, timeout=60)
    check(p.returncode == 0,
          f"rtrack-dump exit {p.returncode}: {p.stderr.decode()}")
    with open(om, "rb") as f:
        text = f.read().decode("utf-8")  # strict: invalid UTF-8 fails
    check(text.endswith("\n# EOF\n"), "does not end with # EOF")
    return text


def sample_lines(text):
    return [l for l in text.splitlines() if l and not l.startswith("#")]


def last_value(lines, name):
    found = [l for l in lines if l.startswith(name + "{")]
    check(found, f"no {name}")
    return float(found[-1].split("} ")[1].split()[0])


def check_text(text, rusage):
    """The job's CPU is what its parent's wait saw, less the tracker's
    (the workload burns wall time: on a busy machine it gets less CPU)."""
    lines = sample_lines(text)
    check(all(COMMAND_LABEL in l for l in lines), "command label not escaped")
    check(not any("job=" in l for l in lines), "a job label")
    cpu = last_value(lines, "rtrack_cpu_seconds_total")
    want = rusage - last_value(lines, "rtrack_tracker_cpu_seconds_total")
    check(abs(cpu - want) <= 0.05 * want + 0.02,
          f"rtrack_cpu_seconds_total {cpu}, the wait saw {want}")
    mem = [l for l in lines if l.startswith("rtrack_process_memory_bytes{")]
    check(len(mem) >= 5, f"only {len(mem)} memory samples at 10 Hz")


def backfill(text, om, d):
    """promtool must import every sample line, the job label intact."""
    out = os.path.join(d, "tsdb")
    p = subprocess.run(["promtool", "tsdb", "create-blocks-from",
                        "openmetrics", om, out],
                       capture_output=True, timeout=120)
    check(p.returncode == 0, f"promtool exit {p.returncode}: "
          f"{p.stdout.decode()} {p.stderr.decode()}")
    metas = glob.glob(os.path.join(out, "*", "meta.json"))
    check(metas, f"no block in {out}: {os.listdir(out)}")
    n = 0
    for m in metas:
        with open(m) as f:
            n += json.load(f)["stats"]["numSamples"]
    want = len(sample_lines(text))
    check(n == want, f"promtool took {n} samples of {want}")
    return out


def check_stored_label(db):
    """The command label as Prometheus stored it (promtool tsdb dump, which
    opens the directory as a database and wants its WAL folder)."""
    os.makedirs(os.path.join(db, "wal"), exist_ok=True)
    p = subprocess.run(["promtool", "tsdb", "dump", db],
                       capture_output=True, timeout=120)
    check(p.returncode == 0, f"promtool tsdb dump: {p.stderr.decode()}")
    want = "command=" + json.dumps(COMMAND_VALUE, ensure_ascii=False)
    first = p.stdout.decode("utf-8").splitlines()[0]
    check(want in first, f"{want} not in {first}")


def main():
    d = tempfile.mkdtemp(prefix="rtrack-om-")
    try:
        om = os.path.join(d, "out.om")
        log, rusage = run_host(d)
        text = convert(log, om)
        check_text(text, rusage)
        if shutil.which("promtool") is None:
            print("skipped: promtool not installed "
                  "(apt-get install prometheus)")
            return 0
        check_stored_label(backfill(text, om, d))
        print("ok")
        return 0
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
