"""Sample statistics for the acceptance checks of issue 11, in float64 NumPy:
- MMD^2 with a Gaussian kernel k(x, y) = exp(-|x - y|^2 / (2 h^2)), the unbiased U-statistic of Gretton et
  al. (JMLR 2012, eq. 3), h from the median heuristic (h^2 = median |z_i - z_j|^2 over pairs of the pooled
  sample), the same estimator as the project's io.piadm.metrics.Mmd;
- a permutation test of two sample sets with that statistic;
- classifier accuracy against requested labels, with its binomial standard error sqrt(p (1 - p) / n) and a
  95% Wilson score interval;
- the Frechet distance |m1 - m2|^2 + tr(C1 + C2 - 2 (C1^{1/2} C2 C1^{1/2})^{1/2}) between Gaussian fits of
  classifier features (Heusel et al. 2017), with symmetric eigendecompositions for the square roots."""
import numpy as np


def _sqdist(a, b):
    aa = (a * a).sum(1)[:, None]
    bb = (b * b).sum(1)[None, :]
    return np.maximum(aa + bb - 2.0 * a @ b.T, 0.0)


def median_bandwidth(x, y, max_points=1000):
    z = np.concatenate([x, y])
    if len(z) > max_points:                       # an even stride, as io.piadm.metrics.Mmd
        z = z[(np.arange(max_points) * len(z)) // max_points]
    d2 = _sqdist(z, z)[np.triu_indices(len(z), 1)]
    return float(np.sqrt(np.median(d2)))


def mmd2_unbiased(x, y, h):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    m, n = len(x), len(y)
    g = -1.0 / (2 * h * h)
    kxx = np.exp(g * _sqdist(x, x))
    kyy = np.exp(g * _sqdist(y, y))
    kxy = np.exp(g * _sqdist(x, y))
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2.0 * kxy.mean())


def mmd_permutation_test(x, y, h=None, permutations=200, seed=0):
    """MMD^2_u(x, y) and its permutation p-value (the share of random relabellings of the pooled sample,
    counting the observed one, with a statistic at least as large). With a 0/1 indicator a of the first
    group and the kernel matrix K of the pooled sample (zero diagonal), the within- and cross-group sums are
    a'Ka, (1-a)'K(1-a) and a'K(1-a), so all permutations cost one matrix product."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    h = h or median_bandwidth(x, y)
    z = np.concatenate([x, y])
    m, N = len(x), len(x) + len(y)
    n = N - m
    K = np.exp(-_sqdist(z, z) / (2 * h * h))
    np.fill_diagonal(K, 0.0)
    rng = np.random.default_rng(seed)
    A = np.zeros((N, permutations + 1))
    A[:m, 0] = 1.0                                    # column 0: the observed split
    for j in range(1, permutations + 1):
        A[rng.permutation(N)[:m], j] = 1.0
    KA = K @ A
    saa = (A * KA).sum(0)
    sab = ((1 - A) * KA).sum(0)
    sbb = K.sum() - saa - 2 * sab
    st = saa / (m * (m - 1)) + sbb / (n * (n - 1)) - 2 * sab / (m * n)
    obs, null = st[0], st[1:]
    return {"mmd2": float(obs), "bandwidth": h, "pValue": float((1 + (null >= obs).sum()) / (1 + permutations)),
            "nullMean": float(null.mean()), "nullStd": float(null.std()), "permutations": permutations}


def _sqrtm_psd(c):
    w, v = np.linalg.eigh((c + c.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(f1, f2):
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    m1, m2 = f1.mean(0), f2.mean(0)
    c1, c2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    r1 = _sqrtm_psd(c1)
    cross = _sqrtm_psd(r1 @ c2 @ r1)
    return float(((m1 - m2) ** 2).sum() + np.trace(c1) + np.trace(c2) - 2.0 * np.trace(cross))


def accuracy(pred, labels):
    pred, labels = np.asarray(pred), np.asarray(labels)
    p = float((pred == labels).mean())
    n = len(labels)
    z = 1.96                                       # Wilson score interval (good at p near 0 or 1)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return {"accuracy": p, "standardError": float(np.sqrt(p * (1 - p) / n)), "n": int(n),
            "wilson95": [float(centre - half), float(centre + half)],
            "perClass": {int(c): float((pred[labels == c] == c).mean()) for c in np.unique(labels)}}
