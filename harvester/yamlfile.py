"""Read a YAML file as a tree of nodes that remember their line, and collect `FILE:LINE: message`
problems while checking it.

Seed files and the taxonomy are edited by hand, so a checker must name every mistake with the line
it is on. PyYAML's `compose` keeps a `start_mark` on every node; `YamlChecker` walks that tree
with small typed accessors (mapping, sequence, string, number) that report what is wrong and
return None, so one pass finds every problem instead of stopping at the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

NULL_TAG = "tag:yaml.org,2002:null"
NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def display_path(path: Path | str) -> str:
    """The path as the user will recognise it: relative to the working folder when inside it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.resolve().as_posix() if p.is_absolute() else p.as_posix()


def line_of(node: Node) -> int:
    """1-based line where the node starts."""
    return node.start_mark.line + 1


def read_text(path: Path, source: str, problems: list[str]) -> str | None:
    """The file's text as UTF-8 (a byte-order mark is dropped), or None with a problem."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(f"{source}: file not found")
        return None
    except OSError as exc:
        problems.append(f"{source}: cannot read the file: {exc.strerror or exc}")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(f"{source}:{line}: the file is not UTF-8 text: save it as UTF-8 and try again")
        return None


@dataclass
class YamlChecker:
    """Typed access to a composed YAML tree; every mistake becomes a `FILE:LINE: message`."""

    source: str
    problems: list[str] = field(default_factory=list)

    def problem(self, where: Node | int, message: str) -> None:
        line = where if isinstance(where, int) else line_of(where)
        self.problems.append(f"{self.source}:{line}: {message}")

    def compose(self, text: str) -> Node | None:
        """The root node, or None (with a problem) for a syntax error or an empty file."""
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            what = " ".join(str(exc.problem or exc.context or "syntax error").split())
            self.problem(line, f"YAML syntax error: {what} (check indentation, colons and quotes)")
            return None
        except yaml.YAMLError as exc:
            self.problem(1, f"YAML error: {' '.join(str(exc).split())}")
            return None
        return root

    def mapping(self, node: Node, what: str, *, allowed: tuple[str, ...],
                required: tuple[str, ...] = ()) -> dict[str, tuple[Node, Node]] | None:
        """`key -> (key node, value node)`; reports unknown, duplicate and missing keys."""
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of `key: value` lines")
            return None
        items: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.tag)
            if key not in allowed:
                self.problem(key_node, f"unknown key '{key}' in {what} (allowed: {', '.join(allowed)})")
                continue
            if key in items:
                self.problem(key_node, f"duplicate key '{key}' in {what} "
                             f"(first on line {line_of(items[key][0])})")
                continue
            items[key] = (key_node, value_node)
        for key in required:
            if key not in items:
                self.problem(node, f"missing required key '{key}' in {what}")
        return items

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        """The items of a list (`[a, b]` or `- a` lines); an empty value is an empty list."""
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{what} must be a list, e.g. [a, b] or one `- item` per line")
            return None
        return list(node.value)

    def string(self, node: Node, what: str) -> str | None:
        """A non-empty scalar as written (numbers stay text: `name: 2020` is "2020")."""
        if not isinstance(node, ScalarNode):
            self.problem(node, f"{what} must be a single value, not a list or mapping")
            return None
        if node.tag == NULL_TAG or not str(node.value).strip():
            self.problem(node, f"{what} is empty")
            return None
        return str(node.value).strip()

    def strings(self, node: Node, what: str) -> list[tuple[str, Node]]:
        """A list of non-empty strings with their nodes (bad items reported and left out)."""
        out: list[tuple[str, Node]] = []
        for item in self.sequence(node, what) or []:
            text = self.string(item, f"an item of {what}")
            if text is not None:
                out.append((text, item))
        return out

    def number(self, node: Node, what: str) -> float | None:
        if isinstance(node, ScalarNode) and node.tag in NUMBER_TAGS:
            return float(construct(node))
        self.problem(node, f"{what} must be a number")
        return None


def construct(node: Node) -> Any:
    """The plain Python value of a node (safe types only)."""
    return yaml.SafeLoader("").construct_document(node)
