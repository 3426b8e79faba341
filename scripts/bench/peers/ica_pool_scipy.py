#!/usr/bin/python3
"""Peer of W1 on several processes (the kit has no multi-process ICA): the kit's recipe
(peer_ica_scipy.features, imported, not copied; read_csv + features per file) over its 128 curves on a
multiprocessing pool of --processes workers (fork; each pinned to one BLAS thread by the kit's import),
batches of 8 files. The pool is started and warmed by an untimed pass; then --runs timed passes. Prints one
JSON line (seconds per pass, mean total area as a cross-check).

Run: /usr/bin/python3 ica_pool_scipy.py --kit ../shared/bench --processes 2 --runs 5
"""
import argparse
import glob
import json
import multiprocessing
import os
import statistics
import sys
import time

PARSER = argparse.ArgumentParser()
PARSER.add_argument("--kit", required=True)
PARSER.add_argument("--processes", type=int, required=True)
PARSER.add_argument("--runs", type=int, default=5)
ARGS = PARSER.parse_args()
sys.path.insert(0, os.path.abspath(ARGS.kit))
from benchutil import DATA  # noqa: E402
from peer_ica_scipy import features  # noqa: E402  (pins BLAS threads to 1 on import)
import pandas as pd  # noqa: E402

BATCH = 8


def one_file(path):
    df = pd.read_csv(path)
    return features(df["Voltage (V)"].to_numpy(), df["Charge (mA.h)"].to_numpy())["total_area_ah"]


def main():
    files = sorted(glob.glob(os.path.join(DATA, "ica", "curve_*.csv")))
    assert len(files) == 128, f"expected 128 curves in {DATA}/ica: run gen_workloads.py"
    with multiprocessing.Pool(ARGS.processes) as pool:
        pool.map(one_file, files, chunksize=BATCH)
        seconds, areas = [], []
        for _ in range(ARGS.runs):
            t0 = time.perf_counter()
            areas = pool.map(one_file, files, chunksize=BATCH)
            seconds.append(time.perf_counter() - t0)
    sys.stdout.write(json.dumps({
        "workload": "W1_ica", "peer": "scipy", "processes": ARGS.processes,
        "seconds_median": statistics.median(seconds), "seconds_min": min(seconds),
        "seconds_max": max(seconds), "runs": ARGS.runs, "mean_total_area_ah": sum(areas) / len(areas),
    }) + "\n")


if __name__ == "__main__":
    main()
