#!/usr/bin/env python3
"""Install test: `cmake --install` into a temporary prefix, then (where cpack
and dpkg-deb exist) the .deb built by `cpack -G DEB`, checked with
`dpkg-deb -I/-c` and unpacked with `dpkg-deb -x` (never installed on this
machine).  In each tree the installed rtrack wrapper runs a real command:
its output and exit status pass through, the summary comes on stderr, a log
is written; rtrack-dump and the man pages work from there too.  A part whose
tool is missing prints "skipped: ..." and passes.

Usage: e2e_install.py   (RTRACK_BUILD_DIR, RTRACK_SOURCE_DIR, RTRACK_VERSION,
RTRACK_CMAKE and RTRACK_CPACK come from ctest)."""
import glob
import os
import shutil
import stat
import subprocess
import sys
import tempfile

BUILD = os.environ["RTRACK_BUILD_DIR"]
SOURCE = os.environ["RTRACK_SOURCE_DIR"]
VERSION = os.environ["RTRACK_VERSION"]
CMAKE = os.environ.get("RTRACK_CMAKE") or shutil.which("cmake")
CPACK = os.environ.get("RTRACK_CPACK") or shutil.which("cpack")

# What an install puts where, relative to the prefix.
LAYOUT = ("bin/rtrack", "bin/rtrack-dump", "lib/rtrack/librtrack_preload.so",
          "share/man/man1/rtrack.1", "share/man/man1/rtrack-dump.1",
          "share/doc/rtrack/README.md", "share/doc/rtrack/FORMAT.md")


def check(cond, msg):
    if not cond:
        print(f"FAIL: {msg}")
        sys.exit(1)


def clean_env():
    """The caller's environment less anything rtrack reads."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTRACK_")}
    env.pop("LD_PRELOAD", None)
    env["LC_ALL"] = "C.UTF-8"
    return env


def run(cmd, cwd=None, timeout=120):
    return subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True,
                          timeout=timeout)


def ok(cmd, cwd=None, timeout=120):
    """Run cmd; it must exit 0.  Its stdout, decoded."""
    p = run(cmd, cwd, timeout)
    check(p.returncode == 0, f"{cmd} exited {p.returncode}:\n"
          f"{p.stdout.decode(errors='replace')}{p.stderr.decode(errors='replace')}")
    return p.stdout.decode(errors="replace")


def logs(d):
    return sorted(glob.glob(os.path.join(d, "rtrack-*.bin")))


def check_layout(prefix):
    for rel in LAYOUT:
        check(os.path.isfile(os.path.join(prefix, rel)), f"{prefix}: no {rel}")
    with open(os.path.join(prefix, "share/doc/rtrack/README.md"), "rb") as a, \
            open(os.path.join(SOURCE, "README.md"), "rb") as b:
        check(a.read() == b.read(), f"{prefix}: README.md is not the source's")
    for rel in ("bin/rtrack", "bin/rtrack-dump"):
        mode = os.stat(os.path.join(prefix, rel)).st_mode
        check(mode & stat.S_IXUSR, f"{rel} is not executable")
    print(f"ok: layout of {prefix}")


def check_wrapper(rtrack, dump, where):
    """The wrapper rtrack (a path) and rtrack-dump run as a user would."""
    work = tempfile.mkdtemp(prefix="rtrack-install-run-")
    try:
        p = run([rtrack, "-i", "0.1", "--", "sh", "-c", "echo hi; exit 3"],
                cwd=work)
        err = p.stderr.decode(errors="replace")
        check(p.stdout == b"hi\n", f"{where}: stdout {p.stdout!r}")
        check(p.returncode == 3, f"{where}: exit status {p.returncode}\n{err}")
        check("rtrack summary" in err and "exit code 3" in err,
              f"{where}: no summary on stderr:\n{err}")
        found = logs(work)
        check(len(found) == 1, f"{where}: logs {found}")
        out = ok([dump, "--format", "json", found[0]])
        check('"exit_code": 3' in out or '"exit_code":3' in out,
              f"{where}: json of the log: {out[:400]}")

        # Arguments and the log's name keep their spaces; -q: no summary.
        p = run([rtrack, "-q", "-o", "a log %p.bin", "--", "printf",
                 "[%s]\\n", "a b", "", "c"], cwd=work)
        err = p.stderr.decode(errors="replace")
        check(p.returncode == 0 and p.stdout == b"[a b]\n[]\n[c]\n",
              f"{where}: spaces: {p.returncode} {p.stdout!r} {err}")
        check("rtrack summary" not in err, f"{where}: -q printed {err}")
        check(len(glob.glob(os.path.join(work, "a log *.bin"))) == 1,
              f"{where}: -o with a space: {os.listdir(work)}")

        # A signal death reads as a shell reports it.
        p = run([rtrack, "-q", "--", "sh", "-c", "kill -TERM $$"], cwd=work)
        check(p.returncode == 128 + 15, f"{where}: SIGTERM gave {p.returncode}")

        # --html: a report, or one line saying why not; the status stays.
        p = run([rtrack, "-q", "--html", "job report.html", "--", "sh", "-c",
                 "exit 5"], cwd=work)
        err = p.stderr.decode(errors="replace")
        check(p.returncode == 5, f"{where}: --html changed the status to "
              f"{p.returncode}: {err}")
        report = os.path.join(work, "job report.html")
        if os.path.isfile(report) and os.path.getsize(report) > 0:
            print(f"ok: {where}: --html wrote a report")
        else:
            check("no HTML report" in err, f"{where}: --html: {err}")
            print(f"ok: {where}: --html said why there is no report")

        # Not found: 127, and a usage error 125, before anything runs.
        check(run([rtrack, "--", "no-such-command-rtrack"], cwd=work)
              .returncode == 127, f"{where}: command not found")
        check(run([rtrack, "--no-such-option"], cwd=work).returncode == 125,
              f"{where}: bad option")
        check("usage: rtrack-dump" in ok([dump, "--help"]),
              f"{where}: rtrack-dump --help")
        check(VERSION in ok([rtrack, "--version"]), f"{where}: --version")
        print(f"ok: {where}: wrapper and rtrack-dump")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_man(mandir, where):
    pages = [os.path.join(mandir, p) for p in ("rtrack.1", "rtrack-dump.1")]
    if shutil.which("man"):
        for page in pages:
            out = ok(["man", "-l", page])
            check("NAME" in out and "EXIT STATUS" in out and VERSION in out,
                  f"{where}: man -l {page}: {out[:300]}")
        print(f"ok: {where}: man -l")
    else:
        print(f"skipped: {where}: man -l (no man)")
    if shutil.which("groff"):
        for page in pages:
            p = run(["groff", "-man", "-Tutf8", "-ww", "-z", page])
            check(p.returncode == 0 and not p.stderr,
                  f"{where}: groff warns on {page}: {p.stderr.decode()}")
        print(f"ok: {where}: groff -ww warns of nothing")
    else:
        print(f"skipped: {where}: groff warnings (no groff)")


def test_install(tmp):
    prefix = os.path.join(tmp, "prefix")
    ok([CMAKE, "--install", BUILD, "--prefix", prefix])
    check_layout(prefix)
    check_wrapper(os.path.join(prefix, "bin", "rtrack"),
                  os.path.join(prefix, "bin", "rtrack-dump"), "install")
    # Through a symlink in another directory, as in ~/bin.
    links = os.path.join(tmp, "links")
    os.mkdir(links)
    os.symlink(os.path.join(prefix, "bin", "rtrack"),
               os.path.join(links, "rtrack"))
    check_wrapper(os.path.join(links, "rtrack"),
                  os.path.join(prefix, "bin", "rtrack-dump"), "symlink")
    check_man(os.path.join(prefix, "share", "man", "man1"), "install")


def deb_field(info, name):
    for line in info.splitlines():
        if line.strip().startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


def test_deb(tmp):
    missing = [t for t, p in (("cpack", CPACK),
                              ("dpkg-deb", shutil.which("dpkg-deb"))) if not p]
    if missing:
        print(f"skipped: .deb ({' and '.join(missing)} not found)")
        return
    out = os.path.join(tmp, "pkg")
    ok([CPACK, "--config", os.path.join(BUILD, "CPackConfig.cmake"),
        "-G", "DEB", "-B", out], timeout=300)
    debs = glob.glob(os.path.join(out, "*.deb"))
    check(len(debs) == 1, f"cpack made {debs}")
    deb = debs[0]

    info = ok(["dpkg-deb", "-I", deb])
    check(deb_field(info, "Package") == "rtrack", f"Package: {info}")
    check(deb_field(info, "Version") == VERSION, f"Version: {info}")
    if shutil.which("dpkg"):
        arch = ok(["dpkg", "--print-architecture"]).strip()
        check(deb_field(info, "Architecture") == arch, f"Architecture: {info}")
    check(deb_field(info, "Maintainer"), f"no Maintainer: {info}")
    check(deb_field(info, "Description"), f"no Description: {info}")
    depends = deb_field(info, "Depends") or ""
    check("libc6" in depends, f"Depends: {depends!r}")
    check(os.path.basename(deb) ==
          f"rtrack_{VERSION}_{deb_field(info, 'Architecture')}.deb",
          f"file name {deb}")
    print(f"ok: {os.path.basename(deb)}: Depends: {depends}")

    contents = ok(["dpkg-deb", "-c", deb])
    names = {line.split()[-1].lstrip(".") for line in contents.splitlines()}
    for rel in LAYOUT:
        check("/usr/" + rel in names, f".deb lacks /usr/{rel}:\n{contents}")
    print("ok: dpkg-deb -c")

    root = os.path.join(tmp, "root")
    ok(["dpkg-deb", "-x", deb, root])
    usr = os.path.join(root, "usr")
    check_layout(usr)
    check_wrapper(os.path.join(usr, "bin", "rtrack"),
                  os.path.join(usr, "bin", "rtrack-dump"), "deb")
    check_man(os.path.join(usr, "share", "man", "man1"), "deb")


def main():
    check(CMAKE, "no cmake")
    tmp = tempfile.mkdtemp(prefix="rtrack-install-")
    try:
        test_install(tmp)
        test_deb(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("install_deb: passed")


if __name__ == "__main__":
    main()
