"""Figures of the gru family (src/families/gru: gru-nopost, gru-post): the
delayed-cue figures of analysis/figures.py (PSD classes, curves by class,
PSD histogram), with the free run of a GRU (nn.GRUCell equations of
src/families/gru/gru.hpp) from the packed final parameters in /params."""
import math

import numpy as np

PRESETS = ("gru-nopost", "gru-post")


def unpack(v, n):
    """/params layout: [vec(W_ih) (3N×2); vec(W_hh) (3N×N); b_ih; b_hh;
    vec(W_out) (2×N); b_out], column-major."""
    k = 0

    def take(rows, cols):
        nonlocal k
        m = np.asarray(v[k:k + rows * cols], dtype=float).reshape(cols, rows).T
        k += rows * cols
        return m

    W_ih, W_hh = take(3 * n, 2), take(3 * n, n)
    b_ih, b_hh = take(3 * n, 1)[:, 0], take(3 * n, 1)[:, 0]
    W_out, b_out = take(2, n), take(2, 1)[:, 0]
    return W_ih, W_hh, b_ih, b_hh, W_out, b_out


def simulate(f, k, cfg, steps_factor=9, seed=0, noise=False):
    """Free run of SPEC §3.5 (trial type 0 for the cue steps, then zero input,
    for 9 T steps) of row k's final GRU, noise-free unless `noise`; returns
    the states h_1 .. h_9T, the read-outs, dt, the cue steps and T."""
    n = int(f["grid/n"][k])
    a, b = f["params/offset"][k:k + 2]
    W_ih, W_hh, b_ih, b_hh, W_out, b_out = unpack(f["params/final"][a:b], n)
    dt = float(cfg.get("model.dt", 5))
    sigma = float(f["grid/noise_sigma"][k]) if noise else 0.0
    cue = int(math.floor(float(cfg.get("task.cue", 30)) / dt))
    T = cue + int(math.floor(float(f["grid/delay"][k]) / dt)) + int(math.floor(float(f["grid/response"][k]) / dt)) \
        + int(math.floor(float(f["grid/post"][k]) / dt))
    steps = steps_factor * T
    rng = np.random.default_rng(seed)
    h = np.tanh(float(cfg.get("model.init_state_sigma", 0.1)) * rng.standard_normal(n))
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    H, O = np.empty((steps, n)), np.empty((steps, 2))
    for t in range(steps):
        O[t] = sig(W_out @ h + b_out)
        u = np.array([0.0, 1.0]) if t < cue else np.zeros(2)
        gi, gh = W_ih @ u + b_ih, W_hh @ h + b_hh
        r, z = sig(gi[:n] + gh[:n]), sig(gi[n:2 * n] + gh[n:2 * n])
        c = np.tanh(gi[2 * n:] + r * gh[2 * n:] + sigma * rng.standard_normal(n))
        h = (1 - z) * c + z * h
        H[t] = h
    return H, O, dt, cue, T
