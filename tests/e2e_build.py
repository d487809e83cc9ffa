#!/usr/bin/env python3
"""The plain build on a machine without what the tests need (issue 17):
`cmake -S . -B build && cmake --build build` must still build the tools,
with the tests left out and one message naming the package to install and
-DRTRACK_TESTS=OFF.  Each case configures the source tree into a temporary
directory with one part made unfindable the way a machine without it is:
cmocka's library or header directory in CMAKE_IGNORE_PATH (so no find_*
looks there), or no python3 interpreter; then builds rtrack-dump and
librtrack_preload.so alone (a few seconds).

Usage: e2e_build.py CASE   (RTRACK_SOURCE_DIR, RTRACK_CMAKE,
RTRACK_CMOCKA_LIBRARY and RTRACK_CMOCKA_INCLUDE_DIR come from ctest)."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import check, run_case  # noqa: E402

SOURCE = os.environ["RTRACK_SOURCE_DIR"]
CMAKE = os.environ["RTRACK_CMAKE"]
CMOCKA_LIBRARY = os.environ["RTRACK_CMOCKA_LIBRARY"]
CMOCKA_INCLUDE_DIR = os.environ["RTRACK_CMOCKA_INCLUDE_DIR"]


def env_of():
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTRACK_")}
    env.pop("LD_PRELOAD", None)
    env["LC_ALL"] = "C"
    return env


def cmake(args, timeout=300):
    p = subprocess.run([CMAKE] + args, env=env_of(), capture_output=True,
                       timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def hidden(d):
    """d under every name a find_* may reach it by: with and without /usr
    (a merged /usr has /lib as /usr/lib), and its real path."""
    names = {d, os.path.realpath(d)}
    for n in list(names):
        names.add(n[4:] if n.startswith("/usr/") else "/usr" + n)
    return ";".join(sorted(names))


def cache(build, name):
    for line in open(os.path.join(build, "CMakeCache.txt")):
        if line.startswith(name + ":"):
            return line.split("=", 1)[1].strip()
    return None


def configure(d, args):
    """Configure into d/build with args: it must succeed.  The build
    directory and cmake's output with its lines joined (a message is
    wrapped at 80 columns)."""
    build = os.path.join(d, "build")
    rc, out = cmake(["-S", SOURCE, "-B", build, "-DRTRACK_WERROR=ON"] + args)
    check(rc == 0, f"configure exited {rc}:\n{out}")
    return build, " ".join(out.split())


def tests_left_out(build, out, package):
    check(re.search(r"building without the tests: they need [^.]*"
                    + re.escape(package), out),
          f"no message naming {package}:\n{out}")
    check("-DRTRACK_TESTS=OFF" in out, f"the message lacks -DRTRACK_TESTS=OFF:\n{out}")
    check(out.count("CMake Warning") == 1, f"not one message:\n{out}")
    check(not os.path.exists(os.path.join(build, "tests")),
          "the tests folder was configured")


def tools_build(build):
    rc, out = cmake(["--build", build, "-j2", "--target", "rtrack-dump",
                     "rtrack_preload"])
    check(rc == 0, f"build exited {rc}:\n{out[-4000:]}")
    for f in ("rtrack-dump", "librtrack_preload.so"):
        check(os.path.isfile(os.path.join(build, f)), f"no {f} built")
    p = subprocess.run([os.path.join(build, "rtrack-dump"), "--version"],
                       capture_output=True)
    check(p.returncode == 0 and p.stdout.startswith(b"rtrack-dump "),
          f"rtrack-dump --version: {p}")


def case_no_cmocka_library(d):
    build, out = configure(d, ["-DCMAKE_IGNORE_PATH=" +
                               hidden(os.path.dirname(CMOCKA_LIBRARY))])
    check(cache(build, "CMOCKA_LIBRARY").endswith("NOTFOUND"),
          f"cmocka was found anyway: {cache(build, 'CMOCKA_LIBRARY')}")
    tests_left_out(build, out, "libcmocka-dev")
    tools_build(build)


def case_no_cmocka_header(d):
    build, out = configure(d, ["-DCMAKE_IGNORE_PATH=" +
                               hidden(CMOCKA_INCLUDE_DIR)])
    check(cache(build, "CMOCKA_INCLUDE_DIR").endswith("NOTFOUND"),
          f"cmocka.h was found anyway: {cache(build, 'CMOCKA_INCLUDE_DIR')}")
    tests_left_out(build, out, "libcmocka-dev")
    tools_build(build)


def case_no_python(d):
    # Configure alone: the tools' build does not depend on python3.
    build, out = configure(d, ["-DPython3_EXECUTABLE=/nonexistent/python3"])
    tests_left_out(build, out, "python3")


def case_tests_off(d):
    # Asked for: no message, and cmocka is not looked for.
    build, out = configure(d, ["-DRTRACK_TESTS=OFF", "-DCMAKE_IGNORE_PATH=" +
                               hidden(os.path.dirname(CMOCKA_LIBRARY))])
    check("CMake Warning" not in out, f"a message with -DRTRACK_TESTS=OFF:\n{out}")
    check(cache(build, "CMOCKA_LIBRARY") is None, "cmocka looked for")


if __name__ == "__main__":
    run_case(globals(), "build")
