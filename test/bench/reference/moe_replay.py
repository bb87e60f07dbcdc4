#!/usr/bin/env python3
"""The MoE offloading replay a researcher would write in an afternoon, as the yardstick for
servesim's speed (test/bench/cases/moe-python.mjs runs both on the same trace).

Reads a routing trace (traces/moe.schema.md: one CSV row per request, token, layer), keeps an LRU
expert cache per layer in an OrderedDict, and charges a fixed time per token for compute and a
fixed time per missed expert for its PCIe fetch. No link sharing, no overlap, no memory pool:
that is what servesim adds. The cache follows servesim's rules so the hit rate is the same:
  - capacity split evenly over the layers, each layer starting with its lowest-numbered experts;
  - a step's experts at a layer are the union over the batch, in first-seen order; each counts
    one access; hits are touched (made most recent) first, then the misses fetched one by one;
  - a fetch evicts the least recently used expert that is not being computed: the layer's hits
    for the first fetch (all of them only if nothing else is left), the previous fetch after that;
  - prefetch "previous-token": at each layer, the experts the request's previous token used one
    layer ahead (the step's next layer 0: this token's own layer 0) are fetched if absent.
A batch holds up to --batch requests, admitted in trace order as others finish (all requests
present at t=0, as in a trace without arrival times).

Usage: moe_replay.py TRACE.csv [--cache 128] [--layers 32] [--batch 1] [--prefetch none|previous-token]
                     [--token-s S] [--fetch-s S]
Prints one JSON line: tokens, accesses, hits, hit_rate, simulated_s, prefetches.
"""
import argparse
import csv
import json
from collections import OrderedDict


def read_requests(path):
    """Requests in trace order, each a list of tokens, each a list of per-layer expert lists."""
    requests = []
    current, last_req, last_tok = None, None, None
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            req, tok = int(row["request"]), int(row["token"])
            if req != last_req:
                current = []
                requests.append(current)
                last_req, last_tok = req, None
            if tok != last_tok:
                current.append([])
                last_tok = tok
            current[-1].append([int(e) for e in row["experts"].split("|")])
    return requests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--cache", type=int, default=128)
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--prefetch", choices=["none", "previous-token"], default="none")
    # Illustrative figures only (the bench compares hit rates, not times): a Mixtral-8x7B fp16
    # expert is 3 x 4096 x 14336 x 2 B = 352 MB (model card config.json), ~14 ms at ~25 GB/s.
    ap.add_argument("--token-s", type=float, default=0.003)
    ap.add_argument("--fetch-s", type=float, default=0.014)
    args = ap.parse_args()

    layers = args.layers
    slots = [args.cache // layers + (1 if l < args.cache % layers else 0) for l in range(layers)]
    cache = [OrderedDict((e, True) for e in range(slots[l])) for l in range(layers)]

    def fetch(layer, expert, busy):
        c = cache[layer]
        if len(c) >= slots[layer]:
            victim = next((e for e in c if e not in busy), None)
            if victim is None:
                victim = next(iter(c))
            del c[victim]
        c[expert] = True

    pending = read_requests(args.trace)
    pending.reverse()  # pop() from the end = next in trace order
    active = []  # [tokens, next index, previous token's rows]
    now = 0.0
    tokens = accesses = hits = prefetches = 0
    while pending or active:
        active = [r for r in active if r[1] < len(r[0])]
        while len(active) < args.batch and pending:
            active.append([pending.pop(), 0, None])
        if not active:
            break
        step = [(r[0][r[1]], r) for r in active]
        misses_this_step = 0
        for layer in range(layers):
            union = []
            for rows, _ in step:
                for e in rows[layer]:
                    if e not in union:
                        union.append(e)
            c = cache[layer]
            hit_set = set()
            missed = []
            for e in union:
                accesses += 1
                if e in c:
                    hits += 1
                    c.move_to_end(e)
                    hit_set.add(e)
                else:
                    missed.append(e)
            busy = hit_set
            for e in missed:
                fetch(layer, e, busy)
                busy = {e}
            misses_this_step += len(missed)
            if args.prefetch == "previous-token":
                ahead = layer + 1
                for rows, r in step:
                    src = r[2] if ahead < layers else rows
                    if src is None:
                        continue
                    target = ahead % layers
                    for e in src[target]:
                        if e not in cache[target]:
                            fetch(target, e, set())
                            prefetches += 1
        now += args.token_s + misses_this_step * args.fetch_s
        for rows, r in step:
            r[2] = rows
            r[1] += 1
            tokens += 1

    print(json.dumps({
        "tokens": tokens,
        "accesses": accesses,
        "hits": hits,
        "hit_rate": hits / accesses if accesses else 0.0,
        "simulated_s": now,
        "prefetches": prefetches,
    }))


if __name__ == "__main__":
    main()
