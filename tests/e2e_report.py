#!/usr/bin/env python3
"""The HTML report in a real browser: a real job runs under the preload,
rtrack-dump renders its log with --format html, and headless Chromium loads
the page.  The page must build every chart without an error (the page
records uncaught errors, console.error and blocked fetches in
body[data-rtrack-errors]); dragging on one chart must zoom them all, the
cursor must follow on every chart, and a double-click must reset them.  A
screenshot is kept as an artifact.

Usage: e2e_report.py SCREENSHOT   (paths come from RTRACK_PRELOAD,
RTRACK_DUMP and RTRACK_WORKLOAD, as ctest sets them).  Without chromium the
test says so and passes."""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

PRELOAD = os.environ["RTRACK_PRELOAD"]
DUMP = os.environ["RTRACK_DUMP"]
WORKLOAD = os.environ["RTRACK_WORKLOAD"]
NCHARTS = 6
HOSTILE = "<u>x</u>&'\""

# Injected into a copy of the page, after its scripts: drag across a third
# of the first chart, move the cursor, double-click, and report what every
# chart did in body[data-rtrack-interact].  movementX: uPlot ignores a
# mousemove that did not move while a button is down; the timeouts: it
# applies a new scale in a microtask.
INTERACT = """<script>
setTimeout(function () {
  var P = window.rtrackPlots, a = P[0], o = a.over;
  var r = o.getBoundingClientRect(), y = r.top + r.height / 2;
  function fire(type, el, fx) {
    el.dispatchEvent(new MouseEvent(type, {clientX: r.left + fx * r.width,
      clientY: y, bubbles: true, cancelable: true, view: window,
      button: 0, buttons: type === 'mouseup' ? 0 : 1, movementX: 1}));
  }
  function ranges() {
    return P.map(function (p) { return [p.scales.x.min, p.scales.x.max]; });
  }
  var out = {full: ranges()};
  fire('mouseenter', o, 0.2);
  fire('mousemove', o, 0.2);
  fire('mousedown', o, 0.2);
  fire('mousemove', o, 0.55);
  fire('mouseup', document, 0.55);
  setTimeout(function () {
    out.zoomed = ranges();
    fire('mousemove', o, 0.5);
    out.idx = P.map(function (p) { return p.cursor.idx; });
    fire('dblclick', o, 0.5);
    setTimeout(function () {
      out.reset = ranges();
      document.body.dataset.rtrackInteract = JSON.stringify(out);
    }, 50);
  }, 50);
}, 50);
</script>
"""


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def record(d):
    """Run a job with CPU, memory and disk phases; return its log."""
    log = os.path.join(d, "job.bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTRACK_")}
    env.update(LD_PRELOAD=PRELOAD, RTRACK_INTERVAL="0.1", RTRACK_OUTPUT=log,
               TMPDIR=d)
    script = (f'"{WORKLOAD}" cpu 2 1.5 && "{WORKLOAD}" mem 64 0.4 && '
              f'"{WORKLOAD}" write 8 "$1"')
    p = subprocess.run(["sh", "-c", script, "sh", HOSTILE], env=env, cwd=d,
                       capture_output=True, timeout=60)
    check(p.returncode == 0, f"job failed: {p.returncode} {p.stderr!r}")
    check(os.path.exists(log), "no log written")
    return log


def render(log, path):
    p = subprocess.run([DUMP, "--format", "html", "-o", path, log],
                       capture_output=True, timeout=60)
    check(p.returncode == 0, f"rtrack-dump: {p.returncode} {p.stderr!r}")
    with open(path, encoding="utf-8") as f:
        return f.read()


def page_data(page):
    start = page.index('<script type="application/json" id="rtrack-data">')
    start = page.index(">", start) + 1
    end = page.index("</script>", start)
    check("<" not in page[start:end], "a raw '<' inside the data script")
    return json.loads(page[start:end])


def check_data(page, log):
    """The embedded data: as many values as the json format has rows."""
    rows = json.loads(subprocess.run([DUMP, "--format", "json", log],
                                     capture_output=True, timeout=60,
                                     check=True).stdout)["samples"]
    d = page_data(page)
    check(len(rows) >= 10, f"only {len(rows)} rows")
    check(len(d["x"]) == len(rows), "x length")
    check(len(d["charts"]) == NCHARTS, f"{len(d['charts'])} charts")
    for c in d["charts"]:
        for s in c["series"]:
            check(len(s["data"]) == len(rows), f"{c['id']}/{s['label']} length")
    cpu = d["charts"][0]["series"][0]["data"]
    want = [r["process_cpu_usage"] for r in rows]
    check(all(a is None and b is None or abs(a - b) < 1e-3
              for a, b in zip(cpu, want)), "cpu series differs from json")
    check(HOSTILE in d["meta"]["cmdline"], "cmdline lost in the data")


class Attrs(html.parser.HTMLParser):
    """The body's attributes and the text of the page, as Chromium left it."""

    def __init__(self):
        super().__init__()
        self.body, self.text, self.underlined = {}, [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.body = dict(attrs)
        self.underlined += tag == "u"

    def handle_data(self, data):
        self.text.append(data)


def chromium(browser, d, args, url):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu",
           f"--user-data-dir={os.path.join(d, 'profile')}",
           "--virtual-time-budget=5000"] + args + [url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, f"chromium: {p.returncode} {p.stderr[-2000:]}")
    return p.stdout


def load(browser, d, path):
    a = Attrs()
    a.feed(chromium(browser, d, ["--dump-dom"], "file://" + path))
    errors = a.body.get("data-rtrack-errors")
    check(not errors, f"page errors: {errors}")
    charts = a.body.get("data-rtrack-charts")
    check(charts == str(NCHARTS), f"charts built: {charts!r} (script ran?)")
    return a


def check_interaction(browser, d, page):
    path = os.path.join(d, "interact.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", INTERACT + "</body>"))
    got = load(browser, d, path).body.get("data-rtrack-interact")
    check(got, "interaction script did not finish")
    r = json.loads(got)
    full, zoomed, reset = r["full"][0], r["zoomed"], r["reset"]
    # The dragged chart's range and the one handed to the others may
    # differ in the last bit of a double (seen: ...2297 vs ...23).
    tol = 1e-9 * (full[1] - full[0])
    check(all(abs(z[0] - zoomed[0][0]) <= tol and
              abs(z[1] - zoomed[0][1]) <= tol for z in zoomed),
          f"zoom not shared: {zoomed}")
    check(full[0] < zoomed[0][0] < zoomed[0][1] < full[1],
          f"drag did not zoom: {full} -> {zoomed[0]}")
    check(len(set(r["idx"])) == 1 and r["idx"][0] is not None,
          f"cursor not synchronised: {r['idx']}")
    check(all(x == full for x in reset), f"double-click: {reset} != {full}")


def main():
    shot = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           "report_screenshot.png")
    browser = find_chromium()
    with tempfile.TemporaryDirectory(prefix="rtrack-report-") as d:
        log = record(d)
        path = os.path.join(d, "report.html")
        page = render(log, path)
        check_data(page, log)
        if not browser:
            print("skipped: chromium not installed (apt-get install chromium)")
            return 0
        a = load(browser, d, path)
        check(a.underlined == 0, "the command line's <u> became markup")
        check(HOSTILE in "".join(a.text), "command line not shown as text")
        check_interaction(browser, d, page)
        if os.path.exists(shot):
            os.unlink(shot)
        chromium(browser, d, [f"--screenshot={shot}", "--window-size=1280,2000"],
                 "file://" + path)
        with open(shot, "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", "screenshot is not a PNG")
        shutil.copy(path, os.path.join(os.path.dirname(shot), "report.html"))
    print(f"ok: {NCHARTS} charts, no errors; screenshot {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
