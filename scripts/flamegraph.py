#!/usr/bin/env python3
"""Folds `perf script` output (demangled or not) into a flame graph SVG.

    perf record -F 1999 -g -p PID -o perf.data -- sleep 10
    perf script -i perf.data | swift demangle --simplified | scripts/flamegraph.py "title" > flame.svg

Debian has no FlameGraph package, so this is the small part of Brendan Gregg's tools we need: stacks are folded
root first, frames narrower than 0.1 % are dropped, and every frame carries its share in a tooltip.
"""
import html
import re
import sys
import zlib

MIN_SHARE = 0.001
WIDTH, ROW, FONT = 1600, 16, 11


def fold(lines):
    stacks, frames = {}, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                key = tuple(reversed(frames))
                stacks[key] = stacks.get(key, 0) + 1
            frames = []
            continue
        if line.startswith((" ", "\t")):
            parts = line.strip().split(" ", 1)
            name = parts[1] if len(parts) > 1 else parts[0]
            name = re.sub(r"\s+\([^()]*\)$", "", name)  # the DSO
            name = re.sub(r"\+0x[0-9a-f]+$", "", name)
            frames.append(name[:300])
    if frames:
        key = tuple(reversed(frames))
        stacks[key] = stacks.get(key, 0) + 1
    return stacks


def build(stacks):
    root = {"name": "all", "value": 0, "children": {}}
    for stack, count in stacks.items():
        root["value"] += count
        node = root
        for name in stack:
            node = node["children"].setdefault(name, {"name": name, "value": 0, "children": {}})
            node["value"] += count
    return root


def color(name):
    h = zlib.crc32(name.encode())
    if "sqlite" in name.lower():
        return "rgb(90,%d,200)" % (120 + h % 80)
    if "NIO" in name or "HTTP" in name or "Channel" in name or "llhttp" in name:
        return "rgb(230,%d,60)" % (100 + h % 100)
    if "Patchbay" in name or "Delivery" in name or "Webhook" in name:
        return "rgb(60,%d,90)" % (150 + h % 80)
    return "rgb(%d,%d,%d)" % (200 + h % 55, 120 + (h >> 8) % 80, 60 + (h >> 16) % 40)


def render(root, title):
    total = root["value"] or 1
    rects, depth_max = [], 0

    def walk(node, x, depth):
        nonlocal depth_max
        width = node["value"] / total * WIDTH
        if node["value"] / total < MIN_SHARE:
            return
        depth_max = max(depth_max, depth)
        rects.append((x, depth, width, node))
        child_x = x
        for child in sorted(node["children"].values(), key=lambda c: c["name"]):
            walk(child, child_x, depth + 1)
            child_x += child["value"] / total * WIDTH

    walk(root, 0.0, 0)
    height = (depth_max + 3) * ROW + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="monospace" font-size="{FONT}">',
        f'<rect width="100%" height="100%" fill="#fdfdf6"/><text x="8" y="18" font-size="14">{html.escape(title)} ({total} samples)</text>',
    ]
    for x, depth, width, node in rects:
        y = height - (depth + 1) * ROW - 4
        share = node["value"] / total * 100
        label = html.escape(node["name"])
        out.append(
            f'<g><title>{label} — {node["value"]} samples, {share:.2f} %</title>'
            f'<rect x="{x:.1f}" y="{y}" width="{max(width - 0.5, 0.1):.1f}" height="{ROW - 1}" fill="{color(node["name"])}"/>'
        )
        chars = int(width / (FONT * 0.62))
        if chars >= 4:
            text = node["name"] if len(node["name"]) <= chars else node["name"][: chars - 2] + ".."
            out.append(f'<text x="{x + 2:.1f}" y="{y + ROW - 4}">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


if __name__ == "__main__":
    title = sys.argv[1] if len(sys.argv) > 1 else "flame graph"
    print(render(build(fold(sys.stdin)), title))
