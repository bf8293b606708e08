"""Model building blocks the reference models share."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    """Multi-head attention written out with MatMul/Softmax (clean opset-13 export)."""

    def __init__(self, dim, kv_dim=None, heads=4):
        super().__init__()
        kv_dim = dim if kv_dim is None else kv_dim
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(kv_dim, dim)
        self.v = nn.Linear(kv_dim, dim)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, kv, bias=None):
        b, n, d = x.shape
        m = kv.shape[1]
        h = self.heads
        q = self.q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k = self.k(kv).reshape(b, m, h, d // h).transpose(1, 2)
        v = self.v(kv).reshape(b, m, h, d // h).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(d // h))
        if bias is not None:
            scores = scores + bias
        out = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.o(out.transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


def sinusoid(x, freqs):
    """x [1] -> [1, 2*len(freqs)]."""
    angles = x.reshape(-1, 1) * freqs.reshape(1, -1)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)
