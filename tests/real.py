#!/usr/bin/env python3
"""Real software, differential (issue 13): programs not written here, run
with and without the preload, compared on everything they promise: what
they print, their exit status, the files they write, their own test
results, and wall time as a generous ratio (a stall of seconds fails, a
busy machine does not).  Under the preload the log must also be sound:
`rtrack-dump --check` ok, the processes recorded, one log and no stray
rtrack-*.bin.

  cpython          CPython's own regression tests for subprocess, signal,
                   threading, os and multiprocessing (forkserver), -j2
                   (Debian: libpython3.11-testsuite)
  configure_make   tests/real/calc: an autoconf-style ./configure, make -j2,
                   make check
  dash_path        a dash script whose commands and final exec go through
                   a PATH search with missing directories first
  node             a Node.js program: child processes, a PATH search, a
                   worker thread, files (Debian: nodejs)

Usage: real.py CASE   (RTRACK_PRELOAD and RTRACK_DUMP come from ctest)."""
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
import trust  # noqa: E402
from e2e import check  # noqa: E402
from trust import Pair, dump_check, dump_json, go, stray_logs  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
Skip = e2e.Skip
MISSING_DIRS = ":".join(f"/nonexistent/real-{i}" for i in range(8))


def sound_log(pr, min_procs):
    """The traced run's log: one, --check ok, min_procs processes or more,
    and no log anywhere in the host's own tree."""
    log = pr.log()
    dump_check(log, pr.what)
    j = dump_json(log)
    check(j["meta"]["complete"], f"{pr.what}: log incomplete: {j['meta']}")
    n = j["summary"]["processes_seen"]
    check(n >= min_procs, f"{pr.what}: {n} processes recorded, want "
          f">= {min_procs}")
    strays = stray_logs(pr.tdir)
    check(not strays, f"{pr.what}: stray logs {strays}")
    return j


# ---- CPython's regression tests ----------------------------------------------

CPY_TESTS = ["test_multiprocessing_forkserver", "test_subprocess",
             "test_signal", "test_threading", "test_os"]
# Left out to keep the group within its time: multiprocessing's manager
# and thread variants (the process variant stays), tests that only wait
# for a timeout (TestWait, Finalize's thread-safety loop, siginterrupt_off:
# 30 s of sleeping).
CPY_IGNORE = ["WithManager*", "WithThreads*", "TestWait",
              "WithProcessesTestFinalize", "test_siginterrupt_off"]


def cpython():
    """A Python whose own test package has the tests we run."""
    for py in ("/usr/bin/python3.11", "/usr/bin/python3", sys.executable):
        if not py or not os.path.exists(py):
            continue
        p = subprocess.run([py, "-c", "import importlib.util as u, sys; "
                            "sys.exit(not all(u.find_spec('test.' + t) for t"
                            f" in {CPY_TESTS!r}))"], capture_output=True,
                           timeout=60)
        if p.returncode == 0:
            return py
    raise Skip("no Python with its regression tests (Debian: "
               "libpython3.11-testsuite; scripts/test installs it)")


def junit(path):
    """{test id: pass|skip|fail|error} from regrtest's --junit-xml."""
    out = {}
    if not os.path.exists(path):
        return out
    for c in ET.parse(path).getroot().iter("testcase"):
        tags = {k.tag for k in c}
        st = "pass"
        for t in ("skipped", "failure", "error"):
            if t in tags:
                st = {"skipped": "skip", "failure": "fail"}.get(t, t)
        out[c.get("name")] = st
    return out


def regrtest(py, d, name, preload, tests, extra_args, timeout):
    run = trust.mkdir(d, name)
    tmp = trust.mkdir(run, "tmp")
    xml = os.path.join(d, name + ".xml")
    env = {"TMPDIR": tmp, "RTRACK_OUTPUT": os.path.join(d, "logs",
                                                          "rtrack-%p.bin"),
           "RTRACK_INTERVAL": "0.5"}
    cmd = [py, "-m", "test", "-j2", "--timeout", "300", "--junit-xml", xml] + \
        extra_args + tests
    r = go(cmd, run, env, preload=preload, timeout=timeout)
    r.results = junit(xml)
    r.run = run
    return r


def counts(res):
    c = {"run": len(res)}
    for st in ("pass", "skip", "fail", "error"):
        c[st] = sum(1 for v in res.values() if v == st)
    return c


def case_cpython(d):
    py = cpython()
    os.mkdir(os.path.join(d, "logs"))
    args = [a for i in CPY_IGNORE for a in ("-i", i)]
    # The reference first: where CPython's own tests do not finish
    # without the preload (once, 240 s beside two CPU burners and two
    # other suites, its multiprocessing workers waiting: issue 21),
    # nothing can be compared, and the case says so and is not judged
    # (tests/trust.cmake, README: Tests).  Quiet, both runs take 60-80 s.
    try:
        plain = regrtest(py, d, "plain", False, CPY_TESTS, args, 240)
    except AssertionError as e:
        raise Skip(f"not judged: CPython's tests did not finish without "
                   f"the preload: {str(e)[:300]}")
    traced = regrtest(py, d, "traced", True, CPY_TESTS, args, 240)
    for what, r in (("plain", plain), ("traced", traced)):
        print(f"{what}: rc {r.rc}, {r.wall:.1f} s, {counts(r.results)}")
    check(plain.results, f"no results from the plain run: "
          f"{plain.out[-1500:]!r} {plain.err[-1500:]!r}")
    check(traced.results, f"no results from the traced run: "
          f"{traced.out[-1500:]!r} {traced.err[-1500:]!r}")
    # Tests whose outcome differs run again, both ways, twice: a test
    # rtrack breaks passes plain at least once and never traced.
    passed_p = {k for k, v in plain.results.items() if v == "pass"}
    passed_t = {k for k, v in traced.results.items() if v == "pass"}
    differ = first_differ = sorted(passed_p ^ passed_t)
    for i in range(2):
        if not differ:
            break
        print(f"rerun {i + 1}: {differ}")
        mods = sorted({t.split(".")[1] for t in differ})
        match = [a for t in differ for a in ("-m", t)]
        p2 = regrtest(py, d, f"plain-re{i}", False, mods, match, 200)
        t2 = regrtest(py, d, f"traced-re{i}", True, mods, match, 200)
        passed_p |= {k for k, v in p2.results.items() if v == "pass"}
        passed_t |= {k for k, v in t2.results.items() if v == "pass"}
        differ = sorted(k for k in passed_p - passed_t)
    broken = sorted(passed_p - passed_t)
    check(not broken, f"CPython tests that pass without the preload and "
          f"fail with it: {broken}")
    only = sorted(passed_t - passed_p)
    if only:
        print(f"note: passed only with the preload (failed bare, excluded): "
              f"{only}")
    # The exit status may differ only where a flaky test (passed on a
    # rerun) made the difference.
    check(traced.rc == plain.rc or first_differ,
          f"regrtest exit status {traced.rc} traced, {plain.rc} plain: "
          f"{traced.out[-1500:]!r}")
    check(traced.wall <= 1.5 * plain.wall + 10,
          f"CPython's tests took {traced.wall:.1f} s with the preload, "
          f"{plain.wall:.1f} s without")
    lines = e2e.rtrack_lines(traced.err)
    check(len(lines) == 1 and "log written" in lines[0],
          f"rtrack lines on regrtest's stderr: {lines}")
    logs = sorted(os.listdir(os.path.join(d, "logs")))
    # The reruns write logs of their own: the first run's is the oldest.
    first = [x for x in logs if x.endswith(".bin")]
    check(first, "no log")
    log = min((os.path.join(d, "logs", x) for x in first),
              key=os.path.getmtime)
    check(lines[0].endswith(log), f"{lines[0]!r} names another log than {log}")
    dump_check(log, "CPython")
    j = dump_json(log)
    print(f"log: {j['summary']['processes_seen']} processes, "
          f"{j['summary'].get('processes_exact')} exact, "
          f"{j['summary']['samples']} samples")
    check(j["meta"]["complete"], f"log incomplete {j['meta']}")
    check(j["summary"]["processes_seen"] >= 100,
          f"only {j['summary']['processes_seen']} processes recorded")
    strays = stray_logs(traced.run)
    check(not strays, f"stray logs in the test tree: {strays}")


# ---- configure, make, make check ---------------------------------------------

def case_configure_make(d):
    if not shutil.which("cc") or not shutil.which("make"):
        raise Skip("no cc or make")
    src = os.path.join(HERE, "real", "calc")
    # Each run builds in a copy of its own (the copies are compared after).
    script = (f"cp -R {src}/. . && ./configure && make -j2 -s && "
              "make -s check")
    extra = {"RTRACK_INTERVAL": "0.05",
             # missing directories first: every compiler, shell and tool
             # the build starts is found by a PATH search
             "PATH": MISSING_DIRS + ":/usr/local/bin:/usr/bin:/bin"}
    pr = Pair(d, "calc", ["sh", "-c", script], extra, timeout=120,
              factor=2.0, slack=2.0)
    out = pr.traced.out.decode()
    check(pr.traced.rc == 0 and "# PASS:  12" in out and "1..10" in out,
          f"make check: {pr.traced.describe()}")
    j = sound_log(pr, 30)
    cc = [p for p in j["processes"] if p["cmdline"].split(" ")[0]
          .endswith(("cc", "cc1", "gcc", "as", "ld", "collect2"))]
    check(len(cc) >= 10, f"{len(cc)} compiler processes recorded")


# ---- dash and a PATH search ---------------------------------------------------

DASH_SCRIPT = r"""
set -e
words() { tr ' ' '\n' | sort | uniq -c | sort -rn | head -3; }
echo "the quick brown fox jumps over the lazy dog the end the" | words
n=$(seq 1 200 | awk '{s += $1} END {print s}')
echo "sum $n"
command -v sort >/dev/null && echo "sort found"
( cd /; pwd )
for f in a b c; do printf '%s\n' "$f" >>list.txt; done
wc -l <list.txt
if grep -q b list.txt; then echo "grep ok"; fi
expr 6 \* 7
env true
exec env printf 'last %s\n' exec
"""


def case_dash_path(d):
    dash = shutil.which("dash") or "/bin/dash"
    if not os.path.exists(dash):
        raise Skip("no dash")
    extra = {"PATH": MISSING_DIRS + ":/usr/bin:/bin",
             "RTRACK_INTERVAL": "0.05"}
    pr = Pair(d, "dash", [dash, "-c", DASH_SCRIPT], extra, timeout=60)
    out = pr.traced.out.decode()
    check(pr.traced.rc == 0 and out.endswith("last exec\n") and
          "sum 20100" in out, pr.traced.describe())
    sound_log(pr, 10)


# ---- Node.js -----------------------------------------------------------------

NODE_PROGRAM = r"""
const cp = require('child_process');
const fs = require('fs');
const { Worker } = require('worker_threads');

function primes(n) {
  let c = 0;
  for (let i = 2; i < n; i++) {
    let p = true;
    for (let j = 2; j * j <= i; j++) if (i % j === 0) { p = false; break; }
    if (p) c++;
  }
  return c;
}

if (process.argv[2] === 'child') {
  process.stdout.write(`child primes ${primes(20000)}\n`);
  process.exit(4);
}

console.log('echo:', cp.execSync('echo hello').toString().trim());
const r = cp.spawnSync('sort', ['-r'], { input: 'a\nc\nb\n' });
console.log('sort:', r.stdout.toString().split('\n').join(','), r.status);
const missing = cp.spawnSync('no-such-program-real', []);
console.log('missing:', missing.error && missing.error.code);
const k = cp.spawnSync(process.execPath, [__filename, 'child']);
console.log('node child:', k.stdout.toString().trim(), k.status);
fs.writeFileSync('out.txt', Array.from({ length: 100 }, (_, i) => i).join('\n'));
const w = new Worker(`const { parentPort } = require('worker_threads');
  let c = 0; for (let i = 0; i < 3e6; i++) c += i % 3;
  parentPort.postMessage(c);`, { eval: true });
w.on('message', (m) => {
  console.log('worker:', m);
  const sh = cp.spawn('sh', ['-c', 'sleep 0.1; echo async; exit 3']);
  let o = '';
  sh.stdout.on('data', (b) => { o += b; });
  sh.on('close', (code) => {
    console.log('async:', o.trim(), code);
    process.exitCode = 2;
  });
});
"""


def case_node(d):
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        raise Skip("no node (Debian: nodejs; scripts/test installs it)")
    prog = os.path.join(d, "prog.js")
    with open(prog, "w") as f:
        f.write(NODE_PROGRAM)
    extra = {"PATH": MISSING_DIRS + ":/usr/bin:/bin", "RTRACK_INTERVAL": "0.05"}
    pr = Pair(d, "node", [node, prog], extra, timeout=60)
    out = pr.traced.out.decode()
    check(pr.traced.rc == 2 and "async: async 3" in out and
          "node child: child primes 2262 4" in out and
          "missing: ENOENT" in out, pr.traced.describe())
    j = sound_log(pr, 5)
    kids = [p for p in j["processes"] if "child" in p["cmdline"] and
            p["cmdline"].startswith(node)]
    check(kids and kids[0]["exit_code"] == 4,
          f"node's child not recorded with exit 4: "
          f"{[(p['cmdline'], p['exit_code']) for p in j['processes']]}")


if __name__ == "__main__":
    t0 = time.monotonic()
    try:
        e2e.run_case(globals(), "real")
    finally:
        print(f"({time.monotonic() - t0:.1f} s)")
