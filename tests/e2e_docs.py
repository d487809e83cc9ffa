#!/usr/bin/env python3
"""What the user reads against what the code does (issue 17): `--help`
of rtrack and rtrack-dump names every option their parsers take (the
string literals of wrap_parse and parse_args) and every format, and only
those; the man pages' OPTIONS give the same options, rtrack(1) every
RTRACK_* variable lib/inhost/config.c reads (but the test-only one) and
rtrack-dump(1) every CSV column, JSON key and OpenMetrics family the code
names (lib/model/stats.h, lib/dump/json.c, lib/dump/openmetrics.c), and no name
the code does not have.  The keys of a real run's output are checked
against the page by e2e.py's csv_columns and json_contract.

Usage: e2e_docs.py CASE   (RTRACK_WRAPPER and RTRACK_DUMP come from
ctest; the sources are found next to this file)."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import DUMP, check, run_case  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRAPPER = os.environ["RTRACK_WRAPPER"]
OPTION = r"(?<![\w-])(--?[A-Za-z][\w-]*|--)(?![\w-])"
TEST_ONLY = {"RTRACK_TEST_NVML"}


def source(rel):
    return open(os.path.join(TOP, rel), encoding="utf-8").read()


def function(rel, head):
    """The body of the C function whose definition starts with head."""
    text = source(rel)
    start = text.index(head)
    return text[start:text.index("\n}\n", start)]


def parser_options(rel, head):
    return set(re.findall(r'"(--?[A-Za-z][\w-]*|--)"', function(rel, head)))


def help_text(prog):
    p = subprocess.run([prog, "--help"], capture_output=True)
    check(p.returncode == 0 and not p.stderr, f"{prog} --help: {p}")
    return p.stdout.decode()


def help_options(text):
    """The options of --help's option lines: "  -x, --long VALUE  what"."""
    found = set()
    for line in text.splitlines():
        if re.match(r"^ {2,6}-", line):
            found |= set(re.findall(OPTION, re.split(r"\s{2,}", line.strip())[0]))
    return found


def man(page):
    return source(os.path.join("scripts", "man", page))


def man_section(text, name):
    """The roff of section .SH name, up to the next .SH."""
    m = re.search(r"^\.SH \"?" + re.escape(name) + r"\"?\n(.*?)(?=^\.SH )",
                  text, re.S | re.M)
    check(m, f"no section {name}")
    return m.group(1)


def man_plain(roff):
    """roff with its escapes undone enough for names: \\- is -, font
    changes and requests' quotes gone."""
    t = roff.replace("\\-", "-").replace("\\(aq", "'")
    t = re.sub(r"\\f[BIRP]", "", t)
    return t


def man_tags(section):
    """The words of each .TP item's tag line."""
    lines = section.splitlines()
    tags = []
    for i, line in enumerate(lines[:-1]):
        if line == ".TP":
            tags.append(man_plain(lines[i + 1]))
    return tags


def man_options(page):
    found = set()
    for tag in man_tags(man_section(man(page), "OPTIONS")):
        found |= set(re.findall(OPTION, tag))
    return found


def bold_words(section):
    """Every name set in bold (.B, .BR's odd words, .BI's even ones...):
    all identifiers of the section's request lines."""
    words = set()
    for line in man_plain(section).splitlines():
        if line.startswith((".B ", ".BR ", ".BI ", ".IB ")):
            args = re.sub(r"'\w*", "", line.split(" ", 1)[1])  # rtrack's
            words |= set(re.findall(r"[A-Za-z_][\w.]*", args))
    return words


def same(what, a, b, an, bn):
    check(a == b, f"{what}: only in {an}: {sorted(a - b)}; "
          f"only in {bn}: {sorted(b - a)}")


WRAP = ("lib/wrapper/main.c", "static void wrap_parse(")
DUMP_PARSE = ("lib/dump/main.c", "static int parse_args(")


def formats():
    text = source("lib/dump/main.c")
    table = text[text.index("static const struct format formats[]"):]
    table = table[:table.index("};")]
    return re.findall(r'\{ "(\w+)",', table)


def config_vars():
    return set(re.findall(r'get\("(RTRACK_\w+)"', source("lib/inhost/config.c"))) - TEST_ONLY


def case_help_wrapper(d):
    text = help_text(WRAPPER)
    same("rtrack options", parser_options(*WRAP), help_options(text),
         "the parser", "--help")
    for v in config_vars():
        check(re.search(r"^\s+" + v + r"\s", text, re.M), f"--help lacks {v}")
    check(len(re.findall(r"^  rtrack .* -- ", text, re.M)) >= 2,
          "--help has not two examples")
    check(all(len(line) < 80 for line in text.splitlines()), "a line over 79")


def case_help_dump(d):
    text = help_text(DUMP)
    same("rtrack-dump options", parser_options(*DUMP_PARSE),
         help_options(text), "the parser", "--help")
    for f in formats():
        check(re.search(r"\b" + f + r"\b", text), f"--help lacks format {f}")
    check(len(re.findall(r"^  rtrack-dump ", text, re.M)) >= 2,
          "--help has not two examples")
    check(all(len(line) < 80 for line in text.splitlines()), "a line over 79")


def case_man_options(d):
    same("rtrack options", help_options(help_text(WRAPPER)),
         man_options("rtrack.1"), "--help", "rtrack(1)")
    same("rtrack-dump options", help_options(help_text(DUMP)),
         man_options("rtrack-dump.1"), "--help", "rtrack-dump(1)")
    synopsis = man_plain(man_section(man("rtrack-dump.1"), "SYNOPSIS"))
    for o in ("--follow", "--check", "--help", "--version"):
        check(o in synopsis, f"rtrack-dump(1) SYNOPSIS lacks {o}")
    fmts = man_section(man("rtrack-dump.1"), "OPTIONS")
    for f in formats():
        check(f".B {f}\n" in fmts, f"rtrack-dump(1) lacks format {f}")
    # The environment: every variable config.c reads, and RTRACK_ROOT.
    env = {t.split()[1] for t in man_tags(man_section(man("rtrack.1"), "ENVIRONMENT"))}
    same("RTRACK_* variables", config_vars() | {"RTRACK_ROOT"}, env,
         "lib/inhost/config.c", "rtrack(1)")
    # Exit statuses: each one --help gives is in the page.
    for page, prog in (("rtrack.1", WRAPPER), ("rtrack-dump.1", DUMP)):
        codes = {t.split()[1] for t in man_tags(man_section(man(page), "EXIT STATUS"))}
        for c in codes:
            check(re.search(r"\b" + c + r"\b", help_text(prog)),
                  f"{prog} --help lacks exit status {c}")


def stats_names(macro, header="lib/model/stats.h"):
    text = source(header)
    body = text[text.index("#define " + macro + "(X)"):]
    body = body[:body.index("\n\n")]
    return re.findall(r"X\((\w+),", body)


def case_man_contract(d):
    page = man("rtrack-dump.1")
    # CSV: every column, in the code's order.
    cols = stats_names("STATS_ROW_FIELDS")
    csv_words = " ".join(man_tags(man_section(page, "CSV")))
    at = [csv_words.find(c) for c in cols]
    check(all(i >= 0 for i in at), "rtrack-dump(1) CSV lacks "
          f"{[c for c, i in zip(cols, at) if i < 0]}")
    check(at == sorted(at), "rtrack-dump(1) CSV columns out of order")
    # JSON: every key the code names, and no other.
    json_c = source("lib/dump/json.c")
    keys = set(re.findall(r'json_\w+\(out, &?\w+, "(\w+)"', json_c))
    keys |= set(re.findall(r'fputs\(",?\\n?\\?"(\w+)\\?":', json_c))
    keys |= set(re.findall(r'"\\"(\w+)\\":', json_c))
    for macro in ("STATS_ROW_FIELDS", "STATS_SUMMARY_FIELDS", "STATS_GPU_FIELDS"):
        keys |= set(stats_names(macro))
    keys |= set(stats_names("ADVICE_DIAG_FIELDS", "lib/model/advice.h"))
    check({"meta", "summary", "samples", "gpus", "verdict", "ranges"} <= keys,
          f"keys not found in json.c: {sorted(keys)}")
    # samples' keys are the CSV columns, which that section gives.
    documented = bold_words(man_section(page, "JSON"))
    check(keys - set(cols) <= documented, "rtrack-dump(1) JSON lacks "
          f"{sorted(keys - set(cols) - documented)}")
    values = {"end_record", "wrapper", "exec_unenterable", "pss", "rss",
              "cpu", "bound", "starved", "throttled", "memory", "io",
              "waiting", "mixed", "cgroup_peak", "tree_max", "nvml", "drm",
              "null", "host", "rtrack",
              # sbatch options and the Kubernetes GPU resource
              "cpus", "per", "task", "mem", "gres", "time", "nvidia.com",
              "gpu"}
    extra = documented - keys - values - set(cols)
    check(not extra, f"rtrack-dump(1) JSON names keys the code lacks: {sorted(extra)}")
    # OpenMetrics: every family (counters with _total).
    om = source("lib/dump/openmetrics.c")
    fams = {n + ("_total" if c == "1" else "")
            for n, c in re.findall(r'\{ "(rtrack_\w+)", (\d),', om)}
    check(len(fams) > 30, f"families not found: {fams}")
    documented = {w for w in bold_words(man_section(page, "OPENMETRICS"))
                  if w.startswith("rtrack_")}
    same("OpenMetrics families", fams, documented, "openmetrics.c", "rtrack-dump(1)")


if __name__ == "__main__":
    run_case(globals(), "docs")
