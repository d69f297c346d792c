#!/usr/bin/python3
"""Generates the ONNX test fixtures of this directory and fixtures.json, and checks every graph against its
closed form.

Regenerate (from the repository root, Debian's python3 with python3-onnx, python3-numpy, python3-torch):
    /usr/bin/python3 src/test/resources/onnx/make_fixtures.py            # write the files, then check them
    /usr/bin/python3 src/test/resources/onnx/make_fixtures.py --check    # only check the committed files
The output is deterministic (same bytes on every run); the Java tests read the committed files and never
run Python.

Every fixture is an EXACT noise predictor: for data X_0 ~ N(mu, s^2 I) in [1, 8, 8] (d = 64), the DDPM
state x_k = alpha_k X_0 + sigma_k Z (alpha_k = sqrt(abar_k), sigma_k = sqrt(1 - abar_k)) has
    E[Z | x_k] = eps_k(x) = sigma_k (x - alpha_k mu) / (alpha_k^2 s^2 + sigma_k^2),
so a sampler's score -eps/sigma is the exact score of p_t (ALGORITHMS.md section 2), and the sampled law
has a closed form. The schedule is the linear DDPM one: betas = linspace(1e-4, 0.02, 1000),
abar_k = prod_{i<=k} (1 - beta_i), k = 0..999 (0-based, as diffusers; TimeMap.DDPM_LINEAR); step k is OU
time t_k = -ln abar_k. The per-step constants alpha_k and c_k = sigma_k / (alpha_k^2 s^2 + sigma_k^2)
are computed in float64 and baked into the graph as tables read with Gather(timestep), so the graph's only
rounding is that of its dtype.

Conditional fixture: 10 classes, mu_c[p] = 0.75 cos(pi (c + 1) (p + 0.5) / 64) for the C-order flat pixel
index p = 0..63, and the null label 10 with mu = 0. Because eps is affine in mu and mu_null = 0,
classifier-free guidance eps_u + w (eps_c - eps_u) is the exact eps of N(w mu_c, s^2 I).
"""
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 1000
BETA_START, BETA_END = 1e-4, 0.02
S = 0.5
D = 64
SHAPE = [1, 8, 8]
NUM_CLASSES = 10
NULL_LABEL = 10
MU_AMPLITUDE = 0.75
OPSET = 17
IR_VERSION = 8          # what ONNX Runtime 1.23 and onnx 1.12 both read


def betas():
    return np.linspace(BETA_START, BETA_END, STEPS, dtype=np.float64)


def abar():
    return np.cumprod(1.0 - betas())


def ou_times():
    """t_k = -ln abar_k = -sum_{i<=k} log1p(-beta_i) (as TimeMap.cumulativeTimes)."""
    return np.cumsum(-np.log1p(-betas()))


def mu_table():
    """[11, 64] float64: rows 0..9 the class means, row 10 (null label) zero."""
    p = np.arange(D, dtype=np.float64)
    mu = np.zeros((NUM_CLASSES + 1, D))
    for c in range(NUM_CLASSES):
        mu[c] = MU_AMPLITUDE * np.cos(np.pi * (c + 1) * (p + 0.5) / D)
    return mu


def exact_eps_at_abar(x, ab, mu):
    """x [B, 64], ab [B] (abar), mu [B, 64] or 0 -> eps [B, 64], float64."""
    a = np.sqrt(ab)[:, None]
    sig = np.sqrt(1.0 - ab)[:, None]
    return sig * (x - a * mu) / (a * a * S * S + sig * sig)


def exact_eps(x, k, mu=0.0):
    """Exact eps at integer steps k (int array [B])."""
    return exact_eps_at_abar(np.asarray(x, np.float64), abar()[np.asarray(k)], mu)


def frac_ou_time(kf):
    """OU time of a fractional step index, piecewise linear through (-1, 0) and (k, t_k), clamped to
    [-1, N-1]: the inverse of TimeMap.networkTime (TimeMap.ouTime)."""
    tt = np.concatenate([[0.0], ou_times()])          # tt[j] = OU time of index j - 1
    u = np.clip(np.asarray(kf, np.float64) + 1.0, 0.0, STEPS)
    j = np.minimum(np.floor(u).astype(np.int64), STEPS - 1)
    return tt[j] + (u - j) * (tt[j + 1] - tt[j])


def exact_eps_frac(x, kf, mu=0.0):
    t = frac_ou_time(kf)
    # sigma^2 = 1 - e^{-t} = -expm1(-t): exact near t = 0
    a2 = np.exp(-t)
    sig2 = -np.expm1(-t)
    x = np.asarray(x, np.float64)
    return (np.sqrt(sig2) / (a2 * S * S + sig2))[:, None] * (x - np.sqrt(a2)[:, None] * mu)


# ---------------------------------------------------------------- graph building

NP_OF = {TensorProto.FLOAT: np.float32, TensorProto.DOUBLE: np.float64, TensorProto.FLOAT16: np.float16}
NAME_OF = {TensorProto.FLOAT: "float32", TensorProto.DOUBLE: "float64", TensorProto.FLOAT16: "float16",
           TensorProto.INT64: "int64", TensorProto.INT32: "int32"}


def const(name, arr):
    return numpy_helper.from_array(np.ascontiguousarray(arr), name)


def tables(compute_np):
    ab = abar()
    alpha = np.sqrt(ab)
    sigma = np.sqrt(-np.expm1(np.log(ab)))        # sqrt(1 - abar) without cancellation
    coef = sigma / (alpha * alpha * S * S + sigma * sigma)
    return const("alpha_table", alpha.astype(compute_np)), const("coef_table", coef.astype(compute_np))


def make_model(nodes, inputs, outputs, inits, name, doc):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=inits, doc_string=doc)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="piadm-spark make_fixtures.py", producer_version="1")
    m.ir_version = IR_VERSION
    m.doc_string = doc
    onnx.checker.check_model(m, full_check=True)
    return m


def integer_step_model(name, x_name, x_dtype, x_shape, t_name, t_dtype, out_name, conditional, compute, doc):
    """eps = coef[k] * (x - alpha[k] * mu[label]) with per-row constants broadcast over x's shape."""
    cnp = NP_OF[compute]
    alpha, coef = tables(cnp)
    inits = [alpha, coef]
    rank = len(x_shape)
    bshape = [-1] + [1] * (rank - 1)
    inits.append(const("row_shape", np.array(bshape, np.int64)))
    nodes = []
    xin = x_name
    if x_dtype != compute:
        nodes.append(helper.make_node("Cast", [x_name], ["x_c"], to=compute))
        xin = "x_c"
    nodes += [
        helper.make_node("Gather", ["alpha_table", t_name], ["alpha_b"], axis=0),
        helper.make_node("Gather", ["coef_table", t_name], ["coef_b"], axis=0),
        helper.make_node("Reshape", ["alpha_b", "row_shape"], ["alpha_r"]),
        helper.make_node("Reshape", ["coef_b", "row_shape"], ["coef_r"]),
    ]
    inputs = [helper.make_tensor_value_info(x_name, x_dtype, x_shape),
              helper.make_tensor_value_info(t_name, t_dtype, ["B"])]
    if conditional:
        mu = mu_table().reshape(NUM_CLASSES + 1, *x_shape[1:]).astype(cnp)
        inits.append(const("mu_table", mu))
        inputs.append(helper.make_tensor_value_info("class_labels", TensorProto.INT64, ["B"]))
        nodes += [helper.make_node("Gather", ["mu_table", "class_labels"], ["mu_b"], axis=0),
                  helper.make_node("Mul", ["alpha_r", "mu_b"], ["amu"]),
                  helper.make_node("Sub", [xin, "amu"], ["centred"])]
        centred = "centred"
    else:
        centred = xin
    if x_dtype != compute:
        nodes += [helper.make_node("Mul", ["coef_r", centred], ["eps_c"]),
                  helper.make_node("Cast", ["eps_c"], [out_name], to=x_dtype)]
    else:
        nodes.append(helper.make_node("Mul", ["coef_r", centred], [out_name]))
    outputs = [helper.make_tensor_value_info(out_name, x_dtype, x_shape)]
    return make_model(nodes, inputs, outputs, inits, name, doc)


def float_step_model(doc):
    """x [B,64] float32, t float32 [B] a fractional DDPM step index -> eps [B,64] (mu = 0). OU time of the
    index by linear interpolation in a table of (index, t_index) with (-1, 0) prepended (TimeMap.ouTime);
    alpha = exp(-t/2), sigma^2 = 1 - e^{-t} = 2 e^{-t/2} sinh(t/2) (no cancellation near t = 0)."""
    tt = np.concatenate([[0.0], ou_times(), [ou_times()[-1]]]).astype(np.float32)   # N + 2 entries
    inits = [const("ou_time_table", tt), const("one", np.array(1.0, np.float32)),
             const("zero", np.array(0.0, np.float32)), const("n_steps", np.array(float(STEPS), np.float32)),
             const("last_j", np.array(STEPS - 1, np.int64)), const("one_i", np.array(1, np.int64)),
             const("half", np.array(0.5, np.float32)), const("two", np.array(2.0, np.float32)),
             const("s2", np.array(S * S, np.float32)), const("col_shape", np.array([-1, 1], np.int64))]
    n = helper.make_node
    nodes = [
        n("Add", ["t", "one"], ["u0"]),
        n("Clip", ["u0", "zero", "n_steps"], ["u"]),
        n("Floor", ["u"], ["uf"]),
        n("Cast", ["uf"], ["j0"], to=TensorProto.INT64),
        n("Min", ["j0", "last_j"], ["j"]),
        n("Add", ["j", "one_i"], ["j1"]),
        n("Cast", ["j"], ["jf"], to=TensorProto.FLOAT),
        n("Sub", ["u", "jf"], ["frac"]),
        n("Gather", ["ou_time_table", "j"], ["t_lo"], axis=0),
        n("Gather", ["ou_time_table", "j1"], ["t_hi"], axis=0),
        n("Sub", ["t_hi", "t_lo"], ["dt"]),
        n("Mul", ["frac", "dt"], ["fdt"]),
        n("Add", ["t_lo", "fdt"], ["tau"]),
        n("Mul", ["tau", "half"], ["h"]),
        n("Neg", ["h"], ["mh"]),
        n("Exp", ["mh"], ["alpha"]),
        n("Sinh", ["h"], ["sh"]),
        n("Mul", ["alpha", "sh"], ["ash"]),
        n("Mul", ["ash", "two"], ["sig2"]),
        n("Sqrt", ["sig2"], ["sig"]),
        n("Mul", ["alpha", "alpha"], ["a2"]),
        n("Mul", ["a2", "s2"], ["a2s2"]),
        n("Add", ["a2s2", "sig2"], ["var"]),
        n("Div", ["sig", "var"], ["coef"]),
        n("Reshape", ["coef", "col_shape"], ["coef_r"]),
        n("Mul", ["coef_r", "x"], ["eps"]),
    ]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", D]),
              helper.make_tensor_value_info("t", TensorProto.FLOAT, ["B"])]
    outputs = [helper.make_tensor_value_info("eps", TensorProto.FLOAT, ["B", D])]
    return make_model(nodes, inputs, outputs, inits, "gauss_float_t", doc)


F32, F16, F64, I64, I32 = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.INT64, TensorProto.INT32
IMG = ["B"] + SHAPE

FIXTURES = [
    dict(file="gauss-diffusers.onnx", x=("sample", F32, IMG), t=("timestep", I64), out="out_sample", cond=False,
         compute=F32, purpose="diffusers signature: image-shaped float32 sample, int64 DDPM step index"),
    dict(file="gauss-xt-int32.onnx", x=("x", F32, ["B", D]), t=("t", I32), out="eps", cond=False, compute=F32,
         purpose="flat x [B,64] with an int32 DDPM step index"),
    dict(file="gauss-float16.onnx", x=("sample", F16, IMG), t=("timestep", I64), out="out_sample", cond=False,
         compute=F32, purpose="float16 sample and output (computed inside in float32, then cast)"),
    dict(file="gauss-float64.onnx", x=("sample", F64, IMG), t=("timestep", I64), out="out_sample", cond=False,
         compute=F64, purpose="float64 network: must be rejected with a message naming the dtype float64"),
    dict(file="gauss-cond.onnx", x=("sample", F32, IMG), t=("timestep", I64), out="out_sample", cond=True,
         compute=F32, purpose="class-conditional diffusers signature with class_labels int64; null label 10"),
    dict(file="gauss-float-t.onnx", x=("x", F32, ["B", D]), t=("t", F32), out="eps", cond=False, compute=F32,
         purpose="float t = fractional DDPM step index (linear schedule, 1000 steps): correct only with "
                 "time=ddpm-linear,steps=1000; with time omitted (OU time fed as a step index) the scores are wrong"),
]


def build(fx):
    doc = (f"piadm-spark test fixture {fx['file']}: exact eps of N(mu, {S}^2 I) in [1,8,8] under the linear "
           f"DDPM schedule (1000 steps, betas 1e-4..0.02). {fx['purpose']}. See fixtures.json.")
    if fx["file"] == "gauss-float-t.onnx":
        return float_step_model(doc)
    (xn, xdt, xsh), (tn, tdt) = fx["x"], fx["t"]
    return integer_step_model(fx["file"].replace(".onnx", "").replace("-", "_"), xn, xdt, xsh, tn, tdt, fx["out"],
                              fx["cond"], fx["compute"], doc)


def io_desc(m):
    def one(v):
        tt = v.type.tensor_type
        return {"name": v.name, "dtype": NAME_OF[tt.elem_type],
                "shape": [d.dim_param or d.dim_value for d in tt.shape.dim]}
    inits = {t.name for t in m.graph.initializer}
    return [one(v) for v in m.graph.input if v.name not in inits], [one(v) for v in m.graph.output]


def probe_inputs(fx):
    """A few fixed rows for fixtures.json: x[p] = sin(p + 1) + 0.1 * row."""
    rows = 4
    x = np.array([[np.sin(p + 1) + 0.1 * r for p in range(D)] for r in range(rows)])
    if fx["t"][1] == F32:
        t = np.array([0.0, 0.5, 499.25, 999.0])
    else:
        t = np.array([0, 1, 500, 999])
    labels = np.array([0, 3, 9, NULL_LABEL]) if fx["cond"] else None
    return x, t, labels


def exact_for(fx, x, t, labels):
    mu = mu_table()[labels] if labels is not None else 0.0
    if fx["t"][1] == F32:
        return exact_eps_frac(x, t, mu)
    return exact_eps(x, t.astype(np.int64), mu)


def sidecar(models):
    out = {
        "description": "Exact-score ONNX fixtures: every graph returns the exact DDPM eps of a Gaussian data law; "
                       "generated and checked by make_fixtures.py (regenerate: /usr/bin/python3 "
                       "src/test/resources/onnx/make_fixtures.py; check only: add --check).",
        "dataLaw": {"law": "N(mu, s^2 I)", "s": S, "d": D, "imageShape": SHAPE,
                    "muUnconditional": 0.0,
                    "muConditional": f"mu_c[p] = {MU_AMPLITUDE} * cos(pi * (c + 1) * (p + 0.5) / 64), c = 0..9, "
                                     "p = 0..63 the C-order flat index of [1,8,8]; mu_null = 0 (label 10)"},
        "schedule": {"kind": "ddpm-linear", "steps": STEPS, "betaStart": BETA_START, "betaEnd": BETA_END,
                     "betas": "numpy.linspace(1e-4, 0.02, 1000)",
                     "abar": "abar_k = prod_{i<=k} (1 - beta_i), k = 0..999 (0-based); OU time t_k = -ln abar_k",
                     "abar_0": float(abar()[0]), "abar_499": float(abar()[499]), "abar_999": float(abar()[999])},
        "exactEps": "eps_k(x) = sigma_k (x - alpha_k mu) / (alpha_k^2 s^2 + sigma_k^2), alpha_k = sqrt(abar_k), "
                    "sigma_k = sqrt(1 - abar_k); score = -eps / sigma_k = -(x - alpha_k mu) / (alpha_k^2 s^2 + sigma_k^2)",
        "guidance": "with mu_null = 0, eps_u + w (eps_c - eps_u) is the exact eps of N(w mu_c, s^2 I): a CFG sampler "
                    "with weight w targets N(w mu_c, s^2 I) blurred to eta",
        "floatTime": "gauss-float-t.onnx reads t as a fractional step index: OU time tau(t) is piecewise linear "
                     "through (-1, 0) and (k, t_k), t clamped to [-1, 999] (the inverse of TimeMap.networkTime); "
                     "then eps = sigma(tau) x / (alpha(tau)^2 s^2 + sigma(tau)^2), alpha = e^{-tau/2}, "
                     "sigma^2 = 1 - e^{-tau}",
        "probe": "each fixture lists probe rows: x[r][p] = sin(p + 1) + 0.1 r (r = 0..3, p = 0..63, in the input's "
                 "shape), t as listed, labels as listed; expectedFirst4 = exact eps[r][0..3] in float64",
        "opset": OPSET, "irVersion": IR_VERSION, "fixtures": [],
    }
    for fx, (m, data) in zip(FIXTURES, models):
        ins, outs = io_desc(m)
        x, t, labels = probe_inputs(fx)
        ex = exact_for(fx, x, t, labels)
        entry = {"file": fx["file"], "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                 "purpose": fx["purpose"], "inputs": ins, "outputs": outs,
                 "timestep": {"name": fx["t"][0], "dtype": NAME_OF[fx["t"][1]],
                              "meaning": "fractional DDPM step index" if fx["t"][1] == F32 else "integer DDPM step index k in 0..999"},
                 "conditional": fx["cond"], "mean": "muConditional" if fx["cond"] else 0.0,
                 "probe": {"t": t.tolist(), "expectedFirst4": [[float(v) for v in row[:4]] for row in ex]}}
        if fx["cond"]:
            entry["numClasses"] = NUM_CLASSES
            entry["nullLabel"] = NULL_LABEL
            entry["probe"]["labels"] = labels.tolist()
        if fx["file"] == "gauss-float64.onnx":
            entry["expect"] = "rejected: a message naming the dtype float64"
        out["fixtures"].append(entry)
    return out


# ---------------------------------------------------------------- checks

def evaluators():
    evs = []
    try:
        from onnx.reference import ReferenceEvaluator  # onnx >= 1.13
        evs.append(("onnx.reference", lambda path, feeds: ReferenceEvaluator(path).run(None, feeds)[0]))
    except ImportError:
        pass
    root = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
    sys.path.insert(0, os.path.join(root, "scripts"))
    from torchref.onnx_eval import OnnxGraph  # a PyTorch evaluator of the ONNX operators (this project)
    evs.append(("torchref.onnx_eval", lambda path, feeds: next(iter(OnnxGraph(path).run(feeds).values())).numpy()))
    try:
        import onnxruntime as ort
        evs.append(("onnxruntime", lambda path, feeds: ort.InferenceSession(path).run(None, feeds)[0]))
    except ImportError:
        pass
    return evs


TOL = {F32: 2e-6, F16: 2e-3, F64: 1e-13}


def check(manifest):
    rng = np.random.default_rng(20240511)
    ok = True
    for fx in FIXTURES:
        path = os.path.join(HERE, fx["file"])
        data = open(path, "rb").read()
        entry = next(e for e in manifest["fixtures"] if e["file"] == fx["file"])
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            print(f"FAIL {fx['file']}: sha256 differs from fixtures.json")
            ok = False
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        (xn, xdt, xsh), (tn, tdt) = fx["x"], fx["t"]
        B = 257
        x = rng.normal(0.0, 1.5, size=(B, D))
        if tdt == F32:
            t = np.concatenate([[-1.0, -0.5, 0.0, 0.25, 1.0, 998.5, 999.0, 1500.0], rng.uniform(-1, 999, B - 8)])
        else:
            t = np.concatenate([[0, 1, 2, 998, 999], rng.integers(0, STEPS, B - 5)])
        labels = rng.integers(0, NUM_CLASSES + 1, B) if fx["cond"] else None
        if labels is not None:
            labels[:NUM_CLASSES + 1] = np.arange(NUM_CLASSES + 1)
        xq = x.astype(NP_OF[xdt])                           # the input as the graph receives it
        exact = exact_for(fx, xq.astype(np.float64), t, labels)
        feeds = {xn: xq.reshape([B] + list(xsh[1:])),
                 tn: t.astype({F32: np.float32, I64: np.int64, I32: np.int32}[tdt])}
        if labels is not None:
            feeds["class_labels"] = labels.astype(np.int64)
        for name, ev in evaluators():
            got = np.asarray(ev(path, feeds))
            if got.dtype != NP_OF[xdt] or list(got.shape) != [B] + list(xsh[1:]):
                print(f"FAIL {fx['file']} [{name}]: output {got.dtype} {got.shape}")
                ok = False
                continue
            err = np.abs(got.reshape(B, D).astype(np.float64) - exact).max() / np.abs(exact).max()
            good = np.isfinite(got).all() and err <= TOL[xdt]
            ok &= bool(good)
            print(f"{'ok  ' if good else 'FAIL'} {fx['file']:22s} [{name}] {B} rows: max |eps - exact| / max|exact| "
                  f"= {err:.2e} (tolerance {TOL[xdt]:.0e}, {NAME_OF[xdt]})")
        # Probe rows of fixtures.json: recomputed here from the formulas (guards the sidecar's numbers).
        px, pt, pl = probe_inputs(fx)
        pe = exact_for(fx, px, pt, pl)
        if not np.allclose(np.array(entry["probe"]["expectedFirst4"]), pe[:, :4], rtol=1e-15, atol=0):
            print(f"FAIL {fx['file']}: probe values in fixtures.json are stale")
            ok = False
    # Independent cross-checks of the tables and of the guidance closed form.
    k = np.arange(STEPS)
    x = rng.normal(size=(STEPS, D))
    direct = np.prod(np.tril(np.ones((STEPS, STEPS))) * (1 - betas())[None, :] + np.triu(np.ones((STEPS, STEPS)), 1), axis=1)
    ok &= report("abar by cumprod equals prod_{i<=k}(1-beta_i) computed directly", np.abs(abar() - direct).max(), 1e-14)
    ok &= report("exp(-t_k) equals abar_k", np.abs(np.exp(-ou_times()) - abar()).max(), 1e-14)
    ok &= report("fractional time at integer k equals integer-step eps",
                 np.abs(exact_eps_frac(x, k.astype(float)) - exact_eps(x, k)).max(), 1e-12)
    mu = mu_table()
    lab = rng.integers(0, NUM_CLASSES, STEPS)
    w = 2.0
    cfg = exact_eps(x, k, mu[NULL_LABEL]) + w * (exact_eps(x, k, mu[lab]) - exact_eps(x, k, mu[NULL_LABEL]))
    ok &= report("CFG with w=2 equals the exact eps of N(2 mu_c, s^2 I)", np.abs(cfg - exact_eps(x, k, w * mu[lab])).max(), 1e-12)
    # Monte-Carlo check of E[Z | x_k] = eps_k(x): the eps formula is the posterior mean of the noise.
    n = 400000
    kk = 300
    x0 = 0.3 + S * rng.normal(size=n)
    z = rng.normal(size=n)
    a, sg = np.sqrt(abar()[kk]), np.sqrt(1 - abar()[kk])
    xk = a * x0 + sg * z
    # least-squares slope of Z on x_k equals the closed form's (E[Z|x] is affine in x)
    slope = np.cov(z, xk)[0, 1] / np.var(xk)
    want = sg / (a * a * S * S + sg * sg)
    ok &= report(f"Monte Carlo: regression slope of Z on x_k at k={kk} vs sigma/(alpha^2 s^2+sigma^2) "
                 f"({slope:.4f} vs {want:.4f}), relative", abs(slope - want) / want, 0.01)
    return ok


def report(what, err, tol):
    good = bool(err <= tol)
    print(f"{'ok  ' if good else 'FAIL'} {what}: {err:.2e} (tolerance {tol:.0e})")
    return good


def main():
    manifest_path = os.path.join(HERE, "fixtures.json")
    if "--check" not in sys.argv[1:]:
        models = []
        for fx in FIXTURES:
            m = build(fx)
            data = m.SerializeToString()
            with open(os.path.join(HERE, fx["file"]), "wb") as f:
                f.write(data)
            models.append((m, data))
            print(f"wrote {fx['file']} ({len(data)} bytes)")
        with open(manifest_path, "w") as f:
            json.dump(sidecar(models), f, indent=2)
            f.write("\n")
        print("wrote fixtures.json")
    with open(manifest_path) as f:
        manifest = json.load(f)
    ok = check(manifest)
    print("all fixture checks passed" if ok else "FIXTURE CHECKS FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
