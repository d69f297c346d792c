#!/usr/bin/python3
"""PyTorch's own reference for piadm-spark's acceptance checks (issue 11), independent of the Java code.

  sample: the standard DDPM ancestral sampler (Ho et al. 2020, Algorithm 2, sigma_k^2 = beta_k), optionally
          with classifier-free guidance eps = eps_u + w (eps_c - eps_u), on an ONNX export (evaluated by
          torchref.onnx_eval, PyTorch ops) or a .pt (TorchScript, or a DigitsUNet state_dict):
      /usr/bin/python3 scripts/torch_reference.py sample --model models/digits-cddpm.onnx \\
          --classes 0..9 --guidance 2 --samples 200 --seed 1 --out out/torch-cfg
    writes OUT/samples.npy (N x d float64, rows flattened in C order), OUT/labels.npy (int64, with
    --classes: sample i gets LIST[i mod len(LIST)], as piadm's --classes) and OUT/reference.json.
  stats:  for a samples .npy: the digits classifier's accuracy against given labels, MMD^2 (Gaussian kernel,
          median heuristic, unbiased) and a Frechet distance of classifier features against the 1797 sklearn
          digits in [-1, 1], with Monte-Carlo reference figures; with --against B.npy a two-sample
          comparison (MMD permutation test, accuracy difference with its standard error):
      /usr/bin/python3 scripts/torch_reference.py stats --samples out/piadm/samples.npy \\
          --labels out/piadm/labels.npy --against out/torch-cfg/samples.npy --against-labels out/torch-cfg/labels.npy
    prints JSON (and writes it to --out FILE if given).
  data:   writes the 1797 digits in [-1, 1] as an N x 64 float64 .npy (for piadm's --reference-data):
      /usr/bin/python3 scripts/torch_reference.py data --out target/digits.npy [--labels-out target/digits-labels.npy]

The schedule is the linear DDPM one (betas linspace(1e-4, 0.02, N), abar_k = prod_{i<=k}(1 - beta_i),
0-based k) with N = --steps (1000). Bad input: one line naming the option, exit code 2, nothing written."""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)


class BadInput(Exception):
    pass


def parse_classes(text):
    """'C', 'C1,C2,...' or 'A..B' (inclusive) -> list of ints."""
    try:
        if ".." in text:
            a, b = text.split("..")
            a, b = int(a), int(b)
            if b < a:
                raise ValueError
            return list(range(a, b + 1))
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise BadInput(f"--classes: '{text}' is not C, C1,C2,... or A..B with A <= B (integers)")


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


X_NAMES, T_NAMES, Y_NAMES = ("sample", "x"), ("timestep", "t"), ("class_labels", "y")


def load_eps_fn(path, inputs=None, output=None, shape=None):
    """Returns (eps_fn(x float32 [B, *shape], k int64 [B], labels or None) -> tensor, shape, description)."""
    import torch
    if not os.path.isfile(path):
        raise BadInput(f"--model: no such file {path}")
    if path.endswith(".onnx"):
        from torchref.onnx_eval import OnnxGraph, _DT
        g = OnnxGraph(path)
        names = [n for n, _, _ in g.inputs]
        if inputs:
            want = inputs.split(":")
            if not 2 <= len(want) <= 3 or any(w not in names for w in want):
                raise BadInput(f"--inputs: '{inputs}' must be X:T[:LABELS] among the model's inputs {names}")
            xn, tn = want[0], want[1]
            yn = want[2] if len(want) == 3 else None
        else:
            pick = lambda cands: next((n for n in cands if n in names), None)
            xn, tn, yn = pick(X_NAMES), pick(T_NAMES), pick(Y_NAMES)
            if xn is None or tn is None:
                raise BadInput(f"--inputs: the model's inputs {names} are not sample/x and timestep/t; give --inputs X:T[:LABELS]")
        info = {n: (et, dims) for n, et, dims in g.inputs}
        outs = [n for n, _, _ in g.outputs]
        on = output or outs[0]
        if on not in outs:
            raise BadInput(f"--output: '{on}' is not among the model's outputs {outs}")
        x_dt, x_dims = _DT[info[xn][0]], info[xn][1]
        if x_dt not in (torch.float32, torch.float16):
            raise BadInput(f"--model: input '{xn}' has dtype {x_dt}; only float32 and float16 networks are sampled")
        t_dt = _DT[info[tn][0]]
        if shape is None:
            if any(not isinstance(v, int) or v <= 0 for v in x_dims[1:]):
                raise BadInput(f"--shape: input '{xn}' has dynamic dims {x_dims}; give --shape e.g. 1x8x8")
            shape = tuple(x_dims[1:])
        y_dt = _DT[info[yn][0]] if yn else None

        def eps_fn(x, k, labels):
            feeds = {xn: x.to(x_dt).reshape(len(x), *shape), tn: k.to(t_dt)}
            if yn is not None:
                if labels is None:
                    raise BadInput("--classes: the model has a label input; give --classes (and --guidance for CFG), "
                                   "or --classes NULL_LABEL for its unconditional mode")
                feeds[yn] = labels.to(y_dt)
            return g.run(feeds)[on].to(torch.float32)

        return eps_fn, shape, {"format": "onnx", "inputs": [xn, tn] + ([yn] if yn else []), "output": on,
                               "xDtype": str(x_dt), "timestepDtype": str(t_dt), "ops": g.ops,
                               "conditional": yn is not None}
    if path.endswith(".pt"):
        try:
            net = torch.jit.load(path)
            kind = "torchscript"
        except (RuntimeError, ValueError):
            from torchref.digits import DigitsUNet
            sd = torch.load(path, map_location="cpu")
            if not isinstance(sd, dict):
                raise BadInput(f"--model: {path} is neither TorchScript nor a state_dict")
            cfg = {}
            rep = path[:-3] + ".report.json"
            if os.path.isfile(rep):
                with open(rep) as f:
                    net_cfg = json.load(f).get("network", {})
                cfg = {k: net_cfg[k] for k in ("ch", "emb") if k in net_cfg}
            net = DigitsUNet(**cfg)
            net.load_state_dict(sd)
            kind = "DigitsUNet state_dict"
        net.eval()
        shape = shape or (1, 8, 8)

        conditional = kind != "torchscript"      # DigitsUNet takes labels; TorchScript: when --classes is given

        def eps_fn(x, k, labels):
            xx = x.reshape(len(x), *shape)
            if labels is None and conditional:
                raise BadInput("--classes: the model has a label input; give --classes (and --guidance for CFG), "
                               "or --classes NULL_LABEL for its unconditional mode")
            with torch.no_grad():
                return (net(xx, k) if labels is None else net(xx, k, labels)).to(torch.float32)

        return eps_fn, shape, {"format": kind}
    raise BadInput(f"--model: {path} must end in .onnx or .pt")


def cmd_sample(a):
    import torch
    from torchref.ddpm import Schedule, ancestral_sample
    torch.set_num_threads(a.threads)
    if a.samples < 1:
        raise BadInput(f"--samples: must be >= 1, got {a.samples}")
    if a.steps < 2:
        raise BadInput(f"--steps: must be >= 2, got {a.steps}")
    if a.guidance is not None and a.classes is None:
        raise BadInput("--guidance: needs --classes")
    if os.path.exists(a.out) and not a.overwrite:
        raise BadInput(f"--out: {a.out} exists (give --overwrite to replace it)")
    shape = tuple(int(v) for v in a.shape.split("x")) if a.shape else None
    eps_fn, shape, desc = load_eps_fn(a.model, a.inputs, a.output, shape)
    classes = parse_classes(a.classes) if a.classes is not None else None
    labels = None if classes is None else np.array([classes[i % len(classes)] for i in range(a.samples)], np.int64)
    if classes is not None and any(c < 0 for c in classes):
        raise BadInput("--classes: labels must be >= 0")
    if a.guidance is not None and a.null_label in classes:
        raise BadInput(f"--classes: with --guidance, the null label {a.null_label} cannot be a requested class")
    t0 = time.time()
    s = ancestral_sample(eps_fn, a.samples, shape, a.seed, labels=labels, guidance=a.guidance,
                         null_label=a.null_label, schedule=Schedule(a.steps), batch=a.batch)
    wall = time.time() - t0
    if not np.isfinite(s).all():
        print("torch_reference: the sampler produced non-finite values; nothing written", file=sys.stderr)
        return 1
    parent = os.path.dirname(os.path.abspath(a.out))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".torchref-", dir=parent)
    np.save(os.path.join(tmp, "samples.npy"), s)
    if labels is not None:
        np.save(os.path.join(tmp, "labels.npy"), labels)
    manifest = {
        "sampler": "DDPM ancestral (Ho et al. 2020 Algorithm 2), sigma_k^2 = beta_k, no noise at k = 0",
        "guidance": a.guidance, "guidanceFormula": "eps = eps_u + w (eps_c - eps_u)" if a.guidance is not None else None,
        "nullLabel": a.null_label if labels is not None else None,
        "classes": classes, "samples": a.samples, "seed": a.seed, "shape": list(shape),
        "schedule": {"kind": "ddpm-linear", "steps": a.steps, "betaStart": 1e-4, "betaEnd": 0.02},
        "noise": "sample i: torch.Generator seeded (seed * 1000003 + i) mod 2^64; x_T then one z per step",
        "model": os.path.abspath(a.model), "modelSha256": _sha256(a.model), "network": desc,
        "evaluations": a.steps * (2 if a.guidance is not None else 1), "wallSeconds": round(wall, 2),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "outputs": ["samples.npy"] + (["labels.npy"] if labels is not None else []),
        "command": " ".join(sys.argv),
    }
    with open(os.path.join(tmp, "reference.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.rename(tmp, a.out)
    print(f"torch_reference: {a.samples} samples in {wall:.1f} s -> {a.out}")
    return 0


def _load_npy(path, opt):
    if not os.path.isfile(path):
        raise BadInput(f"{opt}: no such file {path}")
    return np.load(path, allow_pickle=False)


def classifier_fn(path):
    """features and predicted classes of the committed digits classifier (ONNX, evaluated with PyTorch ops)."""
    import torch
    from torchref.onnx_eval import OnnxGraph
    if not os.path.isfile(path):
        raise BadInput(f"--classifier: no such file {path}")
    g = OnnxGraph(path)

    def run(x):
        out = g.run({"x": torch.from_numpy(np.asarray(x, np.float32).reshape(-1, 1, 8, 8))})
        return out["logits"].argmax(1).numpy(), out["features"].numpy().astype(np.float64)
    return run


def cmd_stats(a):
    if a.out and os.path.exists(a.out) and not a.overwrite:
        raise BadInput(f"--out: {a.out} exists (give --overwrite to replace it)")
    from torchref import stats
    from torchref.digits import load_digits_pm1
    x = _load_npy(a.samples, "--samples")
    if x.ndim != 2:
        raise BadInput(f"--samples: expected an N x d array, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise BadInput(f"--samples: {np.count_nonzero(~np.isfinite(x))} non-finite values")
    if a.data == "digits":
        data = load_digits_pm1()[0].reshape(-1, 64).astype(np.float64)
    else:
        data = _load_npy(a.data, "--data").astype(np.float64)
    if data.shape[1] != x.shape[1]:
        raise BadInput(f"--data: d = {data.shape[1]} but the samples have d = {x.shape[1]}")
    rng = np.random.default_rng(a.seed)
    out = {"samples": {"file": os.path.abspath(a.samples), "n": int(x.shape[0]), "d": int(x.shape[1]),
                       "min": float(x.min()), "max": float(x.max()),
                       "fractionOutside1.05": float((np.abs(x) > 1.05).mean())}}
    h = stats.median_bandwidth(x, data)
    perm = rng.permutation(len(data))
    m = min(len(x), len(data) // 2)
    ref = stats.mmd2_unbiased(data[perm[:m]], data[perm[m:]], h)
    out["mmdVsData"] = {"mmd2": stats.mmd2_unbiased(x, data, h), "bandwidth": h, "dataPoints": int(len(data)),
                        "reference": {"what": f"MMD^2 of {m} data points against the other {len(data) - m}, same kernel",
                                      "mmd2": ref}}
    labels = _load_npy(a.labels, "--labels") if a.labels else None
    if labels is not None and len(labels) != len(x):
        raise BadInput(f"--labels: {len(labels)} labels for {len(x)} samples")
    if x.shape[1] == 64 and os.path.isfile(a.classifier):
        clf = classifier_fn(a.classifier)
        pred, feat = clf(x)
        _, dfeat = clf(data)
        sub = perm[:len(x)] if len(x) <= len(data) else rng.integers(0, len(data), len(x))
        c = {"classifier": os.path.abspath(a.classifier),
             "predictedHistogram": np.bincount(pred, minlength=10).tolist(),
             "frechetVsData": stats.frechet_distance(feat, dfeat),
             "frechetReference": {"what": f"{len(x)} data images against all {len(data)} (the bias at this n)",
                                  "value": stats.frechet_distance(dfeat[sub], dfeat)}}
        if labels is not None:
            c["accuracyVsLabels"] = stats.accuracy(pred, labels)
        out["classifier"] = c
    if a.against:
        y = _load_npy(a.against, "--against")
        if y.ndim != 2 or y.shape[1] != x.shape[1]:
            raise BadInput(f"--against: expected N x {x.shape[1]}, got {y.shape}")
        cmp = {"file": os.path.abspath(a.against), "n": int(len(y)),
               "mmdPermutationTest": stats.mmd_permutation_test(x, y, permutations=a.permutations, seed=a.seed),
               "mmdVsDataOfAgainst": stats.mmd2_unbiased(y, data, h)}
        if "classifier" in out:
            pred_y, feat_y = clf(y)
            cmp["frechetVsDataOfAgainst"] = stats.frechet_distance(feat_y, dfeat)
            if labels is not None and a.against_labels:
                ly = _load_npy(a.against_labels, "--against-labels")
                if len(ly) != len(y):
                    raise BadInput(f"--against-labels: {len(ly)} labels for {len(y)} samples")
                acc_y = stats.accuracy(pred_y, ly)
                acc_x = out["classifier"]["accuracyVsLabels"]
                diff = acc_x["accuracy"] - acc_y["accuracy"]
                se = float(np.hypot(acc_x["standardError"], acc_y["standardError"]))
                cmp["accuracyOfAgainst"] = acc_y
                cmp["accuracyDifference"] = {"value": diff, "standardError": se,
                                             "z": diff / se if se > 0 else (0.0 if diff == 0 else float("inf"))}
        out["against"] = cmp
    text = json.dumps(out, indent=2)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    return 0


def cmd_data(a):
    """The training data as piadm's --reference-data and stats read it: N x 64 float64 in [-1, 1]."""
    from torchref.digits import load_digits_pm1
    for f in (a.out, a.labels_out):
        if f and os.path.exists(f) and not a.overwrite:
            raise BadInput(f"--out/--labels-out: {f} exists (give --overwrite to replace it)")
    x, y = load_digits_pm1()
    np.save(a.out, x.reshape(len(x), -1).astype(np.float64))
    if a.labels_out:
        np.save(a.labels_out, y)
    print(f"torch_reference: {len(x)} sklearn digits (v / 8 - 1, rows C-order [1,8,8]) -> {a.out}")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample", help="PyTorch ancestral DDPM sampler (optionally CFG)")
    s.add_argument("--model", required=True, help=".onnx (evaluated with PyTorch ops) or .pt")
    s.add_argument("--samples", type=int, required=True)
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--classes", help="C, C1,C2,... or A..B: sample i gets LIST[i mod len]")
    s.add_argument("--guidance", type=float, help="CFG weight w: eps_u + w (eps_c - eps_u)")
    s.add_argument("--null-label", type=int, default=10)
    s.add_argument("--steps", type=int, default=1000)
    s.add_argument("--inputs", help="X:T[:LABELS] input names (default: sample/x, timestep/t, class_labels/y)")
    s.add_argument("--output", help="output name (default: the first)")
    s.add_argument("--shape", help="per-sample shape, e.g. 1x8x8 (default: from the model)")
    s.add_argument("--batch", type=int, default=500)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--overwrite", action="store_true")
    t = sub.add_parser("stats", help="classifier accuracy, MMD^2 and Frechet distance of a samples .npy")
    t.add_argument("--samples", required=True)
    t.add_argument("--labels")
    t.add_argument("--classifier", default=os.path.join(ROOT, "models", "digits-classifier.onnx"))
    t.add_argument("--data", default="digits", help="'digits' (sklearn 8x8 in [-1, 1]) or an N x d .npy")
    t.add_argument("--against", help="a second samples .npy to compare with")
    t.add_argument("--against-labels")
    t.add_argument("--permutations", type=int, default=200)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out")
    t.add_argument("--overwrite", action="store_true")
    dd = sub.add_parser("data", help="write the 1797 sklearn digits in [-1, 1] as an N x 64 float64 .npy")
    dd.add_argument("--out", required=True)
    dd.add_argument("--labels-out")
    dd.add_argument("--overwrite", action="store_true")
    a = p.parse_args(argv)
    try:
        return {"sample": cmd_sample, "stats": cmd_stats, "data": cmd_data}[a.cmd](a)
    except BadInput as e:
        print(f"torch_reference: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
