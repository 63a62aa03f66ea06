#!/usr/bin/env python3
"""Regenerate the PyTorch-style parameter fixtures in fixtures/params/.

A tiny two-layer bias-free network in PyTorch's naming and layout,

    nn.Sequential(nn.Linear(d, k, bias=False), ReLU^2, nn.Linear(k, 1, bias=False))
    state_dict: "0.weight" (k, d) float32, "2.weight" (1, k) float32,

is trained with plain NumPy (no PyTorch needed) by full-batch *normalized* gradient descent
on the exponential loss, then saved as float32 in two formats the crate reads:

  fixtures/params/torch_two_layer.safetensors   (written by hand; format below)
  fixtures/params/torch_two_layer.npz           (as numpy.savez_compressed, fixed timestamps)
  fixtures/params/torch_two_layer_W_fortran_be_v2.npy (W alone: Fortran order, >f4, npy 2.0)
  fixtures/params/torch_two_layer_data.csv      (the dataset: label +-1 first, then features)
  fixtures/params/torch_two_layer_expected.json (independent float64 reference outputs)

Model in the crate's terms: `two_layer:relu_pow:2:k=8` on d = 10, f(x) = u^T relu(Wx)^2,
degree L = 3, blocks W = "0.weight" (8x10, row-major) and u = "2.weight" reshaped (1,8) -> (8).

Training: seed 20240607; m = 24 points, x ~ N(0, I_10) scaled to unit l2 norm, labels from a
random linear teacher y = sign(<w*, x>) keeping only points with |<w*, x>|/|w*| >= 0.15 (so the
data are separable by the net: u = (1, -1), rows (w*, -w*) give sign(z) z^2). PyTorch's default
init U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Normalized GD ([M] eq. 3 with the l2 norm):
theta <- theta - eta * g / |g|_2, eta = 0.1, STEPS = 20000 steps, where g is the gradient of
sum_i exp(-y_i f(x_i)); the loss weights exp(-(q_i - q_min)) are shifted by q_min (the
direction is scale-free), so nothing under- or overflows. Trained in float64, saved as float32.

The expected outputs f(x_i) are computed by NumPy in float64 from the float32 weights (every
float32 is exactly a float64), giving an independent reference for the loader + model.

safetensors by hand: 8-byte little-endian header length N, then N bytes of JSON
{"0.weight": {"dtype": "F32", "shape": [8, 10], "data_offsets": [0, 320]}, ...,
 "__metadata__": {"format": "pt"}} padded with spaces to a multiple of 8, then the
little-endian data (identical to `safetensors.numpy.save_file`'s layout).

Usage (from the repository root; only NumPy is needed):
    python3 scripts/make_torch_fixture.py
It prints the final margins and the sha256 of every file it writes (PROVENANCE.md lists them).
"""

import hashlib
import json
import os
import struct
import zipfile

import numpy as np

SEED = 20240607
D, K, M = 10, 8, 24
STEPS = 20000
ETA = 0.1
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "params")


def make_data(rng):
    w_star = rng.standard_normal(D)
    xs, ys = [], []
    while len(xs) < M:
        x = rng.standard_normal(D)
        x /= np.linalg.norm(x)
        s = x @ w_star / np.linalg.norm(w_star)
        if abs(s) >= 0.15:
            xs.append(x)
            ys.append(1.0 if s > 0 else -1.0)
    return np.array(xs), np.array(ys)


def forward(W, u, X):
    z = X @ W.T  # (m, k)
    r = np.maximum(z, 0.0)
    return (r * r) @ u, z, r


def train(X, y, rng):
    W = rng.uniform(-1 / np.sqrt(D), 1 / np.sqrt(D), size=(K, D))
    u = rng.uniform(-1 / np.sqrt(K), 1 / np.sqrt(K), size=K)
    for _ in range(STEPS):
        f, z, r = forward(W, u, X)
        q = y * f
        w = np.exp(-(q - q.min()))  # -l'(q_i) up to the common factor exp(-q_min)
        c = -w * y  # d loss / d f_i, up to that factor
        gu = (r * r).T @ c
        gW = ((c[:, None] * (2.0 * r)) * u[None, :]).T @ X
        g = np.concatenate([gW.ravel(), gu])
        step = ETA * g / np.linalg.norm(g)
        W = W - step[: K * D].reshape(K, D)
        u = u - step[K * D :]
    return W, u


def write_npz(path, tensors):
    """Exactly what numpy.savez_compressed does (deflate, zip64 extra fields via
    force_zip64=True, format.write_array into each member), but with a fixed timestamp so
    the file is byte-for-byte reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, a in tensors.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(a), allow_pickle=False)


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        assert a.dtype == np.float32
        b = a.astype("<f4").tobytes(order="C")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    rng = np.random.default_rng(SEED)
    X, y = make_data(rng)
    W, u = train(X, y, rng)
    W32 = W.astype(np.float32)
    u32 = u.astype(np.float32).reshape(1, K)
    tensors = {"0.weight": W32, "2.weight": u32}
    os.makedirs(OUT, exist_ok=True)
    st = os.path.join(OUT, "torch_two_layer.safetensors")
    npz = os.path.join(OUT, "torch_two_layer.npz")
    csv = os.path.join(OUT, "torch_two_layer_data.csv")
    exp = os.path.join(OUT, "torch_two_layer_expected.json")
    fort = os.path.join(OUT, "torch_two_layer_W_fortran_be_v2.npy")
    write_safetensors(st, tensors)
    write_npz(npz, tensors)
    # W alone as NumPy writes a Fortran-ordered big-endian float32 array, format version 2.0.
    with open(fort, "wb") as f:
        np.lib.format.write_array(f, np.asfortranarray(W32.astype(">f4")), version=(2, 0))
    with open(csv, "w", newline="\n") as f:
        f.write("label," + ",".join(f"x{j}" for j in range(D)) + "\n")
        for xi, yi in zip(X, y):
            f.write(("1" if yi > 0 else "-1") + "," + ",".join(repr(float(v)) for v in xi) + "\n")

    # Independent float64 reference from the float32 weights.
    W64 = W32.astype(np.float64)
    u64 = u32.astype(np.float64).reshape(K)
    f64, _, _ = forward(W64, u64, X)
    q = y * f64
    norm2 = np.sqrt((W64 * W64).sum() + (u64 * u64).sum())
    ref = {
        "model": f"two_layer:relu_pow:2:k={K}",
        "d": D,
        "k": K,
        "m": M,
        "seed": SEED,
        "steps": STEPS,
        "eta": ETA,
        "W": [[float(v) for v in row] for row in W64],
        "u": [float(v) for v in u64],
        "outputs": [float(v) for v in f64],
        "min_margin": float(q.min()),
        "normalized_l2_margin": float(q.min() / norm2**3),
    }
    with open(exp, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")

    # Read back what was written (guards the hand-written formats).
    with np.load(npz) as z:
        assert np.array_equal(z["0.weight"], W32) and np.array_equal(z["2.weight"], u32)
    with open(st, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        hdr = json.loads(f.read(n))
        data = f.read()
    a = np.frombuffer(data[slice(*hdr["0.weight"]["data_offsets"])], dtype="<f4").reshape(K, D)
    assert np.array_equal(a, W32)
    b = np.load(fort)
    assert b.flags.f_contiguous and b.dtype == np.dtype(">f4") and np.array_equal(b, W32)

    print(f"min_i y_i f(x_i) = {q.min():.6e}, normalized l2 margin = {ref['normalized_l2_margin']:.6e}")
    print(f"positive margins: {(q > 0).sum()}/{M}")
    for p in (st, npz, fort, csv, exp):
        print(f"{sha256_of(p)}  {os.path.relpath(p, os.path.join(OUT, '..', '..'))}")


if __name__ == "__main__":
    main()
