#!/usr/bin/python3
"""Checks PyTorch's reference sampler (scripts/torch_reference.py sample) against closed forms, on the
exact-score fixtures of src/test/resources/onnx: with the exact eps of N(mu, s^2 I), DDPM ancestral
sampling with 1000 steps returns (to discretisation error far below the Monte-Carlo error checked here)
draws of N(mu, s^2 I); with classifier-free guidance w on gauss-cond.onnx (mu_null = 0) it returns
N(w mu_c, s^2 I). Checked: per-class sample mean within 5 standard errors (s / sqrt(n_c)) in every
coordinate, and the pooled per-coordinate variance within 5 standard errors of s^2.
Run: /usr/bin/python3 scripts/torchref/selftest.py"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIX = os.path.join(ROOT, "src", "test", "resources", "onnx")


def run(args, out):
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "torch_reference.py"), "sample", *args, "--out", out]
    subprocess.run(cmd, check=True)
    return np.load(os.path.join(out, "samples.npy")), (
        np.load(os.path.join(out, "labels.npy")) if os.path.exists(os.path.join(out, "labels.npy")) else None)


def check(name, x, labels, mu_of, s, expect_fail=False):
    ok = True
    worst_mean = 0.0
    groups = [None] if labels is None else sorted(set(labels.tolist()))
    resid = []
    for c in groups:
        xs = x if c is None else x[labels == c]
        z = (xs.mean(0) - mu_of(c)) / (s / np.sqrt(len(xs)))
        worst_mean = max(worst_mean, float(np.abs(z).max()))
        resid.append(xs - xs.mean(0))
    r = np.concatenate(resid)
    var = (r ** 2).sum(0) / (len(r) - len(groups))
    zv = (var - s * s) / (s * s * np.sqrt(2.0 / len(r)))
    # 64 coordinates x classes: |z| < 5 everywhere has a false-alarm rate below 1e-4
    ok = worst_mean < 5 and float(np.abs(zv).max()) < 5
    good = ok != expect_fail
    print(f"{'ok  ' if good else 'FAIL'} {name}: {'rejected,' if expect_fail and not ok else ''} max |z| of the means {worst_mean:.2f}, of the variances "
          f"{float(np.abs(zv).max()):.2f} (limit 5); mean variance {var.mean():.4f} vs s^2 = {s * s}")
    return good


def main():
    meta = json.load(open(os.path.join(FIX, "fixtures.json")))
    s = meta["dataLaw"]["s"]
    sys.path.insert(0, FIX)
    import make_fixtures as mf
    mu = mf.mu_table()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        x, _ = run(["--model", os.path.join(FIX, "gauss-diffusers.onnx"), "--samples", "1000", "--seed", "3"],
                   os.path.join(tmp, "u"))
        ok &= check("gauss-diffusers.onnx: ancestral sampler returns N(0, s^2 I)", x, None, lambda c: 0.0, s)
        x, lab = run(["--model", os.path.join(FIX, "gauss-cond.onnx"), "--samples", "1000", "--seed", "4",
                      "--classes", "0..9", "--guidance", "2"], os.path.join(tmp, "c"))
        ok &= check("gauss-cond.onnx, --guidance 2: returns N(2 mu_c, s^2 I)", x, lab, lambda c: 2 * mu[c], s)
        x, lab = run(["--model", os.path.join(FIX, "gauss-cond.onnx"), "--samples", "1000", "--seed", "5",
                      "--classes", "3,7", "--guidance", "1"], os.path.join(tmp, "c1"))
        ok &= check("gauss-cond.onnx, --guidance 1 (plain conditional): returns N(mu_c, s^2 I)", x, lab,
                    lambda c: mu[c], s)
        # sample i depends only on (seed, i): 30 samples in batches of 7 equal the first 30 of the run above
        x30, _ = run(["--model", os.path.join(FIX, "gauss-cond.onnx"), "--samples", "30", "--seed", "5",
                      "--classes", "3,7", "--guidance", "1", "--batch", "7"], os.path.join(tmp, "c30"))
        same = bool(np.array_equal(x30, x[:30]))
        print(f"{'ok  ' if same else 'FAIL'} batch size does not change samples (30 in batches of 7 vs 1000 in one)")
        ok &= same
        # a wrong answer must be caught: the same samples against the unguided means
        ok &= check("negative control, must be rejected: w=2 samples against the unguided means mu_c", *run(
            ["--model", os.path.join(FIX, "gauss-cond.onnx"), "--samples", "1000", "--seed", "4",
             "--classes", "0..9", "--guidance", "2"], os.path.join(tmp, "c2")), lambda c: mu[c], s, expect_fail=True)
    print("reference sampler self-test passed" if ok else "REFERENCE SAMPLER SELF-TEST FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
