#!/usr/bin/env python3
"""Summarises bench results.json files: per size, layout, scenario and planner, the worst case
over seeds (max time, RSS, balance, spreads, bytes over the bound; mean bytes moved).
Usage: bench/summarize.py bench/results/results.json [bench/results/xl/results.json ...]"""
import json
import sys
from collections import defaultdict

rows = []
for path in sys.argv[1:]:
    rows += json.load(open(path))["rows"]
groups = defaultdict(list)
for r in rows:
    groups[(r["size"], r["layout"], r["scenario"], r["planner"])].append(r)
order = {"S": 0, "M": 1, "L": 2, "XL": 3}


def add(key, ok):
    """Add-brokers: most replicas placed on old brokers, worst bytes over the fill share."""
    if key[2] != "add" or key[3] != "ballast" or not all("addOntoOld" in r for r in ok):
        return "-"
    return f"{max(r['addOntoOld'] for r in ok)}, {max(r['addBytesOverFillShare'] for r in ok):.3f}"


def zone(ok):
    """Worst over seeds of each resource's max over brokers of utilisation / its zone's mean."""
    if not all("zoneMaxMean" in r for r in ok):
        return "-"
    return ", ".join(f"{max(r['zoneMaxMean'][k] for r in ok):.3f}"
                     for k in ("disk", "nwIn", "nwOut", "cpu"))
print("| size | layout | scenario | planner | seeds | max ms | max RSS MB | disk max/best | "
      "nw-in max/mean | nw-out max/mean | cpu max/mean | replica spread | leader spread | hard viol. | "
      "mean GB moved | max moved/bound | in-zone max/mean disk, in, out, cpu | add: onto old brokers, "
      "bytes / new brokers' share |")
print("|" + "---|" * 18)
for key in sorted(groups, key=lambda k: (order[k[0]], k[1], k[2], k[3])):
    v = groups[key]
    ok = [r for r in v if r["ok"]]
    if not ok:
        print(f"| {' | '.join(key)} | {len(v)} | failed: {v[0]['error'][:120]} |" + " |" * 13)
        continue
    mx = lambda f: max(r[f] for r in ok)
    mean = lambda f: sum(r[f] for r in ok) / len(ok)
    bound = "-" if key[3] != "ballast" else f"{mx('bytesOverBound'):.3f}"
    print(f"| {' | '.join(key)} | {len(ok)}/{len(v)} | {mx('wallMs'):.1f} | {mx('peakRssMB'):.0f} | "
          f"{mx('diskMaxOverBest'):.3f} | {mx('nwInMaxMean'):.3f} | {mx('nwOutMaxMean'):.3f} | {mx('cpuMaxMean'):.3f} | "
          f"{mx('replicaSpread'):.0f} | {mx('leaderSpread'):.0f} | {mx('hardViolations')} | "
          f"{mean('bytesMoved') / 1e9:.0f} | {bound} | {zone(ok)} | {add(key, ok)} |")
