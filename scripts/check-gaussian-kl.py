#!/usr/bin/env python3
"""Independent check of a Gaussian-target run (numpy only; no project code).

usage: check-gaussian-kl.py RUN_DIR [RUN_DIR ...] [--reps R]

Rebuilds the target from the files the run wrote: the covariance S from target-covariance.npy (a
full-covariance `gaussian:...,spectrum=LO:HI` model), the mean M and eta from run.json. p_eta of the OU
process is N(alpha M 1, alpha^2 S + sigma^2 I) with alpha = exp(-eta/2), sigma^2 = 1 - exp(-eta).
For each run prints the moment KL(N(mean, cov of samples) || p_eta) and, as the Monte-Carlo floor, the
same estimator on R sets of exact draws of p_eta of the same size (mean +- sd). Also prints the spectrum of
S, so the condition number the run claims can be seen.
"""
import json
import sys

import numpy as np


def moment_kl(x, mu, cov):
    n, d = x.shape
    m = x.mean(axis=0)
    c = np.cov(x, rowvar=False)
    li = np.linalg.cholesky(cov)
    inv = np.linalg.inv(cov)
    diff = m - mu
    _, logdet_c = np.linalg.slogdet(c)
    logdet_s = 2.0 * np.log(np.diag(li)).sum()
    return 0.5 * (np.trace(inv @ c) - d + diff @ inv @ diff + logdet_s - logdet_c)


def main(argv):
    reps = 200
    dirs = []
    i = 0
    while i < len(argv):
        if argv[i] == "--reps":
            reps = int(argv[i + 1])
            i += 2
        else:
            dirs.append(argv[i])
            i += 1
    if not dirs:
        print(__doc__)
        return 2
    ref = None
    for d in dirs:
        run = json.load(open(d + "/run.json"))
        s = np.load(d + "/target-covariance.npy")
        x = np.load(d + "/samples.npy")
        eta = float(run["eta"])
        mean = float(run["model"].get("mean", 0.0))
        alpha = np.exp(-eta / 2)
        sigma2 = 1 - np.exp(-eta)
        dim = s.shape[0]
        cov = alpha ** 2 * s + sigma2 * np.eye(dim)
        mu = np.full(dim, alpha * mean)
        ev = np.linalg.eigvalsh(s)
        if ref is None:
            ref = (s, eta, mean, x.shape)
            rng = np.random.default_rng(12345)
            lc = np.linalg.cholesky(cov)
            floor = [moment_kl(mu + rng.standard_normal(x.shape) @ lc.T, mu, cov) for _ in range(reps)]
            print(f"target: d={dim}, S symmetric {np.allclose(s, s.T)}, eigenvalues {ev[0]:.4g} .. {ev[-1]:.4g}"
                  f" (condition {ev[-1] / ev[0]:.4g}), mean {mean}, eta {eta}")
            print(f"Monte-Carlo floor, {reps} x {x.shape[0]} exact draws of p_eta: KL {np.mean(floor):.4f}"
                  f" +- {np.std(floor):.4f}")
        elif not (np.array_equal(s, ref[0]) and eta == ref[1] and mean == ref[2] and x.shape == ref[3]):
            print(f"{d}: not the same target or sample size as the first run")
            return 1
        kl = moment_kl(x, mu, cov)
        if not np.isfinite(kl):
            print(f"{d}: non-finite KL")
            return 1
        print(f"{d}: sampler {run['sampler']}, rounds {run['rounds']}, evaluations/sample"
              f" {run['evaluations']:.1f}: KL {kl:.4f} (run.json says {run['metrics']['gaussian_kl']['value']:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
