#!/usr/bin/python3
"""Writes reference.json: fixed inputs and the values SciPy/NumPy compute
for them, which stats/reference_test.go checks the Go code against.

Where each expected value comes from:
  summary      numpy.mean, numpy.std(ddof=1), numpy.median, numpy.percentile
               (default "linear" = type 7), min, max
  t_interval   mean ± t quantile · scipy.stats.sem, the t quantile from
               scipy.stats.t.ppf refined on scipy.stats.t.cdf (see tppf)
  skewness     scipy.stats.skew(bias=False); excess_kurtosis scipy.stats.kurtosis(bias=False)
  shapiro      scipy.stats.shapiro (Royston's AS R94, computed in float32 by SciPy:
               compare W to ~1e-6 and p to ~1e-5)
  normaltest   scipy.stats.normaltest (D'Agostino-Pearson K^2)
  outliers     quartiles by numpy.percentile; z by scipy.stats.zscore(ddof=1);
               modified z = 0.6745 (x - median) / scipy.stats.median_abs_deviation(scale=1)
  trend        scipy.stats.linregress against 0..n-1
  bootstrap    scipy.stats.bootstrap(method="percentile" and "BCa", n_resamples=200000);
               a different random generator than nperf's, so the Go test allows
               Monte-Carlo error (a few hundredths of the standard error)
  welch        scipy.stats.ttest_ind(b, a, equal_var=False); df by the
               Welch-Satterthwaite formula (SciPy 1.10 does not return it)
  mannwhitney  scipy.stats.mannwhitneyu(b, a, alternative="two-sided", method="auto")
               (U of b); "exact" records the method SciPy's auto rule picks
  cohens_d     (mean(b) - mean(a)) / pooled sd, numpy
  cliffs_delta brute force over all pairs, numpy
  change_ci    Fieller's interval for mean(b)/mean(a), minus 1, with
               the t quantile (tppf) at the Welch df
  power        two-sided Welch test at alpha 0.05 of a change of 5% of mean(a):
               1 - nct.cdf(tc, df, ncp) + nct.cdf(-tc, df, ncp), scipy.stats.nct

Run: /usr/bin/python3 gen_reference.py > reference.json   (Debian python3-scipy)
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats

PCTS = [1, 5, 25, 75, 90, 95, 99]


def tppf(p, df):
    """scipy.stats.t.ppf refined by Newton steps on scipy.stats.t.cdf.

    SciPy 1.10's t.ppf (cephes stdtrit) is good to only ~1e-9: its own
    t.cdf at the answer misses p by up to 3e-10 (df=4, p=0.95). The CDF is
    accurate, so three Newton steps give the quantile to full precision."""
    q = stats.t.ppf(p, df)
    for _ in range(3):
        q -= (stats.t.cdf(q, df) - p) / stats.t.pdf(q, df)
    return float(q)


def data_sets():
    rng = np.random.default_rng(20261203)
    r3 = lambda a: [float(round(x, 3)) for x in a]
    series = 100 + 0.8 * np.arange(25) + rng.normal(0, 3, 25)
    return {
        "normal20": r3(rng.normal(100, 10, 20)),
        "lognormal30": r3(rng.lognormal(3, 0.6, 30)),
        "ties15": [float(x) for x in rng.integers(5, 12, 15)],
        "small3": [1.0, 2.0, 4.0],
        "small5": [2.5, 3.1, 2.9, 7.4, 3.0],
        "small8": r3(rng.normal(50, 5, 8)),
        "small11": r3(rng.normal(0, 1, 11)),
        "outliers22": r3(list(rng.normal(10, 1, 20)) + [16.5, 2.0]),
        "big1000": r3(rng.normal(9.4e9, 1.2e8, 1000)),
        "drift25": r3(series),
        "flat12": r3(rng.normal(500, 20, 12)),
    }


def pairs(rng):
    r3 = lambda a: [float(round(x, 3)) for x in a]
    return {
        "shift10": (r3(rng.normal(100, 5, 10)), r3(rng.normal(108, 5, 10))),
        "same12": (r3(rng.normal(100, 5, 12)), r3(rng.normal(100, 5, 12))),
        "small4v5": ([9.1, 9.4, 8.8, 9.0], [9.9, 10.3, 9.7, 10.0, 10.4]),
        "ties": ([3.0, 4.0, 4.0, 5.0, 6.0, 6.0, 7.0], [5.0, 6.0, 6.0, 7.0, 8.0, 8.0, 9.0, 9.0]),
        "unequal": (r3(rng.normal(50, 1, 6)), r3(rng.normal(53, 9, 15))),
        "exact8v30": (r3(rng.normal(20, 2, 8)), r3(rng.normal(21.5, 2, 30))),
        "large": (r3(rng.normal(1e6, 5e4, 60)), r3(rng.normal(0.98e6, 5e4, 70))),
    }


def nonan(v):
    v = float(v)
    return None if np.isnan(v) else v


def single(xs):
    a = np.array(xs)
    n = len(a)
    out = {
        "n": n,
        "mean": float(np.mean(a)),
        "stddev": float(np.std(a, ddof=1)),
        "median": float(np.median(a)),
        "min": float(a.min()),
        "max": float(a.max()),
        "percentiles": {str(p): float(np.percentile(a, p)) for p in PCTS},
        "t_interval": {},
        "skewness": nonan(stats.skew(a, bias=False)),
        "excess_kurtosis": nonan(stats.kurtosis(a, bias=False)),
    }
    for lv in (0.90, 0.95, 0.99):
        half = tppf(1 - (1 - lv) / 2, n - 1) * stats.sem(a)
        lo, hi = np.mean(a) - half, np.mean(a) + half
        out["t_interval"][str(lv)] = [float(lo), float(hi)]
    w, p = stats.shapiro(a)
    out["shapiro"] = {"w": float(w), "p": float(p)}
    if n >= 8:
        k2, p = stats.normaltest(a)
        out["normaltest"] = {"k2": float(k2), "p": float(p)}
    q1, q3 = np.percentile(a, 25), np.percentile(a, 75)
    iqr = q3 - q1
    z = stats.zscore(a, ddof=1)
    med = np.median(a)
    mad = stats.median_abs_deviation(a, scale=1.0)
    mz = 0.6745 * (a - med) / mad if mad > 0 else np.full(n, np.nan)
    flag = lambda m: [int(i) for i in np.nonzero(m)[0]]
    out["outliers"] = {
        "q1": float(q1), "q3": float(q3), "mad_value": float(mad),
        "iqr1.5": flag((a < q1 - 1.5 * iqr) | (a > q3 + 1.5 * iqr)),
        "iqr3": flag((a < q1 - 3 * iqr) | (a > q3 + 3 * iqr)),
        "z2": flag(np.abs(z) > 2),
        "z3": flag(np.abs(z) > 3),
        "mad": flag(np.abs(mz) > 3.5),
        "z": [float(v) for v in z],
        "modz": [nonan(v) for v in mz],
    }
    lr = stats.linregress(np.arange(n), a)
    out["trend"] = {"slope": float(lr.slope), "intercept": float(lr.intercept),
                    "r": float(lr.rvalue), "p": float(lr.pvalue)}
    return out


def boot(xs, seed):
    a = np.array(xs)
    res = {}
    for name, fn in (("mean", np.mean), ("median", np.median),
                     ("p90", lambda v, axis: np.percentile(v, 90, axis=axis))):
        res[name] = {}
        for method in ("percentile", "BCa"):
            r = stats.bootstrap((a,), fn, n_resamples=200000, method=method,
                                confidence_level=0.95, random_state=seed)
            res[name][method] = [float(r.confidence_interval.low), float(r.confidence_interval.high)]
        # the standard error the Go test scales its tolerance by
        res[name]["se"] = float(r.standard_error)
    return res


def compare(a, b):
    a, b = np.array(a), np.array(b)
    na, nb = len(a), len(b)
    t, p = stats.ttest_ind(b, a, equal_var=False)
    va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    u, up = stats.mannwhitneyu(b, a, alternative="two-sided", method="auto")
    ties = len(np.unique(np.concatenate([a, b]))) != na + nb
    exact = (na <= 8 or nb <= 8) and not ties
    sp = np.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    d = (b.mean() - a.mean()) / sp
    diff = b[None, :] - a[:, None]
    cliff = (np.sum(diff > 0) - np.sum(diff < 0)) / (na * nb)
    ma, mb = a.mean(), b.mean()
    tq = tppf(0.975, df)
    qa = ma * ma - tq * tq * va
    disc = tq * tq * (ma * ma * vb + mb * mb * va - tq * tq * va * vb)
    lo, hi = (ma * mb - np.sqrt(disc)) / qa - 1, (ma * mb + np.sqrt(disc)) / qa - 1
    delta = 0.05 * abs(ma)
    ncp = delta / np.sqrt(va + vb)
    tc = tppf(0.975, df)
    power = 1 - stats.nct.cdf(tc, df, ncp) + stats.nct.cdf(-tc, df, ncp)
    return {
        "a": [float(x) for x in a], "b": [float(x) for x in b],
        "welch": {"t": float(t), "df": float(df), "p": float(p)},
        "mannwhitney": {"u": float(u), "p": float(up), "exact": bool(exact)},
        "cohens_d": float(d), "cliffs_delta": float(cliff),
        "change": float(mb / ma - 1), "change_ci95": [float(lo), float(hi)],
        "power5pct": float(power),
    }


def main():
    ds = data_sets()
    rng = np.random.default_rng(7)
    out = {
        "generated_by": "stats/testdata/gen_reference.py",
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "single": {name: {"values": xs, **single(xs)} for name, xs in ds.items()},
        "bootstrap": {name: {"values": ds[name], **boot(ds[name], 1)} for name in ("normal20", "lognormal30")},
        "compare": {name: compare(a, b) for name, (a, b) in pairs(rng).items()},
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
