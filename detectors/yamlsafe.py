"""A YAML loader for configuration files that hostile input cannot blow up.

``yaml.safe_load`` refuses arbitrary Python objects but not size: a ≈ 600-byte "billion laughs"
alias bomb expands into billions of nodes once anything walks it, a deeply nested ``[[[[...`` list
overflows the stack, and a 25 MB file takes minutes to compose. Configuration files
(``devices.yaml``, ``apps.yaml``, rule profiles) are small, so this loader bounds them:

- :data:`MAX_CONFIG_BYTES` on the file, checked before reading it;
- :data:`MAX_ALIASES` alias uses and :data:`MAX_DEPTH` nesting levels while composing;
- :data:`MAX_NODES` nodes in the document *as expanded* (an alias counts its whole subtree
  again), checked before anything is constructed.

Mappings and lists come back as :class:`LineMap` / :class:`LineSeq` (plain ``dict`` / ``list``
subclasses) that remember the 1-based line of each key and value, so callers can report
``file:line``; duplicate keys are collected in ``loader.duplicates`` instead of being dropped.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent

__all__ = ["MAX_CONFIG_BYTES", "MAX_ALIASES", "MAX_DEPTH", "MAX_NODES", "YamlLimitError", "LineMap", "LineSeq",
           "LineLoader", "read_config_text", "load_config_yaml"]

# A farm of a few hundred devices is ≈ 100 kB of YAML; 1 MiB leaves room for comments and anchors.
MAX_CONFIG_BYTES = 1 << 20
# Anchors are used to share capability blocks; a few hundred uses is already a very large farm.
MAX_ALIASES = 500
# Nesting levels: capabilities reach ≈ 6; Python's recursion limit is far beyond what YAML needs.
MAX_DEPTH = 64
# Nodes after alias expansion: a 1 MiB file holds at most ≈ 200 k plain nodes.
MAX_NODES = 200_000


class YamlLimitError(ValueError):
    """The document exceeds a size limit; ``line`` is 1-based (0 when it concerns the whole file)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(message)


class LineMap(dict):
    """A mapping that remembers the line of itself, of each key and of each value (1-based).

    ``line`` is where its first entry starts; ``owner_line`` is the line of the key it is the
    value of (``screen:``), which is where a "missing key" problem is best reported.
    """

    line: int = 0
    owner_line: int = 0
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.value_lines.get(key, self.key_lines.get(key, self.line))


class LineSeq(list):
    line: int = 0
    item_lines: list[int]


class LineLoader(yaml.SafeLoader):
    """SafeLoader with the limits above, line numbers, and duplicate keys reported, not dropped."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any]] = []
        self._aliases = 0
        self._depth = 0

    # ---------------------------------------------------------------- limits while composing
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise YamlLimitError(mark.line + 1, f"more than {MAX_ALIASES} aliases (*name): refused "
                                                    "(an alias bomb expands without limit)")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlLimitError(mark.line + 1, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:
        node = super().compose_document()
        _check_expanded_size(node)
        return node

    # ---------------------------------------------------------------- line-aware construction
    def construct_line_map(self, node: yaml.MappingNode) -> LineMap:
        n_explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
        self.flatten_mapping(node)  # YAML merge keys (<<: *anchor): merged pairs come first
        first_explicit = len(node.value) - n_explicit
        out = LineMap()
        out.line = node.start_mark.line + 1
        out.key_lines, out.value_lines = {}, {}
        explicit: set[Any] = set()
        for i, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                key = repr(key)
            if i >= first_explicit:
                # explicit keys override merged ones; only a repeated explicit key is a mistake
                if key in explicit:
                    self.duplicates.append((key_node.start_mark.line + 1, key))
                explicit.add(key)
            value = self.construct_object(value_node, deep=True)
            if isinstance(value, LineMap) and not value.owner_line:
                value.owner_line = key_node.start_mark.line + 1
            out[key] = value
            out.key_lines[key] = key_node.start_mark.line + 1
            out.value_lines[key] = value_node.start_mark.line + 1
        return out

    def construct_line_seq(self, node: yaml.SequenceNode) -> LineSeq:
        out = LineSeq(self.construct_object(n, deep=True) for n in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [n.start_mark.line + 1 for n in node.value]
        return out


LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_line_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_line_seq)


def _check_expanded_size(root: Any) -> None:
    """Walk the node graph as the constructed data will be walked (aliases expanded).

    Stops at :data:`MAX_NODES`, and refuses a recursive structure (``&x [*x]``: a node that
    contains itself), which no configuration needs and which loops any code that walks it.
    """
    if root is None:
        return
    count = 0
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            continue
        count += 1
        if count > MAX_NODES:
            raise YamlLimitError(0, f"more than {MAX_NODES:,} values once aliases are expanded: refused "
                                    "(an alias bomb, or far too large for a configuration file)")
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in on_path:
                raise YamlLimitError(node.start_mark.line + 1, "an alias refers to a value that contains it "
                                                               "(a recursive structure): refused")
            on_path.add(id(node))
            stack.append((node, True))
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    stack.append((k, False))
                    stack.append((v, False))
            else:
                stack.extend((child, False) for child in node.value)


def read_config_text(path: str | os.PathLike[str], *, limit: int = MAX_CONFIG_BYTES) -> str:
    """The UTF-8 text of a configuration file, refused before reading when larger than ``limit`` bytes.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError, OSError
        As ``open`` does.
    YamlLimitError
        The file is larger than ``limit`` (``line`` 0).
    UnicodeDecodeError
        The file is not UTF-8.
    """
    p = Path(path)
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat of the open file then says what it is.
    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(p))
        if not stat.S_ISREG(st.st_mode):
            raise YamlLimitError(0, "not a regular file (a FIFO, socket or device): refused")
        size = st.st_size
        if size > limit:
            raise YamlLimitError(0, f"file is {size / 2**20:.1f} MB; a configuration file may be at most "
                                    f"{limit / 2**20:.0f} MB")
        data = fh.read(limit + 1)
    if len(data) > limit:  # a special file whose size stat does not tell
        raise YamlLimitError(0, f"more than {limit / 2**20:.0f} MB of data; refused as a configuration file")
    return data.decode("utf-8")


def load_config_yaml(text: str) -> tuple[Any, list[tuple[int, Any]]]:
    """Parse one YAML document with :class:`LineLoader`; returns (data, duplicate keys as (line, key)).

    Raises
    ------
    YamlLimitError
        A limit was exceeded.
    yaml.YAMLError
        Syntax errors (``MarkedYAMLError`` has the position).
    """
    loader = LineLoader(text)
    try:
        try:
            data = loader.get_single_data()
        except RecursionError:  # pragma: no cover - MAX_DEPTH stops nesting long before this
            raise YamlLimitError(0, "nested too deeply") from None
        return data, loader.duplicates
    finally:
        loader.dispose()
