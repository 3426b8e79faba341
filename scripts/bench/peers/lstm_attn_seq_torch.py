#!/usr/bin/python3
"""Peer of the LSTM scaling series: the kit's W3 model (peer_lstm_attn_torch.LstmAttn, imported, not copied)
and step (zero_grad + forward + backward + Adam, MSE, lr 1e-3) at any sequence length: x = randn(32, T, 8),
y = randn(32, 1) under torch.manual_seed(0), the same batch every step, one thread. `warmup` steps, then
`repeats` of `steps` timed steps; prints one JSON line with the seconds per step of each repeat.

Run: /usr/bin/python3 lstm_attn_seq_torch.py --kit ../shared/bench --seq 100 [--steps 20 --repeats 3 --warmup 5]
"""
import argparse
import json
import os
import sys
import time

PARSER = argparse.ArgumentParser()
PARSER.add_argument("--kit", required=True)
PARSER.add_argument("--seq", type=int, required=True)
PARSER.add_argument("--steps", type=int, default=20)
PARSER.add_argument("--repeats", type=int, default=3)
PARSER.add_argument("--warmup", type=int, default=5)
ARGS = PARSER.parse_args()
sys.path.insert(0, os.path.abspath(ARGS.kit))
sys.argv = sys.argv[:1]  # the kit module parses --threads on import: leave it its default, 1
from peer_lstm_attn_torch import LstmAttn  # noqa: E402  (pins BLAS threads to 1 on import)
import torch  # noqa: E402
from torch import nn  # noqa: E402


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x, y = torch.randn(32, ARGS.seq, 8), torch.randn(32, 1)
    model = LstmAttn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(ARGS.warmup):
        step()
    seconds = []
    for _ in range(ARGS.repeats):
        t0 = time.perf_counter()
        for _ in range(ARGS.steps):
            loss = step()
        seconds.append((time.perf_counter() - t0) / ARGS.steps)
    sys.stdout.write(json.dumps({"seq_len": ARGS.seq, "seconds_per_step": seconds, "final_loss": loss,
                                 "intraop_threads": torch.get_num_threads()}) + "\n")


if __name__ == "__main__":
    main()
