#!/usr/bin/python3
"""Test-only PyTorch reference for memphase's hand-written numerics (issue 16).

Reads a plain-text problem written by a C++ test, computes it with PyTorch
itself (Debian's python3-torch: torch.optim.Adam, torch.nn.GRUCell,
autograd) and writes the answer as text. Exit code 77 when torch is missing
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
  torch_ref.py gru IN OUT
      nn.GRUCell(2, N) with weights W_ih, W_hh, b_ih, b_hh, read-out W_out,
      b_out; h0 (N x B: h_0 = h0 as given), eps (N x B(T-1): the noise
      added inside the candidate's tanh at update t, columns [tB, (t+1)B)),
      x (2 x BT: the input of step t), y (2 x BT: targets), w (1 x T: loss
      weights). Forward as memphase's gru family: o_t = sigmoid(W_out h_t +
      b_out), then h_{t+1} = GRUCell(x_t, h_t) with eps_t inside the tanh of
      the candidate. The noise cannot be injected into nn.GRUCell itself, so
      the candidate is recomputed from the cell's own gates: n = (h' - z h) /
      (1 - z) recovers it, and the noisy cell is
          h' = (1 - z) tanh(atanh(n) + eps) + z h,
      built from nn.GRUCell's r, z, n (checked against the cell's output
      with eps = 0). Loss mean_{b,t,k} w_t (o - y)^2; writes "o" (2 x BT),
      "loss", the gradients "g.<name>" and, after one torch.optim step
      (SGD(lr, momentum, weight_decay) or Adam(...), key "optimizer"), the
      parameters "p1.<name>".
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


def gru(torch, scalars, tensors, out_path):
    N = int(scalars["n"])
    B = int(scalars["batch"])
    T = int(scalars["steps"])
    cell = torch.nn.GRUCell(2, N)
    read_out = torch.nn.Linear(N, 2)
    with torch.no_grad():
        cell.weight_ih.copy_(as_tensor(torch, tensors["W_ih"]))
        cell.weight_hh.copy_(as_tensor(torch, tensors["W_hh"]))
        cell.bias_ih.copy_(as_tensor(torch, tensors["b_ih"]).reshape(-1))
        cell.bias_hh.copy_(as_tensor(torch, tensors["b_hh"]).reshape(-1))
        read_out.weight.copy_(as_tensor(torch, tensors["W_out"]))
        read_out.bias.copy_(as_tensor(torch, tensors["b_out"]).reshape(-1))
    h0 = as_tensor(torch, tensors["h0"]).t()          # B x N
    eps = as_tensor(torch, tensors["eps"]).t()        # B(T-1) x N
    x = as_tensor(torch, tensors["x"]).t()            # BT x 2
    y = as_tensor(torch, tensors["y"]).t()            # BT x 2
    w = as_tensor(torch, tensors["w"]).reshape(-1)    # T

    def gates(x_t, h):
        # nn.GRUCell's own r, z, n (PyTorch's documented equations), checked
        # against the cell's output below.
        gi = torch.nn.functional.linear(x_t, cell.weight_ih, cell.bias_ih)
        gh = torch.nn.functional.linear(h, cell.weight_hh, cell.bias_hh)
        i_r, i_z, i_n = gi.chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        return r, z, i_n + r * h_n

    h = h0
    outs, loss = [], 0.0
    max_cell_diff = 0.0
    for t in range(T):
        o = torch.sigmoid(read_out(h))
        outs.append(o)
        loss = loss + w[t] * ((o - y[t * B:(t + 1) * B]) ** 2).sum()
        if t + 1 < T:
            x_t = x[t * B:(t + 1) * B]
            r, z, pre_n = gates(x_t, h)
            with torch.no_grad():
                ref = cell(x_t, h)
                mine = (1 - z) * torch.tanh(pre_n) + z * h
                max_cell_diff = max(max_cell_diff, float((ref - mine).abs().max()))
            n = torch.tanh(pre_n + eps[t * B:(t + 1) * B])
            h = (1 - z) * n + z * h
    loss = loss / (B * T * 2)
    if max_cell_diff > 1e-5:
        sys.exit("torch_ref.py: the gates do not reproduce nn.GRUCell (max diff %g)" % max_cell_diff)
    params = {"W_ih": cell.weight_ih, "W_hh": cell.weight_hh, "b_ih": cell.bias_ih, "b_hh": cell.bias_hh,
              "W_out": read_out.weight, "b_out": read_out.bias}
    loss.backward()
    out = {"o": torch.cat(outs, 0).t(), "loss": loss.detach()}
    for k, p in params.items():
        out["g." + k] = p.grad.clone()
    lr = float(scalars["lr"])
    wd = float(scalars["weight_decay"])
    if scalars["optimizer"] == "adam":
        opt = torch.optim.Adam(params.values(), lr=lr, betas=(float(scalars["beta1"]), float(scalars["beta2"])),
                               eps=float(scalars["eps"]), weight_decay=wd)
    else:
        opt = torch.optim.SGD(params.values(), lr=lr, momentum=float(scalars["momentum"]), weight_decay=wd)
    opt.step()
    for k, p in params.items():
        out["p1." + k] = p.detach().clone()
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
    {"adam": adam, "gru": gru}[cmd](torch, scalars, tensors, outp)


if __name__ == "__main__":
    main()
