#!/usr/bin/python3
"""Peer of the ICA scaling series: the kit's W1 recipe (peer_ica_scipy.features, imported, not copied) over
N curves, curve k = ica/curve_{k mod 128}.csv, in a process of its own. An untimed warm-up over 16 curves,
then one timed pass (read_csv + features per curve, only the features kept); prints one JSON line with the
pass's seconds and compute seconds (the bench measures peak RSS around the process).

Run: /usr/bin/python3 ica_scaling_scipy.py --kit ../shared/bench --count N
"""
import argparse
import glob
import json
import os
import sys
import time

PARSER = argparse.ArgumentParser()
PARSER.add_argument("--kit", required=True)
PARSER.add_argument("--count", type=int, required=True)
ARGS = PARSER.parse_args()
sys.path.insert(0, os.path.abspath(ARGS.kit))
from benchutil import DATA  # noqa: E402
from peer_ica_scipy import features  # noqa: E402  (pins BLAS threads to 1 on import)
import pandas as pd  # noqa: E402

WARMUP_CURVES = 16


def one_pass(files):
    compute, area_sum = 0.0, 0.0
    t0 = time.perf_counter()
    for f in files:
        df = pd.read_csv(f)
        t1 = time.perf_counter()
        area_sum += features(df["Voltage (V)"].to_numpy(), df["Charge (mA.h)"].to_numpy())["total_area_ah"]
        compute += time.perf_counter() - t1
    return time.perf_counter() - t0, compute, area_sum


def main():
    base = sorted(glob.glob(os.path.join(DATA, "ica", "curve_*.csv")))
    assert base, f"no curves in {DATA}/ica: run gen_workloads.py"
    one_pass([base[k % len(base)] for k in range(WARMUP_CURVES)])
    seconds, compute, area_sum = one_pass([base[k % len(base)] for k in range(ARGS.count)])
    sys.stdout.write(json.dumps({
        "curves": ARGS.count, "seconds": seconds, "compute_seconds": compute,
        "mean_total_area_ah": area_sum / ARGS.count,
    }) + "\n")


if __name__ == "__main__":
    main()
