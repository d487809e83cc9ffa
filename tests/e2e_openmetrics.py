#!/usr/bin/env python3
"""End-to-end test of rtrack-dump --format openmetrics: a real host runs
under librtrack_preload.so, its log is converted, and Prometheus' own
backfill (promtool tsdb create-blocks-from openmetrics) must take every
sample line into a block.  The host is started through a symlink whose
name holds a quote, a backslash and an invalid UTF-8 byte, so the command
label's escaping is checked by promtool's parser too (the recorder itself
writes a control character of a command line as '?', so a newline is left
to the unit test).  Then several logs in one exposition with the user's
--label (a newline in its value), two logs alike in host, pid and command
(told apart by a log label: Prometheus would merge them silently), and
the --label values rtrack-dump refuses.  Without promtool the checks of
the text alone run, and the test says it skipped the backfill.

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
NOTE = 'a "b" \\ c\nd \u00e9'             # a --label value
NOTE_LABEL = 'note="a \\"b\\" \\\\ c\\nd \u00e9"'


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def host_env(d):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTRACK_")}
    env.update(LD_PRELOAD=PRELOAD, RTRACK_INTERVAL="0.1", RTRACK_QUIET="1",
               RTRACK_OUTPUT=os.path.join(d, "rtrack-%p.bin"))
    return env


def run_host(d):
    """workload cpu 1 1.0 at 10 Hz through the hostile symlink: its log
    and the CPU seconds its wait saw."""
    link = os.path.join(os.fsencode(d), HOSTILE)
    os.symlink(os.fsencode(WORKLOAD), link)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([link, b"cpu", b"1", b"1.0"], env=host_env(d),
                       capture_output=True, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    check(p.returncode == 0, f"workload exit {p.returncode}: {p.stderr!r}")
    logs = glob.glob(os.path.join(d, "*.bin"))
    check(len(logs) == 1, f"expected one log, found {logs}")
    return logs[0], (after.ru_utime - before.ru_utime +
                     after.ru_stime - before.ru_stime)


def run_other(d):
    """A second, short run of another command (sh): its log."""
    d = os.path.join(d, "other")
    os.mkdir(d)
    p = subprocess.run(["sh", "-c", f"{WORKLOAD} cpu 1 0.3"], env=host_env(d),
                       capture_output=True, timeout=60)
    check(p.returncode == 0, f"sh exit {p.returncode}: {p.stderr!r}")
    return glob.glob(os.path.join(d, "*.bin"))[0]


def convert(log, om, args=()):
    """rtrack-dump --format openmetrics of log (a path, or a list of
    them) into om: its text."""
    logs = [log] if isinstance(log, str) else list(log)
    p = subprocess.run([DUMP, "--format", "openmetrics", *args, "-o", om,
                        *logs], capture_output=True, timeout=60)
    check(p.returncode == 0,
          f"rtrack-dump exit {p.returncode}: {p.stderr.decode()}")
    with open(om, "rb") as f:
        text = f.read().decode("utf-8")  # strict: invalid UTF-8 fails
    check(text.endswith("\n# EOF\n"), "does not end with # EOF")
    check(text.count("# EOF") == 1, "# EOF more than once")
    return text


def sample_lines(text):
    return [l for l in text.splitlines() if l and not l.startswith("#")]


def series(line):
    """name{labels} of a sample line (no label value here holds '} ')."""
    return line[:line.index("} ") + 1]


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


def check_many(text, one):
    """Two logs with --label: each family described once, every sample
    of both logs labelled with the user's labels, and the first log's
    series as it alone gives them, the labels aside."""
    types = [l for l in text.splitlines() if l.startswith("# TYPE ")]
    check(len(types) == len(set(types)), "a family described twice")
    lines = sample_lines(text)
    check(all(l.count(",team=\"ml\"," + NOTE_LABEL + "}") == 1
              for l in lines), "a sample without the user's labels")
    check(not any("job=" in l or "log=" in l for l in lines),
          "a job or log label")
    commands = {l[l.index("command="):].split(",")[0] for l in lines}
    check(commands == {COMMAND_LABEL, 'command="sh"'}, f"{commands}")
    mine = [l.replace(",team=\"ml\"," + NOTE_LABEL, "") for l in lines
            if COMMAND_LABEL in l]
    check(mine == sample_lines(one), "the first log's samples differ")


def check_alike(text):
    """One log and a copy of it: alike in host, pid and command, so each
    is labelled with its file name (log), and nothing else differs."""
    lines = sample_lines(text)
    logs = {l[l.index(",log=\""):].split('"')[1] for l in lines}
    check(logs == {"a.bin", "b.bin"}, f"log labels {logs}")
    a = [l.replace(',log="a.bin"', "") for l in lines if 'log="a.bin"' in l]
    b = [l.replace(',log="b.bin"', "") for l in lines if 'log="b.bin"' in l]
    check(a == b and len(a) * 2 == len(lines), "the copies differ")


def check_refused(log):
    """What --label rtrack-dump refuses: exit 2, one line, no output."""
    for args in (["--label", "host=x"], ["--label", "__x=1"],
                 ["--label", "1x=1"], ["--label", "x"], ["--label", "x="],
                 ["--label", "x=1", "--label=x=2"],
                 ["--label", b"x=\xff"], ["--label", "a\x1b[2Jb=1"],
                 ["--label", "a\nb=1"], ["--label", "host=a\nb"],
                 ["--label", "x=1", "--format", "csv"]):
        argv = [DUMP, "--format", "openmetrics", *args, log]
        if "csv" in args:
            argv = [DUMP, *args, log]
        p = subprocess.run(argv, capture_output=True, timeout=60)
        err = p.stderr.decode(errors="replace")
        check(p.returncode == 2 and not p.stdout and "\x1b" not in err and
              err.count("\n") == 1 and err.startswith("rtrack-dump: --label"),
              f"{args}: exit {p.returncode}, {err!r}")


def backfill(text, om, d, db="tsdb"):
    """promtool must import every sample line, as many series as the
    text has (two logs that were one series would be merged)."""
    out = os.path.join(d, db)
    p = subprocess.run(["promtool", "tsdb", "create-blocks-from",
                        "openmetrics", om, out],
                       capture_output=True, timeout=120)
    check(p.returncode == 0, f"promtool exit {p.returncode}: "
          f"{p.stdout.decode()} {p.stderr.decode()}")
    metas = glob.glob(os.path.join(out, "*", "meta.json"))
    check(metas, f"no block in {out}: {os.listdir(out)}")
    n = nseries = 0
    for m in metas:
        with open(m) as f:
            stats = json.load(f)["stats"]
        n += stats["numSamples"]
        nseries = max(nseries, stats["numSeries"])
    want = len(sample_lines(text))
    check(n == want, f"promtool took {n} samples of {want}")
    if len(metas) == 1:
        want = len({series(l) for l in sample_lines(text)})
        check(nseries == want, f"promtool made {nseries} series of {want}")
    return out


def stored_labels(db):
    """promtool tsdb dump's lines (it opens the directory as a database
    and wants its WAL folder)."""
    os.makedirs(os.path.join(db, "wal"), exist_ok=True)
    p = subprocess.run(["promtool", "tsdb", "dump", db],
                       capture_output=True, timeout=120)
    check(p.returncode == 0, f"promtool tsdb dump: {p.stderr.decode()}")
    return p.stdout.decode("utf-8").splitlines()


def check_stored_label(db, name="command", value=COMMAND_VALUE):
    """A label as Prometheus stored it."""
    want = name + "=" + json.dumps(value, ensure_ascii=False)
    first = stored_labels(db)[0]
    check(want in first, f"{want} not in {first}")


def main():
    d = tempfile.mkdtemp(prefix="rtrack-om-")
    try:
        om = os.path.join(d, "out.om")
        log, rusage = run_host(d)
        text = convert(log, om)
        check_text(text, rusage)
        many_om = os.path.join(d, "many.om")
        many = convert([log, run_other(d)], many_om,
                       ["--label", "team=ml", "--label", "note=" + NOTE])
        check_many(many, text)
        shutil.copy(log, os.path.join(d, "a.bin"))
        shutil.copy(log, os.path.join(d, "b.bin"))
        alike_om = os.path.join(d, "alike.om")
        os.chdir(d)
        alike = convert(["a.bin", "b.bin", "a.bin"], alike_om)
        check_alike(alike)
        check_refused(log)
        if shutil.which("promtool") is None:
            print("skipped: promtool not installed "
                  "(apt-get install prometheus)")
            return 0
        check_stored_label(backfill(text, om, d))
        check_stored_label(backfill(many, many_om, d, "many"), "note", NOTE)
        backfill(alike, alike_om, d, "alike")
        print("ok")
        return 0
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
