#!/usr/bin/env python3
"""The HTML report in a real browser: real jobs run under the preload,
rtrack-dump renders their logs with --format html, and headless Chromium
loads the page at 1400 and 800 px wide.  The page records uncaught errors,
console.error and blocked fetches in body[data-rtrack-errors]: there must
be none.  What each case must show is checked in the DOM Chromium leaves,
and screenshots are kept in the working directory (ctest's: build/tests)
for a person to look at.

Cases (argv[1]):
  run      one job with CPU, memory and disk phases and 12 repeated
           commands: the four cards, a chart per measured figure and no
           GPU chart (no GPU here), the process tree with the repeated
           commands as one group row, sorting; a drag on one chart zooms
           them all, the cursor follows on every chart, a double-click
           resets; text from the log stays text.
  compare  two runs of different jobs as one page: a table row and a
           line per run on every chart.
  tree     the process tree of a real run whose data is then made hostile:
           a parent cycle, a chain 3,000 deep, commands named like
           JavaScript's own properties, unknown starts and exits: the
           page draws without an error.
  big      a day at 1 Hz (86,400 samples, written by bench_log): every
           chart draws at most two points per pixel column,
           the legend gives the range a point stands for, and after a
           zoom to a minute the exact sample.

Paths come from RTRACK_PRELOAD, RTRACK_DUMP, RTRACK_WORKLOAD and
RTRACK_BENCH_LOG, as ctest sets them.  Without chromium the case says so
and passes (scripts/test installs it)."""
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
HOSTILE = "<u>x</u>&'\""
WIDTHS = (1400, 800)

# Injected after the page's scripts: drag across a third of the first
# chart, move the cursor, double-click, and report what every chart did in
# body[data-rtrack-interact].  movementX: uPlot ignores a mousemove that
# did not move while a button is down; the timeouts: it applies a new
# scale in a microtask.
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
    out.times = P.map(function (p) {
      return p.root.querySelector('.u-value').textContent; });
    fire('dblclick', o, 0.5);
    setTimeout(function () {
      out.reset = ranges();
      document.body.dataset.rtrackInteract = JSON.stringify(out);
    }, 50);
  }, 50);
}, 50);
</script>
"""

# Injected into the run's page: sort the process tree by peak RSS, and
# report the top level's figures as shown, in order.
SORT = """<script>
setTimeout(function () {
  document.querySelector('th[data-sort=memory]').click();
  var rows = document.querySelectorAll('#procs tbody tr');
  document.body.dataset.rtrackSorted = JSON.stringify({
    sorted: document.querySelector('th.sorted').dataset.sort,
    rss: Array.prototype.map.call(rows, function (r) {
      return [r.querySelector('td.name').style.paddingLeft,
              r.cells[6] ? r.cells[6].textContent : ''];
    })});
}, 50);
</script>
"""

UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def check_sort(browser, d, page, charts):
    """Sorting by memory orders each level by peak RSS, largest first."""
    path = with_script(d, page, SORT, "sort.html")
    r = json.loads(load(browser, d, path, 1400, charts)
                   .body["data-rtrack-sorted"])
    check(r["sorted"] == "memory", f"sorted by {r['sorted']}")
    level = {}
    for pad, cell in r["rss"]:
        if not cell:
            continue
        num, unit = cell.replace("max ", "").split()
        level.setdefault(pad, []).append(float(num) * UNITS[unit])
    second = level.get("20px", [])
    check(len(second) >= 2 and second == sorted(second, reverse=True),
          f"children not largest first: {second}")


# Injected into the big page: the rows each chart draws over the whole
# day, then a zoom to one minute and the legend under the cursor against
# the full data.  The data script is removed afterwards, so that the DOM
# Chromium prints stays small.
BIG = """<script>
(function () {
  var D = JSON.parse(document.getElementById('rtrack-data').textContent);
  var P = window.rtrackPlots, u = P[0], out = {};
  out.width = u.bbox.width / (window.devicePixelRatio || 1);
  out.full_rows = P.map(function (p) { return p.data[0].length; });
  var X = window.rtrackColumn(D.x);
  out.total = X.length;
  out.compact = !Array.isArray(D.x);
  var m = P.filter(function (p) { return p.root.parentNode.parentNode.id ===
                                  'chart-memory'; })[0];
  m.setCursor({left: 200, top: 10});
  out.legend_day = m.root.querySelectorAll('.u-value')[1].textContent;
  var mid = X[X.length >> 1];
  P.forEach(function (p) {
    p.batch(function () { p.setScale('x', {min: mid, max: mid + 60}); });
  });
  out.minute_rows = u.data[0].length;
  setTimeout(function () { /* uPlot settles the new data first */
    m.setCursor({left: m.bbox.width / (window.devicePixelRatio || 1) / 2,
                 top: 10});
    var i = m.cursor.idx, x = m.data[0][i], k = X.indexOf(x);
    var mem = D.charts.filter(function (c) { return c.id === 'memory'; })[0];
    out.cursor_x = x;
    out.full_value = window.rtrackColumn(mem.series[0].data)[k];
    out.drawn_value = m.data[1][i];
    out.legend = m.root.querySelectorAll('.u-value')[1].textContent;
    document.getElementById('rtrack-data').remove();
    document.body.dataset.rtrackBig = JSON.stringify(out);
  }, 50);
})();
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


def record(d, name, script, *args):
    """Run script under the preload at 10 Hz; return its log."""
    log = os.path.join(d, name + ".bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTRACK_")}
    env.update(LD_PRELOAD=PRELOAD, RTRACK_INTERVAL="0.1", RTRACK_OUTPUT=log,
               TMPDIR=d, W=WORKLOAD)
    p = subprocess.run(["sh", "-c", script, "sh"] + list(args), env=env,
                       cwd=d, capture_output=True, timeout=60)
    check(p.returncode == 0, f"job failed: {p.returncode} {p.stderr!r}")
    check(os.path.exists(log), "no log written")
    return log


def render(path, *logs):
    p = subprocess.run([DUMP, "--format", "html", "-o", path] + list(logs),
                       capture_output=True, timeout=120)
    check(p.returncode == 0, f"rtrack-dump: {p.returncode} {p.stderr!r}")
    with open(path, encoding="utf-8") as f:
        return f.read()


def page_data(page):
    start = page.index('<script type="application/json" id="rtrack-data">')
    start = page.index(">", start) + 1
    end = page.index("</script>", start)
    check("<" not in page[start:end], "a raw '<' inside the data script")
    return json.loads(page[start:end])


class Dom(html.parser.HTMLParser):
    """What Chromium left: the body's attributes, the text, and elements
    by tag and class or id."""

    def __init__(self):
        super().__init__()
        self.body, self.text, self.tags = {}, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        self.tags.append((tag, a.get("class") or "", a.get("id") or ""))

    def handle_data(self, data):
        self.text.append(data)

    def count(self, tag, cls=None, ident=None):
        return sum(1 for t, c, i in self.tags if t == tag and
                   (cls is None or cls in c.split()) and
                   (ident is None or i == ident))


def chromium(browser, d, args, url, width):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu",
           "--hide-scrollbars", f"--user-data-dir={os.path.join(d, 'profile')}",
           f"--window-size={width},2400", "--virtual-time-budget=5000"] + \
        args + [url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    check(p.returncode == 0, f"chromium: {p.returncode} {p.stderr[-2000:]}")
    return p.stdout


def load(browser, d, path, width, charts):
    """Load path at width: no page error, `charts` charts built."""
    dom = Dom()
    dom.feed(chromium(browser, d, ["--dump-dom"], "file://" + path, width))
    errors = dom.body.get("data-rtrack-errors")
    check(not errors, f"page errors at {width} px: {errors}")
    built = dom.body.get("data-rtrack-charts")
    check(built == str(charts), f"charts built: {built!r}, want {charts}")
    return dom


def screenshots(browser, d, path, name):
    for w in WIDTHS:
        shot = os.path.abspath(f"report_{name}_{w}.png")
        if os.path.exists(shot):
            os.unlink(shot)
        chromium(browser, d, [f"--screenshot={shot}"], "file://" + path, w)
        with open(shot, "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{shot}: not a PNG")


def with_script(d, page, script, name):
    path = os.path.join(d, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", script + "</body>"))
    return path


def check_interaction(browser, d, page, charts):
    path = with_script(d, page, INTERACT, "interact.html")
    got = load(browser, d, path, 1400, charts).body.get("data-rtrack-interact")
    check(got, "interaction script did not finish")
    r = json.loads(got)
    full, zoomed, reset = r["full"][0], r["zoomed"], r["reset"]
    # The dragged chart's range and the one handed to the others may
    # differ in the last bit of a double.
    tol = 1e-9 * (full[1] - full[0])
    check(all(abs(z[0] - zoomed[0][0]) <= tol and
              abs(z[1] - zoomed[0][1]) <= tol for z in zoomed),
          f"zoom not shared: {zoomed}")
    check(full[0] < zoomed[0][0] < zoomed[0][1] < full[1],
          f"drag did not zoom: {full} -> {zoomed[0]}")
    check(len(set(r["idx"])) == 1 and r["idx"][0] is not None,
          f"cursor not synchronised: {r['idx']}")
    check(len(set(r["times"])) == 1 and r["times"][0],
          f"legends tell different times: {r['times']}")
    check(all(abs(x[0] - full[0]) <= tol and abs(x[1] - full[1]) <= tol
              for x in reset), f"double-click: {reset} != {full}")


def case_run(browser, d):
    log = record(d, "job", '"$W" cpu 2 1.5 && "$W" mem 64 0.4 && '
                 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do '
                 'sh -c "true $i"; done && "$W" write 8 "$1"', HOSTILE)
    path = os.path.join(d, "report.html")
    page = render(path, log)
    data = page_data(page)
    rows = json.loads(subprocess.run(
        [DUMP, "--format", "json", log], capture_output=True, timeout=60,
        check=True).stdout)["samples"]
    ids = [c["id"] for c in data["charts"]]
    check(len(rows) >= 10, f"only {len(rows)} rows")
    check(len(data["x"]) == len(rows), "x length")
    check(ids[:3] == ["cpu", "memory", "disk"], f"charts {ids}")
    check("gpu" not in ids and "vram" not in ids, f"GPU charts: {ids}")
    for c in data["charts"]:
        for s in c["series"]:
            check(len(s["data"]) == len(rows), f"{c['id']}/{s['label']}")
    cpu = data["charts"][0]["series"]
    got = [None if a is None else a + b
           for a, b in zip(cpu[0]["data"], cpu[1]["data"])]
    want = [r["process_cpu_usage"] for r in rows]
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(got, want))
           if not (a is None and b is None or
                   a is not None and b is not None and abs(a - b) < 2e-3)]
    check(not bad, f"cpu series differs from json: {bad[:5]}")
    check(any(p[10].startswith("sh -c true") for p in data["procs"]),
          "the repeated commands are not among the processes")
    if not browser:
        print("skipped: chromium not installed (apt-get install chromium)")
        return
    for w in WIDTHS:
        dom = load(browser, d, path, w, len(ids))
        text = "".join(dom.text)
        check(dom.count("u") == 0, "the command line's <u> became markup")
        check(HOSTILE in text, "command line not shown as text")
        check(dom.count("section", "card") == 4, "not four cards")
        check(dom.count("span", "badge", "status") == 1, "no status badge")
        check("finished: exit code 0" in text, "the status is not said")
        check(dom.count("div", "chart") == len(ids), "chart elements")
        check(dom.count("div", ident="chart-gpu") == 0, "a GPU chart")
        check(dom.count("p", "note") == len(ids), "a chart without its line")
        check(dom.count("tr", "group") >= 1, "no grouped row")
        check("\u00d712" in text, "the 12 repeated commands are not one row")
        shown = int(dom.body.get("data-rtrack-procs", "0"))
        check(0 < shown <= 2 * 20 + 5, f"{shown} process rows shown")
    check_interaction(browser, d, page, len(ids))
    check_sort(browser, d, page, len(ids))
    screenshots(browser, d, path, "run")
    print(f"ok: {len(ids)} charts ({', '.join(ids)}), cards, grouped rows, "
          "no errors; screenshots report_run_*.png")


def case_compare(browser, d):
    a = record(d, "a", '"$W" cpu 1 0.6')
    b = record(d, "b", '"$W" mem 48 0.5 && "$W" cpu 1 0.3')
    path = os.path.join(d, "compare.html")
    page = render(path, a, b)
    data = page_data(page)
    check(data["kind"] == "compare", "not a comparison page")
    check([r["log"] for r in data["runs"]] == ["a.bin", "b.bin"], "runs")
    ids = [c["id"] for c in data["charts"]]
    check("cpu" in ids and "memory" in ids and "gpu" not in ids,
          f"charts {ids}")
    if not browser:
        print("skipped: chromium not installed (apt-get install chromium)")
        return
    for w in WIDTHS:
        dom = load(browser, d, path, w, len(ids))
        check(dom.count("span", "swatch") == 2, "not a table row a run")
        check(dom.count("table", ident="runs") == 1, "no table of runs")
    check_interaction(browser, d, page, len(ids))
    screenshots(browser, d, path, "compare")
    print(f"ok: 2 runs, {len(ids)} charts; screenshots report_compare_*.png")


def case_tree(browser, d):
    log = record(d, "tree", '"$W" cpu 1 0.2')
    path = os.path.join(d, "tree.html")
    page = render(path, log)
    data = page_data(page)
    row = data["procs"][0]
    # [parent, pid, start, end, cpu, rss, read, write, exit, exact, cmd]
    procs = [[1, 10, 0.1, 0.2, 0.1, 1.0, 0, 0, "0", 1, "cycle a"],
             [0, 20, 0.1, 0.2, 0.1, 1.0, 0, 0, "0", 1, "cycle b"]]
    procs += [[len(procs) + i - 1 if i else -1, 100 + i, 0.1, None, 0.01,
               1.0, 0, 0, "alive", 0, f"deep {i}"] for i in range(3000)]
    procs += [[-1, 9000, None, None, 0, 0, 0, 0, "?", 0, "sh"]]
    procs += [[len(procs) - 1, 9001 + i, None, None, 0, 0, 0, 0, "?", 0,
               name] for i, name in enumerate(
                   ["constructor", "constructor", "constructor",
                    "__proto__", "__proto__", "__proto__", "toString"] * 2)]
    data["procs"] = procs + [row]
    text = json.dumps(data).replace("<", "\\u003c")
    start = page.index('id="rtrack-data">') + len('id="rtrack-data">')
    page = page[:start] + text + page[page.index("</script>", start):]
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    if not browser:
        print("skipped: chromium not installed (apt-get install chromium)")
        return
    dom = load(browser, d, path, 1400, len(data["charts"]))
    text = "".join(dom.text)
    check("constructor" in text and "\u00d76" in text,
          "the six constructor rows are not one group")
    shown = int(dom.body.get("data-rtrack-procs", "0"))
    check(0 < shown < 200, f"{shown} rows shown")
    print(f"ok: a cycle, a chain of 3000 and odd names draw ({shown} rows)")


def case_big(browser, d):
    log = os.path.join(d, "day.bin")
    subprocess.run([os.environ["RTRACK_BENCH_LOG"], log, "86400", "1000"],
                   check=True, capture_output=True, timeout=120)
    path = os.path.join(d, "day.html")
    page = render(path, log)
    if not browser:
        print("skipped: chromium not installed (apt-get install chromium)")
        return
    path = with_script(d, page, BIG, "big.html")
    dom = load(browser, d, path, 1400, len(page_data(page)["charts"]))
    r = json.loads(dom.body["data-rtrack-big"])
    check(r["total"] == 86399, f"{r['total']} rows in the data")
    check(r["compact"], "a day's series are not in the compact form")
    # Two rows a pixel column at most, and a few off the view's edges.
    limit = 2 * r["width"] + 60
    check(all(n <= limit for n in r["full_rows"]),
          f"a day draws {r['full_rows']} rows, more than {limit}")
    check(55 <= r["minute_rows"] <= 120,
          f"a minute draws {r['minute_rows']} rows, not its 60 samples")
    check(r.get("drawn_value") is not None and
          r["drawn_value"] == r.get("full_value"),
          f"hover: drawn {r['drawn_value']}, data {r['full_value']}")
    check("\u2013" not in r["legend"] and r["legend"].endswith("iB"),
          f"the legend is not one exact value: {r['legend']!r}")
    # Over the whole day a point stands for several samples: their range.
    check(" \u2013 " in r["legend_day"],
          f"a day's legend is not a range: {r['legend_day']!r}")
    print(f"ok: a day at 1 Hz draws {max(r['full_rows'])} rows a chart "
          f"(legend {r['legend_day']!r}); a minute {r['minute_rows']} "
          f"(legend {r['legend']!r})")


def main():
    case = sys.argv[1] if len(sys.argv) > 1 else "run"
    cases = {"run": case_run, "compare": case_compare, "tree": case_tree,
             "big": case_big}
    if case not in cases:
        print(f"usage: e2e_report.py {'|'.join(cases)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="rtrack-report-") as d:
        cases[case](find_chromium(), d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
