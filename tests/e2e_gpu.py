#!/usr/bin/env python3
"""End-to-end tests of the GPU step without a GPU: a real host runs under
librtrack_preload.so with the fake libnvidia-ml.so (tests/fake_nvml)
selected through the test-only RTRACK_TEST_NVML, scripted by a file that
puts the host itself (pid=self: the process that loaded the fake, the
root) on a fake device; the decoded GPU columns in CSV and JSON must be
the script's figures.  Without a library, with one that fails to init,
or with RTRACK_GPU=off, the columns are empty and the host sees nothing.
The HTML report draws GPU charts where a device was read, none where not.
The OpenMetrics text of such a run carries the GPU families, and
Prometheus' backfill (promtool, when installed) takes every line of it.

Usage: e2e_gpu.py CASE   (paths come from RTRACK_PRELOAD, RTRACK_DUMP,
RTRACK_WORKLOAD and RTRACK_FAKE_NVML, as ctest sets them)."""
import csv
import io
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
import e2e_openmetrics as om  # noqa: E402
from e2e import WORKLOAD, check, dump, run_case, traced_json  # noqa: E402

FAKE_NVML = os.environ["RTRACK_FAKE_NVML"]

GIB = 1 << 30
MIB = 1 << 20

# Device 0: the host at 60% SM with 512 MiB; device 1: someone else's.
SCRIPT = f"""\
device name=Tesla_T4 uuid=GPU-e2e-0 util=75 used={GIB} total={16 * GIB} \
power=70000 temp=50 clock=1590
device name=Tesla_T4 uuid=GPU-e2e-1 util=30 used={2 * GIB} total={16 * GIB}
proc 0 kind=compute pid=self mem={512 * MIB}
proc 1 kind=compute pid=1 mem={256 * MIB}
sample 0 pid=self sm=60 ts=now
sample 1 pid=1 sm=30 ts=now
"""

GPU_COLUMNS = ("system_gpu_usage", "system_gpu_vram_mib",
               "system_gpu_utilized", "process_gpu_usage",
               "process_gpu_vram_mib", "process_gpu_utilized")


def traced(d, script=SCRIPT, lib=FAKE_NVML, extra=None):
    """workload cpu 1 1.0 at 5 Hz with the fake: its JSON and log."""
    path = os.path.join(d, "nvml.script")
    with open(path, "w") as f:
        f.write(script)
    env = {"RTRACK_INTERVAL": "0.2", "RTRACK_TEST_NVML": lib,
           "FAKE_NVML_SCRIPT": path}
    env.update(extra or {})
    _, j, log = traced_json(d, [WORKLOAD, "cpu", "1", "1.0"], env)
    return j, log


def csv_rows(log):
    return list(csv.DictReader(io.StringIO(dump(log, "csv").stdout.decode())))


def near(value, want, what):
    check(abs(value - want) <= 1e-6 + 1e-3 * abs(want),
          f"{what}: {value} != {want}")


def case_columns(d):
    j, log = traced(d)
    rows = csv_rows(log)
    check(len(rows) >= 4, f"only {len(rows)} rows")
    want = {"system_gpu_usage": 1.05, "system_gpu_vram_mib": 3072.0,
            "system_gpu_utilized": 2, "process_gpu_usage": 0.6,
            "process_gpu_vram_mib": 512.0, "process_gpu_utilized": 1}
    for i, r in enumerate(rows):
        for k, v in want.items():
            check(r[k] != "", f"row {i}: {k} empty")
            near(float(r[k]), v, f"row {i} {k}")
    for i, r in enumerate(j["samples"]):
        for k, v in want.items():
            near(r[k], v, f"json sample {i} {k}")
    s = j["summary"]
    near(s["gpu_usage_mean"], 0.6, "gpu_usage_mean")
    near(s["gpu_usage_max"], 0.6, "gpu_usage_max")
    near(s["gpu_vram_mib_max"], 512.0, "gpu_vram_mib_max")
    check(j["recommendation"]["gpus"] == 1, "recommended GPUs")
    check(j["recommendation"]["vram_mib"] == 1024, "recommended VRAM")
    text = dump(log, "summary").stdout.decode()
    check("GPU        mean 0.60 GPUs, max 0.60, VRAM max 512.0 MiB" in text,
          f"summary GPU line:\n{text}")


def case_json_devices(d):
    j, _ = traced(d)
    g = j["gpus"]
    check([x["id"] for x in g] == ["GPU-e2e-0", "GPU-e2e-1"], f"ids {g}")
    check(all(x["source"] == "nvml" and x["name"] == "Tesla T4" and
              not x["mig"] and x["process_utilization"] for x in g),
          "device inventory")
    near(g[0]["memory_total_mib"], 16384.0, "memory_total_mib")
    near(g[0]["power_w_max"], 70.0, "power_w_max")
    near(g[0]["process_utilization_pct_max"], 60.0, "process util max")
    near(g[1]["process_vram_mib_max"], 0.0, "device 1 is not the job's")
    # one per sample, the first sample's included
    n = j["summary"]["samples"]
    check(len(g[0]["samples"]) == n, f"{len(g[0]['samples'])} != {n}")
    last = g[0]["samples"][-1]
    check(last["utilization_pct"] == 75 and last["processes"] == 1 and
          last["temperature_c"] == 50 and last["sm_clock_mhz"] == 1590,
          f"device 0 sample {last}")
    near(last["process_vram_mib"], 512.0, "process_vram_mib")
    missing = e2e.undocumented_keys(j)
    check(not missing, f"rtrack-dump(1) JSON lacks {sorted(missing)}")


def om_values(lines, name, labels=""):
    """The values of family `name` whose labels hold `labels`."""
    return [float(l.split("} ")[1].split()[0]) for l in lines
            if l.startswith(name + "{") and labels in l]


def case_openmetrics(d):
    _, log = traced(d)
    path = os.path.join(d, "out.om")
    text = om.convert(log, path)
    lines = om.sample_lines(text)
    rows = len(csv_rows(log))
    want = {"rtrack_process_gpu_usage": 0.6,
            "rtrack_process_gpu_vram_bytes": 512 * MIB,
            "rtrack_process_gpu_utilized": 1,
            "rtrack_system_gpu_usage": 1.05,
            "rtrack_system_gpu_vram_bytes": 3 * GIB,
            "rtrack_system_gpu_utilized": 2}
    for name, v in want.items():
        got = om_values(lines, name)
        check(len(got) == rows, f"{name}: {len(got)} samples, {rows} rows")
        for x in got:
            near(x, v, name)
    dev0 = 'gpu="0",uuid="GPU-e2e-0"}'
    dev1 = 'gpu="1",uuid="GPU-e2e-1"}'
    per_device = [("rtrack_gpu_utilization_ratio", dev0, 0.75),
                  ("rtrack_gpu_utilization_ratio", dev1, 0.30),
                  ("rtrack_gpu_memory_used_bytes", dev0, GIB),
                  ("rtrack_gpu_memory_total_bytes", dev1, 16 * GIB),
                  ("rtrack_gpu_power_watts", dev0, 70.0),
                  ("rtrack_gpu_temperature_celsius", dev0, 50),
                  ("rtrack_gpu_sm_clock_hertz", dev0, 1590e6),
                  ("rtrack_gpu_process_utilization_ratio", dev0, 0.6),
                  ("rtrack_gpu_process_vram_bytes", dev0, 512 * MIB),
                  ("rtrack_gpu_process_vram_bytes", dev1, 0),
                  ("rtrack_gpu_processes", dev0, 1)]
    for name, labels, v in per_device:
        got = om_values(lines, name, labels)
        check(len(got) >= rows, f"{name}{labels}: {len(got)} samples")
        near(got[-1], v, f"{name}{labels}")
    if shutil.which("promtool") is None:
        raise e2e.Skip("promtool not installed (apt-get install "
                       "prometheus); the text was checked")
    om.backfill(text, path, d)


def no_gpu(d, j, log, summary="GPU        not sampled"):
    for i, r in enumerate(csv_rows(log)):
        for k in GPU_COLUMNS:
            check(r[k] == "", f"row {i}: {k} = {r[k]!r}, not empty")
    check(all(r[k] is None for r in j["samples"] for k in GPU_COLUMNS),
          "JSON GPU values not null")
    check(j["gpus"] == [], f"gpus {j['gpus']}")
    check(j["summary"]["gpu_usage_max"] is None, "gpu_usage_max not null")
    check(j["recommendation"]["gpus"] == 0, "GPUs recommended")
    text = dump(log, "summary").stdout.decode()
    check(any(w in text for w in summary.split("|")),
          f"summary GPU line:\n{text}")


def html_charts(log):
    """The charts of log's HTML report, by id: their series' data."""
    page = dump(log, "html").stdout.decode()
    start = page.index('id="rtrack-data">') + len('id="rtrack-data">')
    data = json.loads(page[start:page.index("</script>", start)])
    return {c["id"]: {s["label"]: s["data"] for s in c["series"]}
            for c in data["charts"]}, page


def case_html(d):
    """The report shows GPU charts where a device was read: the tree's
    60% of device 0 (0.6 GPUs) and 512 MiB, the machine's 75% + 30%."""
    _, log = traced(d)
    charts, page = html_charts(log)
    check("gpu" in charts and "vram" in charts, f"charts {list(charts)}")
    near(charts["gpu"]["tree"][-1], 0.6, "tree GPUs")
    near(charts["gpu"]["machine"][-1], 1.05, "machine GPUs")
    near(charts["vram"]["tree"][-1], 512.0, "tree VRAM")
    check("<dt>GPU</dt>" in page, "the usage card has no GPU row")


def case_off(d):
    j, log = traced(d, extra={"RTRACK_GPU": "off"})
    no_gpu(d, j, log)
    charts, page = html_charts(log)
    check("gpu" not in charts and "vram" not in charts,
          f"GPU charts without a GPU: {list(charts)}")
    check("<dt>GPU</dt>" not in page, "a GPU row without a GPU")


def case_no_library(d):
    j, log = traced(d, lib=os.path.join(d, "missing", "libnvidia-ml.so.1"))
    no_gpu(d, j, log)


def case_init_fails(d):
    # The library loads, so the header may say a GPU source was there
    # (gpu_probe); no device could be read.
    j, log = traced(d, script="init 9\n" + SCRIPT)
    no_gpu(d, j, log, "GPU        not sampled|GPU        no device could be read")


if __name__ == "__main__":
    run_case(globals(), "e2e-gpu")
