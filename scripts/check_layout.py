#!/usr/bin/env python3
"""Checks the source tree's layering, as CI runs it:

1. the protocol core (src/proto/) is sans-I/O: no socket, thread, clock or channel;
2. no import circles between files: `use crate::a::b` makes the file that holds `a::b` (the
   longest module path that names a file) a dependency; `mod x;` declarations do not count.

Exits non-zero with the offending lines or the circle.
"""
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
FORBIDDEN_IN_CORE = ["std::net", "std::thread", "Instant", "SystemTime", "crossbeam", "std::sync::mpsc", "TcpStream"]


def module_of(path):
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def code_lines(text):
    """Lines of code, without comments and without `#[cfg(test)]` modules at the file's end."""
    cut = re.search(r"^#\[cfg\(test\)\]\s*\n(pub\(crate\) )?mod tests", text, re.M)
    if cut:
        text = text[: cut.start()]
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.split("//")[0]
        if stripped.strip():
            yield n, stripped


def main():
    files = {module_of(p): p for p in SRC.rglob("*.rs")}
    problems = []
    for mod, path in files.items():
        if mod[:1] == ("proto",):
            for n, line in code_lines(path.read_text()):
                for word in FORBIDDEN_IN_CORE:
                    if word in line:
                        problems.append(f"{path}:{n}: `{word}` in the sans-I/O core: {line.strip()}")
    graph = {mod: set() for mod in files}
    for mod, path in files.items():
        text = "\n".join(line for _, line in code_lines(path.read_text()))
        for use in re.finditer(r"crate::((?:\w+::)*\w+)", text):
            parts = use.group(1).split("::")
            for k in range(len(parts), 0, -1):
                target = tuple(parts[:k])
                if target in files:
                    if target != mod:
                        graph[mod].add(target)
                    break
        for use in re.finditer(r"\bsuper::(\w+)", text):
            target = mod[:-1] + (use.group(1),) if path.name != "mod.rs" else mod[:-1]
            if target in files and target != mod:
                graph[mod].add(target)
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                problems.append("import circle: " + " -> ".join("::".join(m) or "lib" for m in cycle))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"layout ok: {len(files)} files, the core sans-I/O, no import circles")


if __name__ == "__main__":
    main()
