#!/usr/bin/env python3
"""The folder layering: reads every `#include "folder/..."` in the C sources and headers of the
repository's top-level folders and fails on any cycle between folders and on any include that
does not go to a folder of a lower layer. The layers are written once, in the README's Layout
table (column 'layer'); a folder with C files that the table does not give a layer is an error.

Usage: layers.py [SOURCE_ROOT]   (default: $BALLAST_SOURCE_ROOT, else the parent of this file's
folder). Prints each offending include as file:line and exits 1; prints a summary and exits 0
when the graph is layered."""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]*"')
ROW = re.compile(r'^\|\s*`([^`/]+)/[^`]*`\s*\|[^|]*\|\s*([0-9]*)\s*\|')
SKIP = {"build", "subprojects"}


def read_layers(root):
    """{folder: layer or None} from the README's Layout table."""
    layers = {}
    in_layout = False
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                in_layout = line.strip() == "## Layout"
                continue
            m = ROW.match(line) if in_layout else None
            if m:
                layers[m.group(1)] = int(m.group(2)) if m.group(2) else None
    return layers


def read_edges(root):
    """[(from_folder, to_folder, 'path:line')] for every include of another top-level folder."""
    edges = []
    for top in sorted(os.listdir(root)):
        path = os.path.join(root, top)
        if (not os.path.isdir(path) or top.startswith(".") or top in SKIP
                or top.startswith("build")):
            continue
        for d, dirs, files in os.walk(path):
            dirs[:] = sorted(x for x in dirs if not x.startswith("."))
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                fp = os.path.join(d, name)
                rel = os.path.relpath(fp, root)
                edges.append((top, None, rel))  # the folder has C files
                with open(fp, encoding="utf-8", errors="replace") as f:
                    for no, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if m and m.group(1) != top:
                            edges.append((top, m.group(1), f"{rel}:{no}"))
    return edges


def find_cycles(graph):
    """Strongly connected components with more than one folder (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check(root):
    """The problems of the tree at root, one line each, and a summary line."""
    layers = read_layers(root)
    problems = []
    graph, where = {}, {}
    for a, b, place in read_edges(root):
        if layers.get(a) is None:
            if a not in where:
                where[a] = place
                problems.append(f"{place}: folder '{a}/' has C files but no layer in "
                                "README.md's Layout table")
            continue
        if b is None:
            continue
        graph.setdefault(a, set()).add(b)
        where.setdefault((a, b), place)
        if layers.get(b) is None:
            problems.append(f"{place}: includes '{b}/', which has no layer in README.md's "
                            "Layout table")
        elif layers[b] >= layers[a]:
            problems.append(f"{place}: '{a}/' (layer {layers[a]}) includes '{b}/' (layer "
                            f"{layers[b]}): an include must go to a lower layer")
    for comp in find_cycles(graph):
        inside = [f"{a} -> {b} ({where[(a, b)]})" for a in comp for b in sorted(graph[a])
                  if b in comp]
        problems.append("cycle between folders " + ", ".join(comp) + ": " + "; ".join(inside))
    nedges = sum(len(v) for v in graph.values())
    return problems, f"{len(layers)} folders, {nedges} edges between folders, {len(problems)} problems"


def self_test():
    """The checker finds a cycle, an upward edge and an unlisted folder in a made-up tree."""
    import tempfile
    files = {
        "README.md": "## Layout\n\n| folder | prefix | layer | what |\n|---|---|---|---|\n"
                     "| `low/` | | 0 | |\n| `high/` | | 1 | |\n| `side/` | | 1 | |\n"
                     "## Next\n| `other/` | | 0 | |\n",
        "low/a.h": '#include "high/b.h"\n',
        "high/b.h": '#include "low/a.h"\n#include "side/c.h"\n',
        "side/c.h": "",
        "other/d.c": '#include "low/a.h"\n',
    }
    with tempfile.TemporaryDirectory() as d:
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, name)), exist_ok=True)
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
        problems, _ = check(d)
    want = ["low/a.h:1: 'low/' (layer 0) includes 'high/' (layer 1)",
            "high/b.h:2: 'high/' (layer 1) includes 'side/' (layer 1)",
            "other/d.c: folder 'other/' has C files but no layer",
            "cycle between folders high, low: high -> low (high/b.h:1); low -> high (low/a.h:1)"]
    missing = [w for w in want if not any(p.startswith(w) for p in problems)]
    if missing or len(problems) != len(want):
        print("FAIL self-test: wanted " + repr(want) + ", got " + repr(problems), file=sys.stderr)
        return False
    return True


def main():
    root = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BALLAST_SOURCE_ROOT")
            or os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if not self_test():
        return 1
    problems, summary = check(root)
    for p in problems:
        print("FAIL " + p, file=sys.stderr)
    print(summary)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
