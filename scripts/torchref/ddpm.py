"""The linear DDPM schedule and the ancestral sampler of Ho et al. 2020 (Algorithm 2).

Indexing as in diffusers and docs ALGORITHMS.md section 1: betas = linspace(1e-4, 0.02, N), step k (0-based)
has abar_k = prod_{i<=k} (1 - beta_i) and sits at OU forward time t_k = -ln abar_k."""
import numpy as np
import torch

BETA_START = 1e-4
BETA_END = 0.02
STEPS = 1000
NOISE_CHUNK = 100


def linear_betas(n=STEPS, start=BETA_START, end=BETA_END):
    """numpy.linspace(start, end, n) in float64 (the same numbers as TimeMap.linearBetas)."""
    return np.linspace(start, end, n, dtype=np.float64)


def abar_table(n=STEPS):
    """abar_k = prod_{i<=k}(1 - beta_i), float64, k = 0..n-1."""
    return np.cumprod(1.0 - linear_betas(n))


class Schedule:
    """Float64 tensors of the linear schedule (torch), for training and sampling."""

    def __init__(self, n=STEPS):
        self.n = n
        self.betas = torch.from_numpy(linear_betas(n))
        self.abar = torch.from_numpy(abar_table(n))

    def q_sample(self, x0, k, noise):
        """x_k = sqrt(abar_k) x0 + sqrt(1 - abar_k) eps (x0: [B, ...], k: int64 [B])."""
        a = self.abar[k].to(x0.dtype).view(-1, *([1] * (x0.dim() - 1)))
        return a.sqrt() * x0 + (1 - a).sqrt() * noise


@torch.no_grad()
def ancestral_sample(eps_fn, n, shape, seed, labels=None, guidance=None, null_label=None, schedule=None,
                     batch=500):
    """Ho et al. 2020 Algorithm 2 with sigma_k^2 = beta_k:
        x_{N-1} ~ N(0, I);  x_{k-1} = (x_k - beta_k / sqrt(1 - abar_k) eps) / sqrt(1 - beta_k) + sqrt(beta_k) z,
    no noise at the last step (k = 0), which returns the estimate of x_0.
    eps_fn(x float32 [B, *shape], k int64 [B], labels int64 [B] or None) -> eps (a tensor or array).
    With guidance w (classifier-free guidance, Ho & Salimans 2022): eps = eps_u + w (eps_c - eps_u), the
    conditional and the null-label rows evaluated in one batched call.
    The state is kept in float64; the network sees float32. Noise: sample i has its own torch.Generator
    seeded with (seed * 1000003 + i) mod 2^64, which draws x_T, then the z of the steps in chunks of
    NOISE_CHUNK steps (randn([NOISE_CHUNK, *shape]) per chunk, steps N-1, N-2, ... in order), so sample i
    does not depend on `batch` or on n.
    Returns float64 numpy [n, prod(shape)]."""
    sch = schedule or Schedule()
    d = int(np.prod(shape))
    out = np.empty((n, d), dtype=np.float64)
    for start in range(0, n, batch):
        b = min(batch, n - start)
        lab = None if labels is None else torch.as_tensor(np.asarray(labels[start:start + b]), dtype=torch.int64)
        gens = [torch.Generator().manual_seed((int(seed) * 1_000_003 + i) % (1 << 64)) for i in range(start, start + b)]
        x = torch.stack([torch.randn(shape, generator=g, dtype=torch.float64) for g in gens])
        chunk = None
        for k in range(sch.n - 1, -1, -1):
            j = (sch.n - 1 - k) % NOISE_CHUNK
            if j == 0:      # the next NOISE_CHUNK steps' noise of every sample of the batch: [b, chunk, *shape]
                chunk = torch.stack([torch.randn((NOISE_CHUNK, *shape), generator=g, dtype=torch.float64)
                                     for g in gens])
            kk = torch.full((b,), k, dtype=torch.int64)
            if lab is not None and guidance is not None:
                xx = torch.cat([x, x]).float()
                ll = torch.cat([lab, torch.full_like(lab, null_label)])
                e = torch.as_tensor(eps_fn(xx, torch.cat([kk, kk]), ll)).double()
                e_c, e_u = e[:b], e[b:]
                eps = e_u + guidance * (e_c - e_u)
            else:
                eps = torch.as_tensor(eps_fn(x.float(), kk, lab)).double()
            beta = sch.betas[k]
            abar = sch.abar[k]
            mean = (x - beta / torch.sqrt(1 - abar) * eps) / torch.sqrt(1 - beta)
            if k > 0:
                x = mean + torch.sqrt(beta) * chunk[:, j]
            else:
                x = mean
        out[start:start + b] = x.reshape(b, d).numpy()
    return out
