#!/usr/bin/python3
"""Test-only PyTorch reference for memphase's hand-written numerics (issue 16).

Reads a plain-text problem written by a C++ test, computes it with PyTorch
itself (Debian's python3-torch: torch.optim.Adam) and writes the answer as text. Exit code 77 when torch is missing
(the C++ test then skips with that reason).

Text format, one record per line, values as written by printf %.9g (float32
round-trips exactly):
  key VALUE...                 scalars of the problem (e.g. "lr 0.01")
  tensor NAME ROWS COLS V...   a float32 tensor, row-major
Output: the same "tensor" lines.

  torch_ref.py adam IN OUT
      params "p.<name>", gradients "g<k>.<name>" for k = 0..steps-1; runs
      torch.optim.Adam(lr, betas, eps, weight_decay) for `steps` updates with
      these gradients; writes "p<k>.<name>" after update k, and the moments
      "m.<name>", "v.<name>" after the last.
"""
import sys


def read(path):
    scalars, tensors = {}, {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "tensor":
                rows, cols = int(w[2]), int(w[3])
                tensors[w[1]] = (rows, cols, [float(v) for v in w[4:]])
            else:
                scalars[w[0]] = w[1]
    return scalars, tensors


def write(path, out):
    with open(path, "w") as f:
        for name, t in out.items():
            t = t.detach().to(dtype=__import__("torch").float64)
            if t.dim() == 0:
                t = t.reshape(1, 1)
            elif t.dim() == 1:
                t = t.reshape(-1, 1)
            rows, cols = t.shape
            vals = " ".join("%.17g" % v for v in t.reshape(-1).tolist())
            f.write("tensor %s %d %d %s\n" % (name, rows, cols, vals))


def as_tensor(torch, t):
    rows, cols, vals = t
    return torch.tensor(vals, dtype=torch.float32).reshape(rows, cols)


def adam(torch, scalars, tensors, out_path):
    steps = int(scalars["steps"])
    names = [k[2:] for k in tensors if k.startswith("p.")]
    params = [torch.nn.Parameter(as_tensor(torch, tensors["p." + n])) for n in names]
    opt = torch.optim.Adam(params, lr=float(scalars["lr"]),
                           betas=(float(scalars["beta1"]), float(scalars["beta2"])),
                           eps=float(scalars["eps"]), weight_decay=float(scalars["weight_decay"]))
    out = {}
    for k in range(steps):
        for n, p in zip(names, params):
            p.grad = as_tensor(torch, tensors["g%d.%s" % (k, n)])
        opt.step()
        for n, p in zip(names, params):
            out["p%d.%s" % (k, n)] = p.detach().clone()
    for n, p in zip(names, params):
        out["m." + n] = opt.state[p]["exp_avg"]
        out["v." + n] = opt.state[p]["exp_avg_sq"]
    write(out_path, out)


def main():
    try:
        import torch
    except ImportError:
        print("torch_ref.py: python3-torch is not installed", file=sys.stderr)
        sys.exit(77)
    torch.set_num_threads(1)
    cmd, inp, outp = sys.argv[1:4]
    scalars, tensors = read(inp)
    {"adam": adam}[cmd](torch, scalars, tensors, outp)


if __name__ == "__main__":
    main()
