#!/usr/bin/env python3
"""The layout of issue 16, checked on the source tree (README "Layout").

1. Family knowledge lives only in src/families/<id>/: outside it no source
   names a family or a preset, or tests a family-specific predicate (the
   grep of the issue's acceptance criterion 2:
     grep -rnE 'rate_rnn\\(|\\.enabled\\(\\)|"(dcdt|toy|ghost|wcrnn|gru|rank2|no-memory)' src
       --include='*.cpp' --include='*.hpp' | grep -v '^src/families/'
   ). One line is allowed, and listed below with its reason.
2. Outside src/families/, the only family header included is the registry
   (families/registry.hpp): the engine, config, io, rundir and report reach
   the families through plugin/family.hpp alone.
3. The figure scripts analysis/*.py do not test a family or preset name
   (a quoted name); what is family-specific lives in analysis/families/<id>.py,
   picked by family id.

Usage: check_layout.py SOURCE_DIR   (exit 1 and the offending lines on failure)
"""
import os
import re
import sys

PATTERN = re.compile(r'rate_rnn\(|\.enabled\(\)|"(dcdt|toy|ghost|wcrnn|gru|rank2|no-memory)')
# (path, text of the line): allowed hits of PATTERN, with the reason.
ALLOWED = {
    # The YAML value of task.kind (the delayed-cue trial structure of the
    # shared sections, SPEC §3.1), not a family or preset name.
    ("src/sections/sections.cpp", '{"dcdt", TaskKind::dcdt}, {"no_memory", TaskKind::no_memory}};'),
}
INCLUDE = re.compile(r'#include\s+"families/([^"]+)"')
PY_PATTERN = re.compile(r'["\'](dcdt|toy|ghost|wcrnn|gru|no-memory)')


def main():
    root = sys.argv[1]
    bad = []
    for d, _, files in os.walk(os.path.join(root, "src")):
        for f in sorted(files):
            if not f.endswith((".cpp", ".hpp")):
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, root)
            if rel.startswith("src/families/"):
                continue
            with open(path, encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if PATTERN.search(line) and (rel, line.strip()) not in ALLOWED:
                        bad.append(f"{rel}:{n}: family knowledge outside src/families/: {line.strip()}")
                    m = INCLUDE.search(line)
                    if m and m.group(1) != "registry.hpp":
                        bad.append(f"{rel}:{n}: includes a family's header (only families/registry.hpp "
                                   f"may be included outside src/families/): {line.strip()}")
    adir = os.path.join(root, "analysis")
    for f in sorted(os.listdir(adir)):
        if f.endswith(".py"):
            with open(os.path.join(adir, f), encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if PY_PATTERN.search(line):
                        bad.append(f"analysis/{f}:{n}: a family or preset name outside analysis/families/: "
                                   f"{line.strip()}")
    for b in bad:
        print(b)
    print(f"layout: {len(bad)} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
