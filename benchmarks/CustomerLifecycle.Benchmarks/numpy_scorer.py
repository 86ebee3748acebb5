"""The benchmark scorecard (bench8) as a data team would write it in numpy: vectorised over the columns of the
same data file the library reads. Run by ScoringComparisonBenchmarks, which checks that it agrees with the library
on every row, then times one scoring of the whole file per request.

Protocol: argv = data file, result file. Writes the scores (float64, NaN where no factor applies) and colors (int8:
0 none, 1 Red, 2 Yellow, 3 Green) to the result file, prints "ready", then scores the portfolio once for each
"run" line on stdin, answering "done", until "exit".
"""
import sys

import numpy as np


def load(path):
    with open(path, "rb") as f:
        magic = f.read(8)
        if magic != b"CLBENCH1":
            raise SystemExit(f"{path} is not a benchmark data file")
        n, k = (int(v) for v in np.fromfile(f, dtype="<i4", count=2))
        return np.fromfile(f, dtype="<f8", count=n * k).reshape(k, n)


def ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def linear(x, xs, ys):
    return np.where(np.isnan(x), np.nan, np.interp(x, xs, ys))


def bands(x, below, thresholds):
    points = np.full(x.shape, float(below))
    for threshold, value in thresholds:
        points = np.where(x >= threshold, value, points)
    return np.where(np.isnan(x), np.nan, points)


def average(parts):
    """Weighted mean of the parts that are not NaN; NaN where none is."""
    total = np.zeros(parts[0][0].shape)
    weight = np.zeros(parts[0][0].shape)
    for values, w in parts:
        present = ~np.isnan(values)
        total += np.where(present, w * values, 0.0)
        weight += np.where(present, w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weight > 0, total / weight, np.nan)


def score(data):
    logins, active, licensed, used, available, nps, csat, unresolved, high, late = data
    usage_parts = [
        linear(ratio(logins, active), [0, 4, 12, 20], [0, 50, 90, 100]),
        linear(ratio(active, licensed), [0, 0.5, 0.8, 1.0], [0, 50, 90, 100]),
        linear(ratio(used, available), [0, 0.3, 0.6, 0.8], [0, 50, 85, 100]),
    ]
    support_parts = [
        bands(unresolved, 100, [(1, 60), (3, 30), (5, 0)]),
        bands(high, 100, [(1, 40), (2, 0)]),
    ]
    nps_points = bands(nps, 10, [(7, 60), (9, 100)])
    csat_points = linear(csat, [1, 3, 4, 5], [0, 50, 75, 100])
    late_points = linear(late, [0, 15, 30, 60], [100, 70, 40, 0])
    groups = [
        (average([(p, 1.0) for p in usage_parts]), 40.0),
        (average([(p, 1.0) for p in support_parts]), 25.0),
        (nps_points, 15.0),
        (csat_points, 10.0),
        (late_points, 10.0),
    ]
    value = average(groups)

    # Confidence: the share of the scorecard's weight whose factor was measured; no color below one half.
    confidence = np.zeros(value.shape)
    for parts, share in ((usage_parts, 0.40), (support_parts, 0.25), ([nps_points], 0.15), ([csat_points], 0.10), ([late_points], 0.10)):
        for p in parts:
            confidence += np.where(np.isnan(p), 0.0, share / len(parts))
    colors = np.where(value < 40, 1, np.where(value >= 70, 3, 2)).astype(np.int8)
    colors[np.isnan(value) | (confidence < 0.5 - 1e-9)] = 0
    return value, colors


def main():
    data = load(sys.argv[1])
    value, colors = score(data)
    with open(sys.argv[2], "wb") as f:
        f.write(value.astype("<f8").tobytes())
        f.write(colors.tobytes())
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "run":
            score(data)
            print("done", flush=True)
        elif command == "exit":
            return


if __name__ == "__main__":
    main()
