#!/usr/bin/env python3
"""Checks two house rules the compiler cannot see.

1. Layers: a file under src/LAYER/ includes headers only of LAYER and of the layers it depends on
   (docs/ARCHITECTURE.md, "Layers"). The CMake targets alone do not catch a header-only include
   that runs upward, since src/ is one public include root.
2. Comments say why, never which ticket: no "issue 12" or "ticket #3" in the code.

Usage: check_house.py [ROOT]   (ROOT: the project's root; default, this script's parent's parent)
       check_house.py --self-test
Exits 0 when the tree keeps both rules, 1 with one line per breach otherwise.
"""

import os
import re
import sys
import tempfile

# Each layer and the layers it uses directly; a layer may include the headers of every layer it
# reaches. Kept in step with the dependency line in docs/ARCHITECTURE.md.
DIRECT = {
    "core": [],
    "domain": ["core"],
    "analysis": ["core"],
    "media": ["core"],
    "store": ["domain"],
    "notify": ["store"],
    "config": ["domain"],
    "service": ["store", "analysis"],
    "demo": ["service"],
    "http": ["service", "notify", "config"],
    "cli": ["service", "demo", "config", "analysis", "media"],
    "app": ["http", "cli"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')
# "issue 4", "issue #4", "ticket 12", "(#123)": a tracker's number in place of a reason.
TICKET = re.compile(r"\b(?:issue|ticket)s?\s+#?\d+|\(#\d+\)", re.IGNORECASE)
SOURCES = (".h", ".cc", ".ts", ".tsx", ".mjs")
TICKET_DIRS = ("src", "tests", "bench", "fuzz", "web/src")


def reachable():
    """Every layer and the set of layers it may include (itself and all it depends on)."""
    result = {}
    for layer in DIRECT:
        seen, todo = {layer}, [layer]
        while todo:
            for below in DIRECT[todo.pop()]:
                if below not in seen:
                    seen.add(below)
                    todo.append(below)
        result[layer] = seen
    return result


def files_under(root, folder, suffixes):
    base = os.path.join(root, folder)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d != "node_modules"]
        for name in sorted(filenames):
            if name.endswith(suffixes):
                yield os.path.join(dirpath, name)


def layer_breaches(root):
    allowed = reachable()
    breaches = []
    src = os.path.join(root, "src")
    for layer in sorted(os.listdir(src)) if os.path.isdir(src) else []:
        if layer not in allowed:
            if os.path.isdir(os.path.join(src, layer)):
                breaches.append(f"src/{layer}: a folder that is no layer; add it to DIRECT")
            continue
        for path in files_under(root, os.path.join("src", layer), (".h", ".cc")):
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    match = INCLUDE.match(line)
                    if not match:
                        continue
                    target = match.group(1)
                    if target in allowed and target not in allowed[layer]:
                        where = os.path.relpath(path, root)
                        breaches.append(
                            f"{where}:{number}: {layer} includes {target}/, a layer above it")
    return breaches


def ticket_breaches(root):
    breaches = []
    for folder in TICKET_DIRS:
        for path in files_under(root, folder, SOURCES):
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    match = TICKET.search(line)
                    if match:
                        where = os.path.relpath(path, root)
                        breaches.append(
                            f"{where}:{number}: \"{match.group(0)}\": say why, not which ticket")
    return breaches


def check(root):
    return layer_breaches(root) + ticket_breaches(root)


def self_test():
    """The checks find what they are for, and pass what is allowed."""
    def tree(parent, files):
        root = tempfile.mkdtemp(prefix="case.", dir=parent)
        for path, text in files.items():
            full = os.path.join(root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)
        return root

    cases = [
        ("a domain header including a service header",
         {"src/domain/a.h": '#include "service/b.h"\n'}, 1),
        ("a store file including an http header",
         {"src/store/sql/a.cc": '#include <vector>\n#include "http/router.h"\n'}, 1),
        ("a service file including store, domain and core headers",
         {"src/service/a.cc": '#include "store/store.h"\n#include "domain/a.h"\n'
                              '#include "core/result.h"\n#include "sqlite3.h"\n'}, 0),
        ("an http file reaching analysis through service",
         {"src/http/a.cc": '#include "analysis/ccf.h"\n'}, 0),
        ("a comment citing a ticket",
         {"src/core/a.h": "// The plan (issue 4): versions.\n"}, 1),
        ("a web comment citing a ticket number",
         {"web/src/a.ts": "// fixed in (#123)\n"}, 1),
        ("a comment about session tickets",
         {"src/http/a.h": "// no session tickets, no renegotiation\n"}, 0),
        ("a new folder under src/ nobody placed",
         {"src/reports/a.h": "\n"}, 1),
    ]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="check_house.") as parent:
        for name, files, expected in cases:
            found = check(tree(parent, files))
            if len(found) != expected:
                failed += 1
                print(f"self-test: {name}: expected {expected} breach(es), found {found}")
    print(f"self-test: {len(cases) - failed} of {len(cases)} cases as expected")
    return 1 if failed else 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    breaches = check(root)
    for breach in breaches:
        print(breach)
    if breaches:
        print(f"{len(breaches)} breach(es) of the house rules (scripts/check_house.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
