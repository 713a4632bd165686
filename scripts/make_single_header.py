#!/usr/bin/env python3
"""Generates single_include/thunk/thunk.hpp from include/thunk/thunk.hpp.

    python3 scripts/make_single_header.py             # writes single_include/thunk/thunk.hpp
    python3 scripts/make_single_header.py -o FILE     # writes FILE instead
    python3 scripts/make_single_header.py --check     # exits 1 when the committed copy is stale
    python3 scripts/make_single_header.py --include-dir DIR   # reads DIR instead of include/

Every local include ("..." form) is replaced by the file's text, recursively;
system includes (<...>) stay as they are. A header with an include guard is
inlined once: a later inclusion of it is dropped, as the guard would drop it.
The exception is a header whose earlier inlining sat inside a conditional
block (#if ...) that does not also enclose the later inclusion: the later one
inlines it again, and the header's own guard keeps the two from clashing. A file without an include guard
(detail/convention.inl, stamped out once per calling convention) is inlined at
every inclusion, never deduplicated.

Standard library Python 3 only. Rerun it after any change under include/.
"""

import argparse
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
INCLUDE_DIR = os.path.join(ROOT, "include")
ENTRY = os.path.join(INCLUDE_DIR, "thunk", "thunk.hpp")
OUTPUT = os.path.join(ROOT, "single_include", "thunk", "thunk.hpp")

LOCAL_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
DIRECTIVE = re.compile(r"^\s*#\s*(\w+)\s*(.*)$")
GUARD_IFNDEF = re.compile(r"^\s*#\s*ifndef\s+(\w+)\s*$")
GUARD_DEFINE = re.compile(r"^\s*#\s*define\s+(\w+)\s*$")
PRAGMA_ONCE = re.compile(r"^\s*#\s*pragma\s+once\b")


def read_lines(path):
    with open(path, "r", encoding="utf-8") as f:
        return f.read().splitlines()


def has_include_guard(lines):
    """True when the file's first directive opens an include guard
    (#ifndef X / #define X) or it says #pragma once."""
    directives = [l for l in lines if l.lstrip().startswith("#")]
    if any(PRAGMA_ONCE.match(l) for l in directives):
        return True
    if len(directives) < 2:
        return False
    a, b = GUARD_IFNDEF.match(directives[0]), GUARD_DEFINE.match(directives[1])
    return bool(a and b and a.group(1) == b.group(1))


class Amalgamator:
    def __init__(self):
        # path -> the conditional blocks open at each place the file was
        # inlined (tuples of block ids). A later inclusion is dropped when one
        # of them is a prefix of the blocks open there: the earlier copy is
        # compiled whenever the later one would be.
        self.inlined = {}
        self.out = []
        self.next_block = 0

    def new_block(self):
        self.next_block += 1
        return self.next_block

    def emit_file(self, path, blocks, stack):
        rel = os.path.relpath(path, INCLUDE_DIR).replace(os.sep, "/")
        lines = read_lines(path)
        guarded = has_include_guard(lines)
        if path in stack:
            # A guarded header that includes, at its end, one that includes it
            # back (context.hpp -> call.hpp -> context.hpp): the guard makes the
            # inner include empty, as the preprocessor would.
            if guarded:
                return
            raise SystemExit("make_single_header: include cycle: " + " -> ".join(stack + [path]))
        if guarded:
            seen = self.inlined.setdefault(path, [])
            if any(blocks[:len(b)] == b for b in seen):
                return
            seen.append(blocks)
        self.out.append("// ---- begin " + rel + " " + "-" * max(3, 66 - len(rel)))
        # The conditional blocks open inside this file, its own guard aside.
        local = []
        guard_pending = guarded and not any(PRAGMA_ONCE.match(l) for l in lines)
        for line in lines:
            m = LOCAL_INCLUDE.match(line)
            if m:
                target = os.path.normpath(os.path.join(os.path.dirname(path), m.group(1)))
                if not os.path.isfile(target):
                    raise SystemExit("make_single_header: %s includes \"%s\", which does not exist" % (rel, m.group(1)))
                self.emit_file(target, blocks + tuple(local), stack + [path])
                continue
            d = DIRECTIVE.match(line)
            if d:
                word = d.group(1)
                if word in ("if", "ifdef", "ifndef"):
                    if guard_pending:
                        guard_pending = False  # the include guard itself
                    else:
                        local.append(self.new_block())
                elif word in ("elif", "else") and local:
                    local[-1] = self.new_block()  # another branch
                elif word == "endif":
                    if local:
                        local.pop()
            self.out.append(line)
        self.out.append("// ---- end " + rel + " " + "-" * max(3, 68 - len(rel)))


def version():
    text = "\n".join(read_lines(os.path.join(INCLUDE_DIR, "thunk", "version.hpp")))
    parts = []
    for p in ("MAJOR", "MINOR", "PATCH"):
        m = re.search(r"#define\s+THUNK_VERSION_%s\s+(\d+)" % p, text)
        parts.append(m.group(1) if m else "?")
    return ".".join(parts)


def generate():
    a = Amalgamator()
    a.emit_file(ENTRY, (), [])
    header = [
        "// thunk %s: C++ callables as plain C function pointers (header-only)." % version(),
        "// Single-header edition, generated by scripts/make_single_header.py from",
        "// include/thunk/thunk.hpp: do not edit, edit include/ and rerun the script.",
        "// SPDX-License-Identifier: MIT (see LICENSE: Copyright (c) thunk developers)",
        "",
    ]
    return "\n".join(header + a.out) + "\n"


def main():
    global INCLUDE_DIR, ENTRY
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", default=OUTPUT, help="where to write (default: %(default)s)")
    parser.add_argument("--include-dir", default=INCLUDE_DIR,
                        help="the include/ tree to read (default: %(default)s); e.g. one exported by git archive")
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed file instead of writing it; exit 1 when it differs")
    args = parser.parse_args()
    INCLUDE_DIR = os.path.abspath(args.include_dir)
    ENTRY = os.path.join(INCLUDE_DIR, "thunk", "thunk.hpp")
    text = generate()
    if args.check:
        try:
            with open(OUTPUT, "r", encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            sys.stderr.write("single_include/thunk/thunk.hpp is stale: run python3 scripts/make_single_header.py\n")
            return 1
        return 0
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
