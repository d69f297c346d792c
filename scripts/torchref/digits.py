"""sklearn's 8x8 digits in [-1, 1], a small class-conditional convolutional DDPM noise predictor
(UNet-like, diffusers signature), and a small CNN classifier with a feature output for a Frechet distance."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_CLASSES = 10
NULL_LABEL = 10          # the extra label of classifier-free guidance: "no class"
SHAPE = (1, 8, 8)


def load_digits_pm1():
    """(images float32 [1797, 1, 8, 8] in [-1, 1], labels int64 [1797]): pixel values 0..16 mapped by v/8 - 1."""
    from sklearn.datasets import load_digits
    ds = load_digits()
    x = (ds.images.astype(np.float32) / 8.0 - 1.0).reshape(-1, *SHAPE)
    return x, ds.target.astype(np.int64)


def classifier_split(seed=0, test_size=0.3):
    """The fixed train / held-out split of the classifier: sklearn train_test_split, stratified."""
    from sklearn.model_selection import train_test_split
    x, y = load_digits_pm1()
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=test_size, random_state=seed, stratify=y)
    return np.sort(tr), np.sort(te)


def timestep_embedding(k, dim, max_period=10000.0):
    """Sinusoidal embedding of the (integer) step index, as in Ho et al. 2020 / diffusers."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = k.to(torch.float32)[:, None] * freqs[None, :]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb, groups=8):
        super().__init__()
        self.n1 = nn.GroupNorm(groups, cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.e = nn.Linear(emb, cout)
        self.n2 = nn.GroupNorm(groups, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.c1(F.silu(self.n1(x)))
        h = h + self.e(e)[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return h + self.skip(x)


class DigitsUNet(nn.Module):
    """eps-prediction network for [B, 1, 8, 8]: 8x8 -> 4x4 -> 8x8 with a skip connection; the step index
    and the class (NUM_CLASSES + 1 labels, the last one the null label) are embedded and added to every
    residual block. forward(sample, timestep int64 [B], class_labels int64 [B]) -> eps [B, 1, 8, 8]."""

    def __init__(self, ch=32, emb=64):
        super().__init__()
        self.config = {"ch": ch, "emb": emb}
        self.emb_dim = emb
        self.t_mlp = nn.Sequential(nn.Linear(emb, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.label_emb = nn.Embedding(NUM_CLASSES + 1, emb)
        self.inc = nn.Conv2d(1, ch, 3, padding=1)
        self.d1 = ResBlock(ch, ch, emb)
        self.down = nn.Conv2d(ch, 2 * ch, 3, stride=2, padding=1)
        self.d2 = ResBlock(2 * ch, 2 * ch, emb)
        self.mid = ResBlock(2 * ch, 2 * ch, emb)
        self.up = nn.ConvTranspose2d(2 * ch, ch, 2, stride=2)
        self.u1 = ResBlock(2 * ch, ch, emb)
        self.out_norm = nn.GroupNorm(8, ch)
        self.out = nn.Conv2d(ch, 1, 3, padding=1)

    def forward(self, sample, timestep, class_labels):
        e = self.t_mlp(timestep_embedding(timestep, self.emb_dim)) + self.label_emb(class_labels)
        e = F.silu(e)
        h0 = self.inc(sample)
        h1 = self.d1(h0, e)
        h = self.d2(self.down(h1), e)
        h = self.mid(h, e)
        h = self.u1(torch.cat([self.up(h), h1], dim=1), e)
        return self.out(F.silu(self.out_norm(h)))


class DigitsClassifier(nn.Module):
    """Small CNN on [B, 1, 8, 8] in [-1, 1]; forward returns (logits [B, 10], features [B, F]), the features
    being the penultimate layer (after its activation), for a Frechet distance."""

    def __init__(self, features=64):
        super().__init__()
        self.config = {"features": features}
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),                              # 4x4
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2))                              # 2x2
        self.fc = nn.Linear(64 * 4, features)
        self.head = nn.Linear(features, NUM_CLASSES)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        h = self.conv(x).flatten(1)
        f = F.relu(self.fc(h))
        return self.head(self.drop(f)), f


def set_determinism(seed, threads=1):
    """Seeded, deterministic CPU training: one intra-op thread (results do not depend on the machine's core
    count), deterministic algorithms only."""
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    np.random.seed(seed)


def train_ddpm(seed=0, epochs=200, batch_size=128, lr=2e-3, label_dropout=0.15, ema_decay=0.999, ch=32,
               emb=64, log=print):
    """Trains DigitsUNet on all 1797 digits with the DDPM loss E |eps - eps_theta(x_k, k, c)|^2, k uniform in
    0..999, labels replaced by NULL_LABEL with probability label_dropout (classifier-free guidance, Ho &
    Salimans 2022). Adam with linear warm-up (100 steps) then cosine decay; an EMA of the weights is the
    exported network. Returns (ema_model, report dict)."""
    import copy
    import time
    from .ddpm import Schedule, STEPS, BETA_START, BETA_END
    set_determinism(seed)
    x, y = load_digits_pm1()
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    n = len(y)
    model = DigitsUNet(ch=ch, emb=emb)
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    sch = Schedule(STEPS)
    abar32 = sch.abar.float()
    steps_per_epoch = n // batch_size
    total = epochs * steps_per_epoch
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    warm = 100
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    gen = torch.Generator().manual_seed(seed)
    losses = []
    t0, c0 = time.time(), time.process_time()
    step = 0
    for ep in range(epochs):
        perm = torch.randperm(n, generator=gen)
        tot = 0.0
        for b in range(steps_per_epoch):
            idx = perm[b * batch_size:(b + 1) * batch_size]
            x0, lab = x[idx], y[idx].clone()
            drop = torch.rand(len(idx), generator=gen) < label_dropout
            lab[drop] = NULL_LABEL
            k = torch.randint(0, STEPS, (len(idx),), generator=gen)
            eps = torch.randn(x0.shape, generator=gen)
            a = abar32[k].view(-1, 1, 1, 1)
            xk = a.sqrt() * x0 + (1 - a).sqrt() * eps
            loss = F.mse_loss(model(xk, k, lab), eps)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            # EMA with the usual warm-up of its decay, so early weights do not dominate a short run.
            dec = min(ema_decay, (1 + step) / (10 + step))
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.mul_(dec).add_(pm, alpha=1 - dec)
                for be, bm in zip(ema.buffers(), model.buffers()):
                    be.copy_(bm)
            tot += loss.item()
        losses.append(tot / steps_per_epoch)
        if log and (ep % 20 == 0 or ep == epochs - 1):
            log(f"epoch {ep + 1}/{epochs}  loss {losses[-1]:.4f}  {time.time() - t0:.0f} s "
                f"(CPU {time.process_time() - c0:.0f} s)")
    seconds, cpu = time.time() - t0, time.process_time() - c0
    report = {
        "dataset": "sklearn-digits-8x8", "trainImages": n, "valueRange": [-1.0, 1.0],
        "pixelMap": "v / 8 - 1 (sklearn pixel values 0..16)",
        "network": {"class": "DigitsUNet", **model.config,
                    "parameters": sum(p.numel() for p in model.parameters())},
        "param": "eps", "time": "ddpm-linear", "schedule": "linear", "steps": STEPS,
        "betaStart": BETA_START, "betaEnd": BETA_END,
        "abar": "abar_k = prod_{i<=k} (1 - beta_i), k = 0..999 (0-based, diffusers indexing)",
        "numClasses": NUM_CLASSES, "nullLabel": NULL_LABEL, "labelDropout": label_dropout,
        "training": {"seed": seed, "epochs": epochs, "batchSize": batch_size, "stepsPerEpoch": steps_per_epoch,
                     "optimizer": "Adam", "lr": lr, "lrSchedule": "100-step linear warm-up, cosine decay to 0",
                     "emaDecay": ema_decay, "exported": "EMA weights", "threads": torch.get_num_threads(),
                     "torch": torch.__version__, "seconds": round(seconds, 1), "cpuSeconds": round(cpu, 1),
                     "timing": "seconds: wall time of the training loop; cpuSeconds: CPU time of this process "
                               "(wall time grows when other jobs share the cores)"},
        "lossPerEpoch": [round(v, 6) for v in losses],
    }
    return ema, report


def train_classifier(seed=0, epochs=60, batch_size=64, lr=2e-3, noise_std=0.05, features=64, log=print):
    """Trains DigitsClassifier on the fixed train split (classifier_split), inputs blurred with N(0, s^2)
    noise, s uniform in [0, noise_std] (samples of a diffusion sampler carry such noise); returns
    (model, report) with the held-out accuracy."""
    import time
    set_determinism(seed)
    x, y = load_digits_pm1()
    tr, te = classifier_split()
    xtr, ytr = torch.from_numpy(x[tr]), torch.from_numpy(y[tr])
    xte, yte = torch.from_numpy(x[te]), torch.from_numpy(y[te])
    model = DigitsClassifier(features=features)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = (len(tr) + batch_size - 1) // batch_size
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(seed)
    t0, c0 = time.time(), time.process_time()
    losses = []
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(tr), generator=gen)
        tot = 0.0
        for b in range(steps_per_epoch):
            idx = perm[b * batch_size:(b + 1) * batch_size]
            xb = xtr[idx]
            s = torch.rand(len(idx), 1, 1, 1, generator=gen) * noise_std
            xb = xb + s * torch.randn(xb.shape, generator=gen)
            loss = F.cross_entropy(model(xb)[0], ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(idx)
        losses.append(tot / len(tr))
    model.eval()
    with torch.no_grad():
        acc_te = (model(xte)[0].argmax(1) == yte).double().mean().item()
        acc_tr = (model(xtr)[0].argmax(1) == ytr).double().mean().item()
        noisy = xte + 0.032 * torch.randn(xte.shape, generator=torch.Generator().manual_seed(1))
        acc_noisy = (model(noisy)[0].argmax(1) == yte).double().mean().item()
    seconds, cpu = time.time() - t0, time.process_time() - c0
    if log:
        log(f"classifier: held-out accuracy {acc_te:.4f} ({len(te)} images), train {acc_tr:.4f}, {seconds:.0f} s")
    report = {
        "dataset": "sklearn-digits-8x8", "valueRange": [-1.0, 1.0], "pixelMap": "v / 8 - 1",
        "split": {"method": "sklearn.model_selection.train_test_split(test_size=0.3, random_state=0, stratify=y)",
                  "train": int(len(tr)), "heldOut": int(len(te))},
        "network": {"class": "DigitsClassifier", **model.config,
                    "parameters": sum(p.numel() for p in model.parameters())},
        "training": {"seed": seed, "epochs": epochs, "batchSize": batch_size, "optimizer": "Adam", "lr": lr,
                     "weightDecay": 1e-4, "lrSchedule": "cosine", "inputNoise": f"N(0, s^2), s ~ U[0, {noise_std}]",
                     "threads": torch.get_num_threads(), "torch": torch.__version__, "seconds": round(seconds, 1),
                     "cpuSeconds": round(cpu, 1)},
        "heldOutAccuracy": acc_te, "heldOutCorrect": int(round(acc_te * len(te))), "trainAccuracy": acc_tr,
        "heldOutAccuracyWithNoise0.032": acc_noisy,
        "lossPerEpoch": [round(v, 6) for v in losses],
    }
    return model, report


DDPM_INPUTS = ["sample", "timestep", "class_labels"]
DDPM_OUTPUT = "out_sample"      # the name optimum's diffusers UNet exports use
OPSET = 17


def export_ddpm(model, path):
    """torch.onnx.export with the diffusers signature: sample float32 [B,1,8,8], timestep int64 [B],
    class_labels int64 [B] -> out_sample float32 [B,1,8,8] (eps); dynamic batch axis B; opset 17."""
    model.eval()
    ex = (torch.zeros(3, *SHAPE), torch.tensor([0, 500, 999]), torch.tensor([0, 5, NULL_LABEL]))
    torch.onnx.export(model, ex, path, input_names=DDPM_INPUTS, output_names=[DDPM_OUTPUT],
                      dynamic_axes={n: {0: "B"} for n in DDPM_INPUTS + [DDPM_OUTPUT]}, opset_version=OPSET,
                      do_constant_folding=True)


CLASSIFIER_INPUT = "x"
CLASSIFIER_OUTPUTS = ["logits", "features"]


def export_classifier(model, path):
    """x float32 [B,1,8,8] in [-1,1] -> logits [B,10], features [B,F]; dynamic batch axis; opset 17."""
    model.eval()
    torch.onnx.export(model, (torch.zeros(3, *SHAPE),), path, input_names=[CLASSIFIER_INPUT],
                      output_names=CLASSIFIER_OUTPUTS,
                      dynamic_axes={n: {0: "B"} for n in [CLASSIFIER_INPUT] + CLASSIFIER_OUTPUTS},
                      opset_version=OPSET, do_constant_folding=True)
