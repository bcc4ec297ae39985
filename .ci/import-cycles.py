#!/usr/bin/env python3
"""No import cycle between the files of src/: fails, naming the files, on any.

    .ci/import-cycles.py            check (run by .ci/run)
    .ci/import-cycles.py --edges    print every edge, `from -> to`
    .ci/import-cycles.py --strict   also count a parent's calls into its children
                                    (`child::f()`), which show mod.rs files used as hubs

An edge A -> B means file A names an item whose home is file B: a `use crate::…`,
`use super::…` or `use self::…` line, or a `crate::a::b` path in code. Items are
followed through re-exports (`pub use x::Y` in a parent) to the file that defines
them. Not edges: a parent's `mod` lines and its `pub use`/`pub(crate) use` of its
own children (its table of contents), comments, and each file's `#[cfg(test)]`
module (tests may reach anywhere).

The shell (src/shell/) is included into each mode with `#[path]`: its files are
children of src/blocking/mod.rs and src/nonblocking/mod.rs, as the compiler sees
them. Standard library only.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

# Folders whose cycles are tolerated: a cycle wholly inside one is printed, not
# failed. Empty, and to stay so.
ALLOWED: tuple[str, ...] = ()

STRICT = "--strict" in sys.argv

# Binaries are crates of their own (they see the library as `revolut_webhooks`).
SKIP = ("bin/",)


def strip(text: str, keep_strings: bool = False) -> str:
    """The code without comments, string literals or the `#[cfg(test)] mod` part."""
    cut = re.search(r"#\[cfg\(test\)\]\s*mod \w+\s*\{", text)
    if cut:
        text = text[: cut.start()]
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    if keep_strings:
        return text
    text = re.sub(r"'(?:\\.|[^'\\])'", "' '", text)  # char literals, '"' among them
    text = re.sub(r'(?<![\w])r(#*)"(?:.|\n)*?"\1', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return text


def expand(tree: str) -> list[list[str]]:
    """`a::{b, c::{d, e}}` -> [[a, b], [a, c, d], [a, c, e]]; `as` renames dropped."""
    tree = re.sub(r"\s+", "", tree)

    def parts(s: str) -> list[str]:
        depth, cur, out = 0, "", []
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                out.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            out.append(cur)
        return out

    def go(s: str) -> list[list[str]]:
        if "{" not in s:
            s = re.sub(r"as\w+$", "", s) if "::" in s and re.search(r"\bas\b", s) else s
            s = s.split(" as ")[0]
            return [[p for p in s.split("::") if p]]
        head, _, rest = s.partition("{")
        rest = rest[: rest.rfind("}")]
        prefix = [p for p in head.split("::") if p]
        return [prefix + tail for part in parts(rest) for tail in go(part)]

    return go(tree.replace(" as ", "@"))


class Crate:
    def __init__(self) -> None:
        self.files: dict[tuple[str, ...], Path] = {}  # module path -> file
        self.paths: dict[Path, list[tuple[str, ...]]] = defaultdict(list)
        self.reexports: dict[tuple[str, ...], dict[str, list[str]]] = defaultdict(dict)
        self.walk(SRC / "lib.rs", ())

    def walk(self, file: Path, path: tuple[str, ...]) -> None:
        self.files[path] = file
        self.paths[file].append(path)
        code = strip(file.read_text())
        here = file.parent if file.name in ("mod.rs", "lib.rs") else file.with_suffix("")
        decls = strip(file.read_text(), keep_strings=True)
        for m in re.finditer(r"((?:#\[[^\]]*\]\s*)*)(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", decls):
            name = m.group(2)
            at = re.search(r'#\[path\s*=\s*"([^"]+)"\]', m.group(1))
            if at:
                # `#[path]` is relative to the directory of the declaring mod.rs.
                child = (file.parent / at.group(1)).resolve()
            else:
                child = here / f"{name}.rs"
                if not child.exists():
                    child = here / name / "mod.rs"
            if child.exists() and not any(s in str(child.relative_to(SRC)) for s in SKIP):
                self.walk(child, path + (name,))
        # A macro that declares modules: `endpoints!(a, b, …)` in request/endpoints.
        for m in re.finditer(r"endpoints!\s*\(([^)]*)\)", code):
            for name in re.findall(r"\w+", m.group(1)):
                child = here / f"{name}.rs"
                if child.exists():
                    self.walk(child, path + (name,))
        for m in re.finditer(r"pub(?:\([^)]*\))?\s+use\s+([^;]+);", code):
            for parts in expand(m.group(1)):
                name = parts[-1].split("@")[-1]
                parts = [p.split("@")[0] for p in parts]
                if name != "*":
                    self.reexports[path][name] = parts

    def resolve(self, base: tuple[str, ...], parts: list[str], depth: int = 0) -> Path | None:
        """The file whose item `parts` (relative as written in module `base`) names."""
        parts = [p.split("@")[0] for p in parts]
        if not parts:
            return None
        if parts[0] == "crate":
            path, rest = (), parts[1:]
        elif base + (parts[0],) in self.files:
            # A child module, named without `self::` (2018 paths).
            path, rest = base, parts
        elif parts[0] in ("super", "self"):
            path = base
            while parts and parts[0] in ("super", "self"):
                if parts.pop(0) == "super":
                    path = path[:-1]
            rest = parts
        else:
            return None
        path = tuple(path)
        while rest and path + (rest[0],) in self.files:
            path += (rest.pop(0),)
        if rest and depth < 10 and rest[0] in self.reexports.get(path, {}):
            target = self.reexports[path][rest[0]]
            return self.resolve(path, target[:-1] + [target[-1]] + rest[1:], depth + 1)
        return self.files.get(path)

    def edges(self) -> set[tuple[Path, Path]]:
        out = set()
        for file, paths in self.paths.items():
            code = strip(file.read_text())
            uses = []
            for m in re.finditer(r"(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", code):
                for parts in expand(m.group(2)):
                    uses.append((bool(m.group(1)), parts))
            # Paths in code: from the crate root always; from a child module by its bare
            # name only with --strict (a parent calling into its children while they
            # use its items: the mod.rs-as-hub pattern the shell's modes are built on).
            bare = r"|[a-z_]\w*" if STRICT else ""
            for m in re.finditer(rf"(?<![\w:])((?:crate|super|self{bare})(?:::\w+)+)", code):
                uses.append((False, m.group(1).split("::")))
            for path in paths:
                for public, parts in uses:
                    if parts[0] not in ("crate", "super", "self") and path + (
                        parts[0],
                    ) not in self.files:
                        continue
                    target = self.resolve(path, list(parts))
                    if target is None or target == file:
                        continue
                    # A parent's re-export of its own descendant: its table of contents.
                    if public and any(
                        p[: len(path)] == path and len(p) > len(path) for p in self.paths[target]
                    ):
                        continue
                    out.add((file, target))
        return out


def cycles(edges: set[tuple[Path, Path]]) -> list[list[Path]]:
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
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
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def main() -> int:
    crate = Crate()
    edges = crate.edges()
    rel = lambda p: str(p.relative_to(ROOT))
    if "--edges" in sys.argv:
        for a, b in sorted(edges):
            print(f"{rel(a)} -> {rel(b)}")
        return 0
    bad = 0
    for comp in cycles(edges):
        names = tuple(rel(p) for p in comp)
        if any(all(n.startswith(folder) for n in names) for folder in ALLOWED):
            print("allowed (being fixed):", " ".join(names))
            continue
        bad += 1
        members = set(comp)
        print("import cycle between:", file=sys.stderr)
        for a, b in sorted(edges):
            if a in members and b in members:
                print(f"  {rel(a)} -> {rel(b)}", file=sys.stderr)
    if bad:
        return 1
    print(f"no import cycle among {len(crate.paths)} files ({len(edges)} edges)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
