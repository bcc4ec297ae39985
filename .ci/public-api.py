#!/usr/bin/env python3
"""Snapshot of the crate's public API, compared in CI so no change to it is an accident.

    .ci/public-api.py            regenerate and compare with the committed snapshots
    .ci/public-api.py --update   regenerate and overwrite them (commit the result)
    .ci/public-api.py --render FILE.json   print the listing of a rustdoc JSON file

The listing comes from rustdoc's JSON output, which stable rustdoc emits when
RUSTC_BOOTSTRAP=1 unlocks `-Z unstable-options`. Only rustdoc sees that variable: the
script names itself as cargo's RUSTDOC and sets it when cargo calls it back. Setting it
for cargo would re-run proc-macro2's build script (it watches RUSTC_BOOTSTRAP) and so
rebuild every proc macro and everything after them, twice per CI run.

One line per item, sorted by path; nothing in it depends on rustdoc's item ids, source
file names or the order of a hash map, so two runs give the same bytes. Standard
library only: it must run on a fresh machine with nothing but Python 3.11 and stable Rust.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = ROOT / ".ci" / "public-api"
UPDATE_COMMAND = ".ci/public-api.py --update"

# Which builds to snapshot, and why those: every other feature set lies between them
# (features are additive), and items gated on a feature carry a `#[cfg(...)]` in the
# all-features listing.
SNAPSHOTS = [
    # What a program that only receives webhooks sees.
    ("no-default-features", ["--no-default-features"]),
    # Everything, with feature gates shown.
    ("all-features", ["--all-features"]),
]

# The rustdoc JSON format versions this renderer was written against. Another version
# is tried anyway, with a warning; a KeyError then means the format moved.
KNOWN_FORMATS = {57}

# Freeze and UnsafeUnpin are unstable compiler traits: listing them would tie the
# snapshot to a toolchain without telling users anything they can rely on.
AUTO_TRAITS = {"Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"}

# Implemented by `#[derive(PartialEq)]` for the compiler's use; not nameable on stable.
UNSTABLE_TRAITS = {"StructuralPartialEq"}

STD_CRATES = {"core", "alloc", "std", "proc_macro", "test"}

SHIM_VAR = "PUBLIC_API_REAL_RUSTDOC"

# Sorts after every `path::member` segment, so a type's impls follow its members.
LAST = "\U0010ffff"


def run_as_rustdoc() -> None:
    """Cargo called us as RUSTDOC: run the real rustdoc with nightly options unlocked."""
    real = os.environ[SHIM_VAR]
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    os.execvpe(real, [real, *sys.argv[1:]], env)


class Renderer:
    """Turns one rustdoc JSON document into sorted listing lines."""

    def __init__(self, doc: dict, deps: dict[str, str]):
        self.doc = doc
        self.index = doc["index"]
        self.paths = doc["paths"]
        self.crates = {int(k): v["name"] for k, v in doc["external_crates"].items()}
        self.deps = deps
        self.root = self.index[str(doc["root"])]
        self.crate = self.root["name"]
        # item id -> list of (path segments, reached through `use`, cfg gates)
        self.locations: dict[str, list[tuple[tuple[str, ...], bool, tuple[str, ...]]]] = {}
        self.external_uses: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = []
        self.used_crates: set[int] = set()
        self.lines: list[tuple[tuple, str]] = []

    # ---- where every public item can be named ----------------------------------

    def item(self, id_) -> dict | None:
        return self.index.get(str(id_))

    @staticmethod
    def kind(item: dict) -> str:
        return next(iter(item["inner"]))

    def walk(self) -> None:
        seen: set[tuple[str, tuple[str, ...]]] = set()
        stack = [(str(self.doc["root"]), (self.crate,), ())]
        while stack:
            module_id, path, gates = stack.pop()
            if (module_id, path) in seen or len(path) > 32:
                continue
            seen.add((module_id, path))
            module = self.item(module_id)
            for child_id in module["inner"]["module"]["items"]:
                child = self.item(child_id)
                if child is None or child["visibility"] != "public":
                    continue
                child_gates = gates + self.gates(child)
                if self.kind(child) == "use":
                    use = child["inner"]["use"]
                    target = self.item(use["id"]) if use["id"] is not None else None
                    if target is not None and target["crate_id"] == 0:
                        if use["is_glob"]:
                            if self.kind(target) == "module":
                                stack.append((str(use["id"]), path, child_gates))
                            else:
                                # `pub use Enum::*`: the variants, named at `path`.
                                at = path + ("*",)
                                self.external_uses.append((at, use["source"], child_gates))
                            continue
                        at = path + (use["name"],)
                        self.locate(str(use["id"]), at, True, child_gates)
                        if self.kind(target) == "module":
                            stack.append((str(use["id"]), at, child_gates))
                    else:
                        # A re-export of another crate's item (`pub use uuid;`).
                        name = "*" if use["is_glob"] else use["name"]
                        source = self.external_path(use["id"]) or use["source"]
                        self.external_uses.append((path + (name,), source, child_gates))
                    continue
                at = path + (child["name"],)
                self.locate(str(child_id), at, False, child_gates)
                if self.kind(child) == "module":
                    stack.append((str(child_id), at, child_gates))

    def locate(self, id_: str, path, via_use: bool, gates) -> None:
        self.locations.setdefault(id_, []).append((path, via_use, gates))

    def canonical(self, id_: str):
        # Where it is defined beats where it is re-exported; then the shortest path.
        return min(self.locations[id_], key=lambda l: (l[1], len(l[0]), l[0]))

    # ---- names of types and traits -------------------------------------------

    def external_path(self, id_) -> str | None:
        entry = self.paths.get(str(id_))
        if entry is None:
            return None
        self.used_crates.add(entry["crate_id"])
        return "::".join(entry["path"])

    def path_of(self, id_, written: str) -> str:
        key = str(id_)
        if key in self.locations:
            return "::".join(self.canonical(key)[0])
        return self.external_path(id_) or written

    def location_gates(self, id_) -> tuple[str, ...]:
        key = str(id_)
        return self.canonical(key)[2] if key in self.locations else ()

    def gates(self, item: dict) -> tuple[str, ...]:
        found = []
        for attr in item["attrs"]:
            text = attr.get("other") if isinstance(attr, dict) else None
            if text and text.startswith("#[attr = CfgTrace("):
                found.append(cfg_text(text))
        return tuple(found)

    # ---- types -----------------------------------------------------------------

    def ty(self, t) -> str:
        if t is None:
            return "()"
        (k, v), = t.items()
        if k == "resolved_path":
            return self.path(v)
        if k == "generic":
            return v
        if k == "primitive":
            return v
        if k == "tuple":
            if len(v) == 1:
                return f"({self.ty(v[0])},)"
            return "(" + ", ".join(self.ty(x) for x in v) + ")"
        if k == "slice":
            return f"[{self.ty(v)}]"
        if k == "array":
            return f"[{self.ty(v['type'])}; {v['len']}]"
        if k == "borrowed_ref":
            lt = f"{v['lifetime']} " if v["lifetime"] else ""
            mut = "mut " if v["is_mutable"] else ""
            return f"&{lt}{mut}{self.ty(v['type'])}"
        if k == "raw_pointer":
            return ("*mut " if v["is_mutable"] else "*const ") + self.ty(v["type"])
        if k == "dyn_trait":
            parts = [self.poly_trait(p) for p in v["traits"]]
            if v["lifetime"]:
                parts.append(v["lifetime"])
            return "dyn " + " + ".join(parts)
        if k == "impl_trait":
            return "impl " + self.bounds(v)
        if k == "function_pointer":
            hrtb = self.hrtb(v["generic_params"])
            return hrtb + self.header(v["header"]) + "fn" + self.signature(v["sig"])
        if k == "qualified_path":
            args = self.args(v["args"])
            if v["trait"] is None:
                return f"{self.ty(v['self_type'])}::{v['name']}{args}"
            return f"<{self.ty(v['self_type'])} as {self.path(v['trait'])}>::{v['name']}{args}"
        if k == "infer":
            return "_"
        if k == "pat":
            return f"{self.ty(v['type'])} is {v.get('__pat_unstable_do_not_use', '_')}"
        return f"<{k}>"

    def path(self, p: dict) -> str:
        return self.path_of(p["id"], p["path"]) + self.args(p["args"])

    def args(self, a) -> str:
        if not a:
            return ""
        (k, v), = a.items()
        if k == "angle_bracketed":
            parts = [self.generic_arg(x) for x in v["args"]]
            parts += [self.constraint(c) for c in v["constraints"]]
            return "<" + ", ".join(parts) + ">" if parts else ""
        if k == "parenthesized":
            out = f" -> {self.ty(v['output'])}" if v["output"] else ""
            return "(" + ", ".join(self.ty(x) for x in v["inputs"]) + ")" + out
        return "(..)"

    def generic_arg(self, g) -> str:
        if g == "infer":
            return "_"
        (k, v), = g.items()
        if k == "lifetime":
            return v
        if k == "type":
            return self.ty(v)
        if k == "const":
            return v["expr"]
        return "_"

    def constraint(self, c) -> str:
        name = c["name"] + self.args(c["args"])
        (k, v), = c["binding"].items()
        if k == "equality":
            return f"{name} = {self.term(v)}"
        return f"{name}: {self.bounds(v)}"

    def term(self, t) -> str:
        (k, v), = t.items()
        return self.ty(v) if k == "type" else v["expr"]

    def poly_trait(self, p) -> str:
        return self.hrtb(p["generic_params"]) + self.path(p["trait"])

    def bounds(self, bs) -> str:
        return " + ".join(self.bound(b) for b in bs)

    def bound(self, b) -> str:
        (k, v), = b.items()
        if k == "trait_bound":
            modifier = {"none": "", "maybe": "?", "maybe_const": "[const] "}[v["modifier"]]
            return self.hrtb(v["generic_params"]) + modifier + self.path(v["trait"])
        if k == "outlives":
            return v
        if k == "use":
            caps = [next(iter(c.values())) for c in v]
            return "use<" + ", ".join(caps) + ">"
        return f"<{k}>"

    def hrtb(self, params) -> str:
        if not params:
            return ""
        return "for<" + ", ".join(self.param(p) for p in params) + "> "

    def param(self, p) -> str:
        (k, v), = p["kind"].items()
        if k == "lifetime":
            return p["name"] + (": " + " + ".join(v["outlives"]) if v["outlives"] else "")
        if k == "type":
            text = p["name"]
            if v["bounds"]:
                text += ": " + self.bounds(v["bounds"])
            if v["default"] is not None:
                text += " = " + self.ty(v["default"])
            return text
        text = f"const {p['name']}: {self.ty(v['type'])}"
        return text + (f" = {v['default']}" if v.get("default") else "")

    def generics(self, g) -> str:
        params = [
            self.param(p)
            for p in g["params"]
            if not (next(iter(p["kind"])) == "type" and p["kind"]["type"]["is_synthetic"])
        ]
        return "<" + ", ".join(params) + ">" if params else ""

    def where(self, g) -> str:
        preds = []
        for w in g["where_predicates"]:
            (k, v), = w.items()
            if k == "bound_predicate":
                preds.append(
                    f"{self.hrtb(v['generic_params'])}{self.ty(v['type'])}: {self.bounds(v['bounds'])}"
                )
            elif k == "lifetime_predicate":
                preds.append(f"{v['lifetime']}: {' + '.join(v['outlives'])}")
            else:
                preds.append(f"{self.ty(v['lhs'])} = {self.term(v['rhs'])}")
        return " where " + ", ".join(preds) if preds else ""

    def header(self, h) -> str:
        text = ""
        if h["is_const"]:
            text += "const "
        if h["is_async"]:
            text += "async "
        if h["is_unsafe"]:
            text += "unsafe "
        abi = h["abi"]
        if abi != "Rust":
            name = abi if isinstance(abi, str) else next(iter(abi))
            text += f'extern "{name}" '
        return text

    def signature(self, sig) -> str:
        inputs = []
        for name, t in sig["inputs"]:
            inputs.append(self.receiver(t) if name == "self" else f"{name}: {self.ty(t)}")
        if sig["is_c_variadic"]:
            inputs.append("...")
        out = f" -> {self.ty(sig['output'])}" if sig["output"] is not None else ""
        return "(" + ", ".join(inputs) + ")" + out

    def receiver(self, t) -> str:
        if t == {"generic": "Self"}:
            return "self"
        ref = t.get("borrowed_ref")
        if ref and ref["type"] == {"generic": "Self"}:
            lt = f"{ref['lifetime']} " if ref["lifetime"] else ""
            return f"&{lt}{'mut ' if ref['is_mutable'] else ''}self"
        return f"self: {self.ty(t)}"

    # ---- lines -----------------------------------------------------------------

    def emit(self, path, text: str, gates=(), item=None, order=0) -> None:
        prefix = ""
        if gates:
            unique = tuple(dict.fromkeys(gates))
            cfg = unique[0] if len(unique) == 1 else "all(" + ", ".join(unique) + ")"
            prefix += f"#[cfg({cfg})] "
        if item is not None:
            prefix += attributes(item)
        key = tuple(path) + ((LAST,) if order else ())
        self.lines.append((key, prefix + text))

    def render(self) -> list[str]:
        self.walk()
        impls_done: set[str] = set()
        for id_ in sorted(self.locations, key=lambda i: self.canonical(i)[0]):
            path, _, gates = self.canonical(id_)
            item = self.item(id_)
            self.item_lines(id_, item, path, gates, impls_done)
            for other, _, other_gates in self.locations[id_]:
                if other != path:
                    self.emit(
                        other,
                        f"pub use {'::'.join(other)} = {self.kind(item)} {'::'.join(path)}",
                        other_gates,
                    )
        # Impls that hang off no public item of this crate: a local type in another
        # crate's trait for another crate's type (`impl From<Error> for io::Error`).
        for key in sorted(self.index, key=int):
            item = self.index[key]
            if key in impls_done or item["crate_id"] != 0 or self.kind(item) != "impl":
                continue
            v = item["inner"]["impl"]
            if v["trait"] is not None and not v["is_synthetic"]:
                owner = tuple(self.ty(v["for"]).split("<")[0].split("::"))
                self.impl_lines([key], owner, (), impls_done)
        for path, source, gates in self.external_uses:
            self.emit(path, f"pub use {'::'.join(path)} = {source}", gates)
        self.dependency_lines()
        return [text for _, text in sorted(self.lines)]

    def item_lines(self, id_, item, path, gates, impls_done) -> None:
        k = self.kind(item)
        v = item["inner"][k]
        name = "::".join(path)
        if k == "module":
            self.emit(path, f"pub mod {name}", gates, item)
        elif k in ("struct", "union"):
            self.struct_lines(k, item, v, path, gates)
            self.impl_lines(v["impls"], path, gates, impls_done)
        elif k == "enum":
            more = " { /* private variants */ }" if v["has_stripped_variants"] else ""
            self.emit(path, f"pub enum {name}{self.generics(v['generics'])}{self.where(v['generics'])}{more}", gates, item)
            for vid in v["variants"]:
                self.variant_line(self.item(vid), path, gates)
            self.impl_lines(v["impls"], path, gates, impls_done)
        elif k == "function":
            self.emit(path, self.function(item, name), gates, item)
        elif k == "trait":
            self.trait_lines(item, v, path, gates)
            self.impl_lines(v["implementations"], path, gates, impls_done)
        elif k == "type_alias":
            g = v["generics"]
            self.emit(path, f"pub type {name}{self.generics(g)}{self.where(g)} = {self.ty(v['type'])}", gates, item)
        elif k == "constant":
            value = f" = {v['const']['expr']}" if v["const"]["is_literal"] else ""
            self.emit(path, f"pub const {name}: {self.ty(v['type'])}{value}", gates, item)
        elif k == "static":
            mut = "mut " if v["is_mutable"] else ""
            self.emit(path, f"pub static {mut}{name}: {self.ty(v['type'])}", gates, item)
        elif k == "macro":
            self.emit(path, f"macro_rules! {name}", gates, item)
        elif k == "proc_macro":
            self.emit(path, f"proc_macro({v['kind']}) {name}", gates, item)
        else:
            self.emit(path, f"pub {k} {name}", gates, item)

    def function(self, item, name: str, extra: str = "") -> str:
        f = item["inner"]["function"]
        g = f["generics"]
        return (
            f"pub {self.header(f['header'])}fn {name}{self.generics(g)}"
            f"{self.signature(f['sig'])}{self.where(g)}{extra}"
        )

    def struct_lines(self, k, item, v, path, gates) -> None:
        name = "::".join(path)
        g = v["generics"]
        head = f"pub {k} {name}{self.generics(g)}"
        # A struct's kind is "unit", {"tuple": [...]} or {"plain": {...}}; a union is plain.
        shape = v["kind"] if k == "struct" else {"plain": v}
        sk, sv = ("unit", None) if shape == "unit" else next(iter(shape.items()))
        if sk == "unit":
            self.emit(path, f"{head}{self.where(g)};", gates, item)
            return
        if sk == "tuple":
            fields = ", ".join(
                "_" if fid is None else "pub " + self.ty(self.item(fid)["inner"]["struct_field"])
                for fid in sv
            )
            self.emit(path, f"{head}({fields}){self.where(g)}", gates, item)
            return
        more = " { /* private fields */ }" if sv["has_stripped_fields"] else ""
        self.emit(path, f"{head}{self.where(g)}{more}", gates, item)
        for fid in sv["fields"]:
            field = self.item(fid)
            fpath = path + (field["name"],)
            self.emit(
                fpath,
                f"pub {'::'.join(fpath)}: {self.ty(field['inner']['struct_field'])}",
                gates + self.gates(field),
                field,
            )

    def variant_line(self, variant, parent, gates) -> None:
        path = parent + (variant["name"],)
        v = variant["inner"]["variant"]
        kind = v["kind"]
        text = "::".join(path)
        if kind == "plain":
            pass
        elif "tuple" in kind:
            text += "(" + ", ".join(
                "_" if fid is None else self.ty(self.item(fid)["inner"]["struct_field"])
                for fid in kind["tuple"]
            ) + ")"
        else:
            s = kind["struct"]
            fields = [
                f"{self.item(fid)['name']}: {self.ty(self.item(fid)['inner']['struct_field'])}"
                for fid in s["fields"]
            ]
            if s["has_stripped_fields"]:
                fields.append("..")
            text += " { " + ", ".join(fields) + " }"
        if v["discriminant"] is not None:
            text += f" = {v['discriminant']['expr']}"
        self.emit(path, f"pub variant {text}", gates + self.gates(variant), variant)

    def trait_lines(self, item, v, path, gates) -> None:
        name = "::".join(path)
        g = v["generics"]
        head = "pub " + ("unsafe " if v["is_unsafe"] else "") + ("auto " if v["is_auto"] else "")
        supers = f": {self.bounds(v['bounds'])}" if v["bounds"] else ""
        dyn = "" if v["is_dyn_compatible"] else " // not dyn-compatible"
        self.emit(path, f"{head}trait {name}{self.generics(g)}{supers}{self.where(g)}{dyn}", gates, item)
        for mid in v["items"]:
            member = self.item(mid)
            mpath = path + (member["name"],)
            mname = "::".join(mpath)
            mk = self.kind(member)
            mv = member["inner"][mk]
            mgates = gates + self.gates(member)
            if mk == "function":
                provided = " { ... }" if mv["has_body"] else ""
                self.emit(mpath, self.function(member, mname, provided), mgates, member)
            elif mk == "assoc_type":
                bounds = f": {self.bounds(mv['bounds'])}" if mv["bounds"] else ""
                default = f" = {self.ty(mv['type'])}" if mv["type"] is not None else ""
                self.emit(mpath, f"type {mname}{self.generics(mv['generics'])}{bounds}{default}", mgates, member)
            elif mk == "assoc_const":
                default = f" = {mv['value']}" if mv["value"] is not None else ""
                self.emit(mpath, f"const {mname}: {self.ty(mv['type'])}{default}", mgates, member)

    def impl_lines(self, impl_ids, owner, gates, impls_done) -> None:
        for iid in impl_ids:
            key = str(iid)
            impl = self.item(iid)
            if impl is None or key in impls_done:
                continue
            impls_done.add(key)
            v = impl["inner"]["impl"]
            # Blanket impls (`impl<T> From<T> for T`, `Any`, ...) come from other crates'
            # generic code and say nothing about this crate's types.
            if v["blanket_impl"] is not None:
                continue
            if not self.visible_target(v["for"]):
                continue
            igates = gates + self.gates(impl)
            g = v["generics"]
            if v["trait"] is None:
                context = ""
                if g["params"] or g["where_predicates"]:
                    context = f" // in impl{self.generics(g)} {self.ty(v['for'])}{self.where(g)}"
                for mid in v["items"]:
                    member = self.item(mid)
                    if member is None or member["visibility"] != "public":
                        continue
                    mpath = owner + (member["name"],)
                    self.member_line(member, mpath, igates + self.gates(member), context)
                continue
            trait = v["trait"]
            last = trait["path"].split("::")[-1]
            if v["is_synthetic"] and last not in AUTO_TRAITS:
                continue
            if last in UNSTABLE_TRAITS:
                continue
            # An impl of a feature-gated trait is gated too, though the cfg sits on the
            # trait's module rather than on the impl.
            igates += self.location_gates(trait["id"]) + self.location_gates(
                v["for"].get("resolved_path", {}).get("id") if isinstance(v["for"], dict) else None
            )
            assoc = []
            for mid in v["items"]:
                member = self.item(mid)
                if member is None:
                    continue
                mk = self.kind(member)
                if mk == "assoc_type":
                    assoc.append(f"type {member['name']} = {self.ty(member['inner'][mk]['type'])}")
                elif mk == "assoc_const":
                    assoc.append(f"const {member['name']}: {self.ty(member['inner'][mk]['type'])}")
            body = " { " + "; ".join(assoc) + " }" if assoc else ""
            text = (
                ("unsafe " if v["is_unsafe"] else "")
                + f"impl{self.generics(g)} {'!' if v['is_negative'] else ''}{self.path(trait)}"
                + f" for {self.ty(v['for'])}{self.where(g)}{body}"
            )
            self.emit(owner, text, igates, None, order=1)

    def member_line(self, member, mpath, gates, context) -> None:
        mk = self.kind(member)
        mv = member["inner"][mk]
        mname = "::".join(mpath)
        if mk == "function":
            self.emit(mpath, self.function(member, mname, context), gates, member)
        elif mk == "assoc_const":
            self.emit(mpath, f"pub const {mname}: {self.ty(mv['type'])}{context}", gates, member)
        elif mk == "assoc_type":
            self.emit(mpath, f"pub type {mname} = {self.ty(mv['type'])}{context}", gates, member)

    def visible_target(self, t) -> bool:
        # An impl of a public trait for a type users cannot name is not part of the API.
        rp = t.get("resolved_path") if isinstance(t, dict) else None
        if rp is None:
            return True
        item = self.item(rp["id"])
        return item is None or item["crate_id"] != 0 or str(rp["id"]) in self.locations

    def dependency_lines(self) -> None:
        # Other crates whose items appear in the API: a new major version of one is a
        # breaking change here too.
        for crate_id in sorted(self.used_crates):
            name = self.crates.get(crate_id)
            if crate_id == 0 or name is None or name in STD_CRATES:
                continue
            req = self.deps.get(name)
            note = f"{req}.x" if req else "not a direct dependency"
            self.lines.append((("", name), f"extern crate {name} // {note}"))


def attributes(item: dict) -> str:
    text = ""
    if item.get("deprecation"):
        text += "#[deprecated] "
    for attr in item["attrs"]:
        if attr == "non_exhaustive":
            text += "#[non_exhaustive] "
        elif isinstance(attr, dict) and "must_use" in attr:
            reason = attr["must_use"]["reason"]
            text += f"#[must_use = {json.dumps(reason)}] " if reason else "#[must_use] "
        elif isinstance(attr, dict) and "repr" in attr:
            text += f"#[repr({json.dumps(attr['repr'], sort_keys=True)})] "
    return text


def cfg_text(attr: str) -> str:
    """`#[attr = CfgTrace([NameValue { name: "feature", value: Some("jwt"), span: ... }])]`
    to `feature = "jwt"`. Spans name files and lines, so they must go."""
    text = attr[len("#[attr = CfgTrace(") : -len(")]")]
    text = re.sub(r",?\s*span: [^{}()\[\]]*?\(#\d+\)", "", text)
    # `any`/`all` carry their span bare, after the list: `Any([...], src/lib.rs:1:2: 1:9 (#0))`.
    text = re.sub(r",\s*[^\s,()\[\]]+:\d+:\d+: \d+:\d+ \(#\d+\)", "", text)
    text = re.sub(r'NameValue \{ name: "([^"]*)", value: Some\(("[^"]*")\) \}', r"\1 = \2", text)
    text = re.sub(r'NameValue \{ name: "([^"]*)", value: None \}', r"\1", text)
    text = re.sub(r"\b(All|Any|Not)\(", lambda m: m.group(1).lower() + "(", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = text.replace("([", "(").replace("])", ")")
    while text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    return text


def semver_class(req: str) -> str:
    """`1.18` -> `1`, `0.3.44` -> `0.3`: the versions a user's copy must be compatible with."""
    numbers = re.findall(r"\d+", req)
    if not numbers:
        return req
    if numbers[0] != "0" or len(numbers) == 1:
        return numbers[0]
    return ".".join(numbers[:2])


def direct_dependencies() -> dict[str, str]:
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text())
    deps = {}
    for name, spec in manifest.get("dependencies", {}).items():
        version = spec if isinstance(spec, str) else spec.get("version", "")
        crate = (spec.get("package", name) if isinstance(spec, dict) else name).replace("-", "_")
        deps[crate] = semver_class(version)
    return deps


def render(doc: dict) -> str:
    fmt = doc.get("format_version")
    if fmt not in KNOWN_FORMATS:
        print(
            f"warning: rustdoc JSON format {fmt}, this script knows {sorted(KNOWN_FORMATS)}; "
            "if the output is wrong, teach .ci/public-api.py the new format",
            file=sys.stderr,
        )
    lines = Renderer(doc, direct_dependencies()).render()
    return "\n".join(lines) + "\n"


def generate(name: str, flags: list[str]) -> str:
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps", "--locked"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
    )
    target_dir = Path(meta["target_directory"])
    crate = next(p for p in meta["packages"] if p["manifest_path"] == str(ROOT / "Cargo.toml"))
    lib = next(t for t in crate["targets"] if "lib" in t["kind"])
    env = dict(os.environ)
    env[SHIM_VAR] = env.get("RUSTDOC", "rustdoc")
    env["RUSTDOC"] = str(Path(__file__).resolve())
    # The JSON would otherwise carry whatever the caller put here (`-D warnings` is fine,
    # `--document-private-items` would list private items).
    env.pop("RUSTDOCFLAGS", None)
    built = subprocess.run(
        # Lints are the docs step's business; a build without features has links
        # to gated items that rustdoc would warn about here for nothing.
        ["cargo", "rustdoc", "--locked", "--lib", *flags, "--",
         "-Z", "unstable-options", "--output-format", "json", "-A", "warnings"],
        cwd=ROOT, env=env,
    )
    if built.returncode != 0:
        raise SystemExit(f"cargo rustdoc {' '.join(flags)} failed (see above); fix the build first")
    json_path = target_dir / "doc" / (lib["name"].replace("-", "_") + ".json")
    header = (
        f"// Public API of {crate['name']} built with {' '.join(flags)}.\n"
        f"// Generated by `{UPDATE_COMMAND}`; CI fails when it differs. Do not edit by hand.\n"
        "// `extern crate NAME // V.x`: a crate whose items appear below; a new major version\n"
        "// of it is a breaking change of this API.\n"
    )
    return header + render(json.loads(json_path.read_text()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="overwrite the committed snapshots")
    parser.add_argument("--render", metavar="JSON", help="print the listing of one rustdoc JSON file")
    args = parser.parse_args()

    if args.render:
        sys.stdout.write(render(json.loads(Path(args.render).read_text())))
        return 0

    SNAPSHOT_DIR.mkdir(exist_ok=True)
    failed = []
    for name, flags in SNAPSHOTS:
        fresh = generate(name, flags)
        snapshot = SNAPSHOT_DIR / f"{name}.txt"
        relative = snapshot.relative_to(ROOT)
        if args.update:
            if not snapshot.exists() or snapshot.read_text() != fresh:
                snapshot.write_text(fresh)
                print(f"updated {relative}")
            else:
                print(f"{relative} is up to date")
            continue
        old = snapshot.read_text() if snapshot.exists() else ""
        if old != fresh:
            diff = difflib.unified_diff(
                old.splitlines(keepends=True), fresh.splitlines(keepends=True),
                f"{relative} (committed)", f"{relative} (this tree)",
            )
            sys.stdout.writelines(diff)
            failed.append(str(relative))
        else:
            print(f"{relative}: public API unchanged")
    if failed:
        print(
            f"\nThe public API differs from {', '.join(failed)}.\n"
            "If the change is deliberate, update the snapshot and commit it with the change:\n"
            f"    {UPDATE_COMMAND}\n"
            "Otherwise, undo whatever changed the public API (a new pub item, a changed signature,\n"
            "a lost trait impl, a new or dropped #[non_exhaustive] or #[must_use]).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    if SHIM_VAR in os.environ and os.environ.get("RUSTDOC") == str(Path(__file__).resolve()):
        run_as_rustdoc()
    sys.exit(main())
