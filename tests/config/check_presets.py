#!/usr/bin/env python3
"""Check that CMakePresets.json and the boards agree.

    check_presets.py PRESETS.json BOARD_DIR

The boards are the folders BOARD_DIR/<name>/ holding a board.cmake; presets
cannot glob, so this check is what keeps them in step. Every board needs a
configure, build, test and workflow preset of its own name whose configure
preset selects it (BRIGADE_BOARD) and builds in build/<name>; every visible
configure preset (a board's, or a variant such as host-tsan) must select a
board that exists and have build, test and workflow presets of its name,
whose steps all name it. scripts/test.sh runs the workflow presets.
Prints one line per board and per preset, then the verdict; exits 1 on any
disagreement, 2 on unreadable input.
"""
import json
import os
import sys


def fail_usage(msg):
    print(f"check_presets.py: {msg}")
    sys.exit(2)


def resolve(presets, name, seen=()):
    """The preset's fields with those of its bases under them (CMake's rule:
    the preset's own value wins, then its bases in the order listed;
    "hidden" is never inherited)."""
    if name in seen:
        fail_usage(f"preset {name}: inherits itself")
    p = presets.get(name)
    if p is None:
        return None
    bases = p.get("inherits", [])
    if isinstance(bases, str):
        bases = [bases]
    merged = {}
    cache = {}
    for base in reversed(bases):
        b = resolve(presets, base, seen + (name,))
        if b is None:
            fail_usage(f"preset {name}: inherits {base}, which does not exist")
        cache.update(b.get("cacheVariables", {}))
        merged.update({k: v for k, v in b.items() if k != "hidden"})
    cache.update(p.get("cacheVariables", {}))
    merged.update(p)
    merged["cacheVariables"] = cache
    merged["hidden"] = p.get("hidden", False)
    return merged


def expand(value, name):
    if isinstance(value, dict):  # {"type": ..., "value": ...}
        value = value.get("value", "")
    return str(value).replace("${presetName}", name).replace("${sourceDir}", "<src>")


def main():
    if len(sys.argv) != 3:
        fail_usage("usage: check_presets.py PRESETS.json BOARD_DIR")
    presets_path, board_dir = sys.argv[1], sys.argv[2]
    try:
        with open(presets_path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail_usage(f"cannot read {presets_path}: {e}")
    if not os.path.isdir(board_dir):
        fail_usage(f"no board directory {board_dir}")
    boards = sorted(d for d in os.listdir(board_dir)
                    if os.path.isfile(os.path.join(board_dir, d, "board.cmake")))
    if not boards:
        fail_usage(f"no board.cmake under {board_dir}")

    kinds = ("configure", "build", "test", "workflow")
    by_kind = {k: {p["name"]: p for p in doc.get(f"{k}Presets", [])} for k in kinds}
    problems = []

    visible = [n for n, p in by_kind["configure"].items() if not p.get("hidden")]
    for name in visible:
        cfg = resolve(by_kind["configure"], name)
        board = expand(cfg["cacheVariables"].get("BRIGADE_BOARD", ""), name)
        binary_dir = expand(cfg.get("binaryDir", ""), name)
        mine = []
        if board not in boards:
            mine.append(f"selects board '{board}', which has no board/{board}/board.cmake")
        if binary_dir != f"<src>/build/{name}":
            mine.append(f"builds in {binary_dir}, not <src>/build/{name}")
        for kind in ("build", "test"):
            p = resolve(by_kind[kind], name)
            if p is None or p.get("hidden"):
                mine.append(f"has no {kind} preset")
            elif p.get("configurePreset") != name:
                mine.append(f"{kind} preset uses configure preset {p.get('configurePreset')}")
        wf = by_kind["workflow"].get(name)
        if wf is None:
            mine.append("has no workflow preset (scripts/test.sh runs workflow presets)")
        else:
            steps = [(s.get("type"), s.get("name")) for s in wf.get("steps", [])]
            if steps != [(k, name) for k in ("configure", "build", "test")]:
                mine.append(f"workflow steps are {steps}, not configure, build, test of {name}")
        if mine:
            problems += [f"preset {name}: {m}" for m in mine]
            print(f"check_presets.py: preset {name} (board {board}): {len(mine)} problem(s)")
        else:
            print(f"check_presets.py: preset {name} (board {board}): configure, build, test, workflow")

    for board in boards:
        if board in visible:
            continue
        problems.append(f"board {board} has no configure preset named after it")
        print(f"check_presets.py: board {board}: no preset")

    for p in problems:
        print(f"check_presets.py: {p}")
    if problems:
        print(f"check_presets.py: {presets_path} and {board_dir}/*/board.cmake disagree: "
              f"{len(problems)} problem(s)")
        sys.exit(1)
    print(f"check_presets.py: {len(boards)} boards, {len(visible)} presets: they agree")


main()
