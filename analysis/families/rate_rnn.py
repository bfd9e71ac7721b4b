"""Figures of the rate_rnn family (SPEC §2-3: dcdt-nopost, dcdt-post,
dcdt-longtau, no-memory): the PSD classes, and for the no-memory task (SPEC
§3.6) learned / not learned only; the free run of the leaky rate RNN."""
import math

import numpy as np

PRESETS = ("dcdt-nopost", "dcdt-post", "dcdt-longtau", "no-memory")
NO_MEMORY = "no-memory"


def learned_only(preset):
    return preset == NO_MEMORY


def curve_classes(f, preset):
    if preset != NO_MEMORY:
        return None
    # every no-memory network has class 0: its one outcome is "learned" (SPEC §3.6)
    return (np.where(f["tasks/learned"][:] == 1, 1, 0), {0: "not learned", 1: "learned"},
            {0: "tab:red", 1: "tab:green"})


def free_run_refusal(preset):
    if preset == NO_MEMORY:
        return "the no-memory family has no LC or SP networks (SPEC §3.6): no free_run"
    return None


def simulate(f, k, cfg, steps_factor=9, seed=0, noise=False):
    """Free run of SPEC §3.5 from the final weights of row k: trial type 0
    (cue [0, 1]) for the cue steps, then zero input, for 9 T steps, from
    r_0 = tanh(init_state_sigma g). Noise-free unless `noise`."""
    n = int(f["grid/n"][k])
    g = "weights/final/"
    W_in = f[g + "W_in"][k][:n, :2].astype(float)
    W_rec = f[g + "W_rec"][k][:n, :n].astype(float)
    W_out = f[g + "W_out"][k][:, :n].astype(float)
    b_in, b_rec, b_out = f[g + "b_in"][k][:n], f[g + "b_rec"][k][:n], f[g + "b_out"][k]
    dt, tau = float(cfg.get("model.dt", 5)), float(f["grid/tau"][k])
    sigma = float(f["grid/noise_sigma"][k]) if noise else 0.0
    alpha = dt / tau
    cue = int(math.floor(float(cfg.get("task.cue", 30)) / dt))
    T = cue + int(math.floor(float(f["grid/delay"][k]) / dt)) + int(math.floor(float(f["grid/response"][k]) / dt)) \
        + int(math.floor(float(f["grid/post"][k]) / dt))
    steps = steps_factor * T
    rng = np.random.default_rng(seed)
    r = np.tanh(float(cfg.get("model.init_state_sigma", 0.1)) * rng.standard_normal(n))
    family = cfg.get("family", "")
    linear = cfg.get("model.readout", "linear" if family == NO_MEMORY else "sigmoid") == "linear"
    R, O = np.empty((steps, n)), np.empty((steps, 2))
    for t in range(steps):
        o = W_out @ r + b_out
        O[t] = o if linear else 1 / (1 + np.exp(-o))
        u = np.array([0.0, 1.0]) if t < cue else np.zeros(2)
        z = np.tanh(W_in @ u + b_in + W_rec @ r + b_rec + sigma * rng.standard_normal(n))
        r = (1 - alpha) * r + alpha * z
        R[t] = r
    return R, O, dt, cue, T
