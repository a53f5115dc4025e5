"""Safe YAML loading that remembers where every value came from.

``load_yaml_with_lines`` returns plain Python data (dicts, lists, scalars; safe loader only)
plus a map from a dotted path (``dynamorm.environments.dev.region``; list items as ``[2]``) to the
1-based line of that value, so that errors can name the file, line and key.
"""

from __future__ import annotations

from typing import Any

import yaml

from liftcli.errors import ConfigError


def join_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


class _Loader(yaml.SafeLoader):
    """SafeLoader; kept as a subclass so our constructors never leak into yaml.SafeLoader."""


#: Upper bound on converted nodes: aliases make "billion laughs" documents expand exponentially.
MAX_NODES = 200_000


def _convert(
    node: yaml.Node, path: str, lines: dict[str, int], loader: _Loader, source: str
) -> Any:
    if len(lines) > MAX_NODES:
        raise ConfigError(
            f"document expands to more than {MAX_NODES} values (alias bomb?)",
            path=source,
            line=node.start_mark.line + 1,
        )
    lines[path] = node.start_mark.line + 1
    expected = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}
    if type(node) in expected and node.tag != expected[type(node)]:
        raise ConfigError(
            f"invalid YAML: could not determine a constructor for the tag {node.tag!r}",
            path=source,
            line=node.start_mark.line + 1,
            hint="Only plain YAML is accepted: remove the !!tag.",
        )
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves merge keys the way SafeLoader does
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (dict, list)):
                raise ConfigError(
                    "mapping keys must be plain scalars",
                    path=source,
                    line=key_node.start_mark.line + 1,
                )
            if key in out:
                raise ConfigError(
                    f"duplicate key {key!r}",
                    path=source,
                    line=key_node.start_mark.line + 1,
                    key=path or None,
                    hint="Remove one of the two entries; YAML would silently keep the last one.",
                )
            child = join_path(path, str(key))
            lines[child + "#key"] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, child, lines, loader, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, join_path(path, i), lines, loader, source) for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def load_yaml_with_lines(text: str, source: str) -> tuple[Any, dict[str, int]]:
    """Parse ``text`` (one YAML document) safely. Raises ConfigError naming ``source``."""
    lines: dict[str, int] = {}
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # e.g. a control character the YAML reader refuses
        raise ConfigError(f"invalid YAML: {exc}", path=source) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        return _convert(node, "", lines, loader, source), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        raise ConfigError(
            f"invalid YAML: {problem}",
            path=source,
            line=line,
            hint="Fix the YAML syntax at that line (indentation, quoting, a missing ':').",
        ) from None
    except yaml.YAMLError as exc:  # e.g. a second document, or an unsafe tag without a mark
        raise ConfigError(f"invalid YAML: {exc}", path=source) from None
    except RecursionError:
        raise ConfigError("YAML nests too deeply", path=source) from None
    finally:
        loader.dispose()
