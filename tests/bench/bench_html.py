#!/usr/bin/env python3
"""The HTML report of big logs in headless Chromium (scripts/bench html):
for a day at 1 Hz (86,400 samples) and a day at 10 Hz (864,000), the
page's size and rtrack-dump's time to write it, then in the browser the
time until every chart is drawn, a zoom of every chart to an hour, to a
minute and back to the whole day, and a hover (median and worst of 20).
Times are the page's own performance.now(), best of ROUNDS loads.

Usage: bench_html.py BENCH_LOG RTRACK_DUMP [ROUNDS]"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# Injected after the page's scripts; the data script is removed before
# Chromium prints the DOM, so that printing does not dominate.
PROBE = """<script>
(function () {
  var load = performance.now(), P = window.rtrackPlots, u = P[0];
  var x = u.data[0], lo = x[0], hi = x[x.length - 1], mid = (lo + hi) / 2;
  function zoom(a, b) {
    var t = performance.now();
    P.forEach(function (p) {
      p.batch(function () { p.setScale('x', {min: a, max: b}); });
    });
    return performance.now() - t;
  }
  var out = {load_ms: load, drawn_rows: x.length,
             zoom_hour_ms: zoom(mid, mid + 3600),
             zoom_minute_ms: zoom(mid, mid + 60),
             zoom_all_ms: zoom(lo, hi)}, h = [];
  for (var k = 0; k < 20; k++) {
    var t = performance.now();
    u.setCursor({left: u.over.clientWidth * (k + 1) / 22, top: 40});
    h.push(performance.now() - t);
  }
  h.sort(function (a, b) { return a - b; });
  out.hover_median_ms = h[10];
  out.hover_max_ms = h[19];
  document.getElementById('rtrack-data').remove();
  document.body.dataset.bench = JSON.stringify(out);
})();
</script>
"""


def browser():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    sys.exit("bench_html: chromium is not installed")


def measure(chromium, d, page):
    probe = os.path.join(d, "probe.html")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    with open(probe, "w", encoding="utf-8") as f:
        f.write(text.replace("</body>", PROBE + "</body>"))
    out = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         f"--user-data-dir={os.path.join(d, 'profile')}",
         "--window-size=1400,1000", "--dump-dom", "file://" + probe],
        capture_output=True, text=True, timeout=600).stdout
    m = re.search(r'data-bench="([^"]*)"', out)
    if not m:
        sys.exit("bench_html: the probe did not run")
    return json.loads(m.group(1).replace("&quot;", '"'))


def main():
    bench_log, dump = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    chromium = browser()
    d = tempfile.mkdtemp()
    try:
        for name, n, ms in (("a day at 1 Hz", 86400, 1000),
                            ("a day at 10 Hz", 864000, 100)):
            log, page = os.path.join(d, "day.bin"), os.path.join(d, "day.html")
            subprocess.run([bench_log, log, str(n), str(ms)], check=True,
                           stdout=subprocess.DEVNULL)
            t = time.perf_counter()
            subprocess.run([dump, "--format", "html", "-o", page, log],
                           check=True)
            write = time.perf_counter() - t
            runs = [measure(chromium, d, page) for _ in range(rounds)]
            best = {k: min(r[k] for r in runs) for k in runs[0]}
            print(f"{name} ({n} samples): page {os.path.getsize(page) / 1e6:.1f}"
                  f" MB written in {write:.1f} s; in Chromium (best of "
                  f"{rounds}): drawn {best['load_ms'] / 1000:.1f} s after "
                  f"opening, {best['drawn_rows']} rows a chart; zoom to an "
                  f"hour {best['zoom_hour_ms']:.0f} ms, a minute "
                  f"{best['zoom_minute_ms']:.0f} ms, back to the day "
                  f"{best['zoom_all_ms']:.0f} ms; hover median "
                  f"{best['hover_median_ms']:.1f} ms, worst "
                  f"{best['hover_max_ms']:.1f} ms")
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()
