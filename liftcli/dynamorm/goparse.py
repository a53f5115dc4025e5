"""Read Go source with a real Go parser (tree-sitter's Go grammar; no Go toolchain needed).

Only top-level declarations are visited: struct types, other named types (for underlying kinds),
``TableName`` methods, string constants and imports. That keeps parsing thousands of files fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from liftcli.dynamorm.tags import _unquote_go

if TYPE_CHECKING:
    from tree_sitter import Node, Parser


@lru_cache(maxsize=1)
def _parser() -> Parser:
    import tree_sitter_go
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_go.language()))


@dataclass(frozen=True, slots=True)
class GoType:
    """A Go type expression, reduced to what the model rules need.

    kind: ident (a name in this package or a builtin), qualified (pkg.Name), pointer, slice,
    array, map, struct (anonymous), interface, func, chan, generic (Name[T]), other.
    """

    kind: str
    text: str
    name: str | None = None  # ident/qualified/generic: the type name
    package: str | None = None  # qualified: the package identifier as written
    elem: GoType | None = None  # pointer/slice/array/chan: element; map: value
    key: GoType | None = None  # map key


@dataclass(frozen=True, slots=True)
class GoField:
    names: tuple[str, ...]  # empty for an embedded field
    type: GoType
    tag: str | None  # the raw struct tag (unquoted literal content), None when absent
    line: int
    column: int

    @property
    def embedded(self) -> bool:
        return not self.names


@dataclass(frozen=True, slots=True)
class GoStruct:
    name: str
    fields: tuple[GoField, ...]
    line: int
    generic: bool = False


@dataclass(frozen=True, slots=True)
class ReturnValue:
    """What a ``TableName()`` method returns, if it can be known without running it.

    kind: literal (value), env (os.Getenv(value)), const (a package constant, name in value),
    concat/other (not resolvable statically; text holds the expression).
    """

    kind: str
    value: str | None
    text: str
    env_default: str | None = None  # `if v := os.Getenv(X); v != "" {return v}; return "lit"`


@dataclass(frozen=True, slots=True)
class GoMethod:
    """A method declaration. ``returns`` and ``env_calls`` are filled for ``TableName`` only."""

    receiver: str
    pointer: bool
    name: str
    params: int
    results: str  # result type text
    returns: tuple[ReturnValue, ...]
    line: int
    env_calls: tuple[str, ...] = ()  # os.Getenv("X") calls anywhere in the body


@dataclass
class GoFile:
    path: str
    package: str | None = None
    imports: dict[str, str] = field(default_factory=dict)  # local name -> import path
    structs: list[GoStruct] = field(default_factory=list)
    named_types: dict[str, GoType] = field(default_factory=dict)  # type X Y (non-struct)
    methods: list[GoMethod] = field(default_factory=list)
    consts: dict[str, str] = field(default_factory=dict)  # string constants
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # syntax errors


def _text(node: Node, src: bytes) -> str:
    return src[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def _go_string_literal(node: Node, src: bytes) -> str | None:
    raw = _text(node, src)
    if node.type == "raw_string_literal":
        return raw[1:-1].replace("\r", "")  # Go drops carriage returns from raw strings
    if node.type == "interpreted_string_literal":
        return _unquote_go(raw)
    return None


def _type(node: Node, src: bytes) -> GoType:
    text = _text(node, src)
    kind = node.type
    if kind == "type_identifier":
        return GoType("ident", text, name=text)
    if kind == "qualified_type":
        pkg = node.child_by_field_name("package")
        name = node.child_by_field_name("name")
        return GoType(
            "qualified",
            text,
            name=_text(name, src) if name else None,
            package=_text(pkg, src) if pkg else None,
        )
    if kind == "pointer_type":
        inner = node.named_children[-1] if node.named_children else None
        return GoType("pointer", text, elem=_type(inner, src) if inner else None)
    if kind in ("slice_type", "array_type", "implicit_length_array_type"):
        elem = node.child_by_field_name("element")
        return GoType("slice" if kind == "slice_type" else "array", text, elem=_type(elem, src) if elem else None)
    if kind == "map_type":
        key = node.child_by_field_name("key")
        value = node.child_by_field_name("value")
        return GoType(
            "map",
            text,
            key=_type(key, src) if key else None,
            elem=_type(value, src) if value else None,
        )
    if kind == "struct_type":
        return GoType("struct", text)
    if kind == "interface_type":
        return GoType("interface", text)
    if kind == "function_type":
        return GoType("func", text)
    if kind == "channel_type":
        return GoType("chan", text)
    if kind == "generic_type":
        base = node.child_by_field_name("type")
        inner = _type(base, src) if base else None
        return GoType(
            "generic", text, name=inner.name if inner else None, package=inner.package if inner else None
        )
    if kind == "parenthesized_type" and node.named_children:
        return _type(node.named_children[0], src)
    return GoType("other", text)


def _fields(struct_node: Node, src: bytes) -> tuple[GoField, ...]:
    out: list[GoField] = []
    body = next((c for c in struct_node.named_children if c.type == "field_declaration_list"), None)
    if body is None:
        return ()
    for decl in body.named_children:
        if decl.type != "field_declaration":
            continue
        names = tuple(_text(n, src) for n in decl.children_by_field_name("name"))
        type_node = decl.child_by_field_name("type")
        tag_node = decl.child_by_field_name("tag")
        if type_node is None:
            continue
        gotype = _type(type_node, src)
        if not names and any(c.type == "*" for c in decl.children):
            # Embedded pointer: `*Base`; the grammar puts the star beside the type.
            gotype = GoType("pointer", "*" + gotype.text, elem=gotype)
        tag = _go_string_literal(tag_node, src) if tag_node is not None else None
        out.append(
            GoField(
                names=names,
                type=gotype,
                tag=tag,
                line=decl.start_point[0] + 1,
                column=decl.start_point[1] + 1,
            )
        )
    return tuple(out)


def _return_value(expr: Node, src: bytes, file: GoFile) -> ReturnValue:
    text = _text(expr, src)
    if expr.type in ("interpreted_string_literal", "raw_string_literal"):
        return ReturnValue("literal", _go_string_literal(expr, src), text)
    if expr.type == "call_expression":
        func = expr.child_by_field_name("function")
        args = expr.child_by_field_name("arguments")
        if func is not None and func.type == "selector_expression" and args is not None:
            operand = func.child_by_field_name("operand")
            fname = func.child_by_field_name("field")
            pkg = _text(operand, src) if operand else ""
            if (
                fname is not None
                and _text(fname, src) in ("Getenv",)
                and file.imports.get(pkg) == "os"
                and len(args.named_children) == 1
            ):
                arg = args.named_children[0]
                if arg.type in ("interpreted_string_literal", "raw_string_literal"):
                    return ReturnValue("env", _go_string_literal(arg, src), text)
                if arg.type == "identifier":
                    return ReturnValue("env-const", _text(arg, src), text)
    if expr.type == "identifier":
        return ReturnValue("const", text, text)
    return ReturnValue("other", None, text)


def _body_facts(body: Node, src: bytes, file: GoFile) -> tuple[tuple[ReturnValue, ...], tuple[str, ...]]:
    """The return statements of a method body and the ``os.Getenv`` names it reads, in one walk.

    Returns inside nested function literals (or inside another return) are not the method's own;
    ``os.Getenv`` calls count anywhere. Both lists are in source order.
    """
    returns: list[ReturnValue] = []
    env_calls: list[str] = []
    stack: list[tuple[Node, bool]] = [(body, True)]
    while stack:
        node, own = stack.pop()  # own: a return statement here returns from the method
        kind = node.type
        if kind == "call_expression":
            value = _return_value(node, src, file)
            if value.kind == "env" and value.value is not None:
                env_calls.append(value.value)
            elif value.kind == "env-const" and value.value in file.consts:
                env_calls.append(file.consts[value.value])
        elif kind == "func_literal":
            own = False
        elif kind == "return_statement" and own:
            exprs = node.named_children[0].named_children if node.named_children else []
            if len(exprs) == 1:
                returns.append(_return_value(exprs[0], src, file))
            else:
                returns.append(ReturnValue("other", None, _text(node, src)))
            own = False
        stack.extend((child, own) for child in reversed(node.named_children))
    return tuple(returns), tuple(env_calls)


def _method(node: Node, src: bytes, file: GoFile) -> GoMethod | None:
    name_node = node.child_by_field_name("name")
    receiver = node.child_by_field_name("receiver")
    if name_node is None or receiver is None:
        return None
    params = node.child_by_field_name("parameters")
    result = node.child_by_field_name("result")
    body = node.child_by_field_name("body")
    recv_decl = next((c for c in receiver.named_children if c.type == "parameter_declaration"), None)
    if recv_decl is None:
        return None
    recv_type = recv_decl.child_by_field_name("type")
    if recv_type is None:
        return None
    pointer = recv_type.type == "pointer_type"
    base = recv_type.named_children[-1] if pointer and recv_type.named_children else recv_type
    if base.type == "generic_type":
        inner = base.child_by_field_name("type")
        base = inner if inner is not None else base
    nparams = sum(
        max(1, len(c.children_by_field_name("name")))
        for c in (params.named_children if params else [])
        if c.type in ("parameter_declaration", "variadic_parameter_declaration")
    )
    name = _text(name_node, src)
    returns: tuple[ReturnValue, ...] = ()
    env_calls: tuple[str, ...] = ()
    if body is not None and name == "TableName":  # no other method body is ever read
        returns, env_calls = _body_facts(body, src, file)
    return GoMethod(
        receiver=_text(base, src),
        pointer=pointer,
        name=name,
        params=nparams,
        results=_text(result, src) if result is not None else "",
        returns=returns,
        line=node.start_point[0] + 1,
        env_calls=env_calls,
    )


def _collect_errors(node: Node, out: list[tuple[int, int, str]], limit: int = 5) -> None:
    stack = [node]
    while stack and len(out) < limit:
        current = stack.pop()
        if current.type == "ERROR" or current.is_missing:
            what = f"missing {current.type}" if current.is_missing else "syntax error"
            out.append((current.start_point[0] + 1, current.start_point[1] + 1, what))
            continue
        if current.has_error:
            stack.extend(reversed(current.children))


def parse_go_source(src: bytes, path: str) -> GoFile:
    """Parse one Go file. Never raises for bad Go: syntax errors are listed in ``errors``."""
    tree = _parser().parse(src)
    root = tree.root_node
    file = GoFile(path=path)
    if root.has_error:
        _collect_errors(root, file.errors)
    for decl in root.named_children:
        kind = decl.type
        if kind == "package_clause":
            ident = next((c for c in decl.named_children if c.type == "package_identifier"), None)
            file.package = _text(ident, src) if ident else None
        elif kind == "import_declaration":
            _imports(decl, src, file)
        elif kind == "type_declaration":
            for spec in decl.named_children:
                if spec.type not in ("type_spec", "type_alias"):
                    continue
                name = spec.child_by_field_name("name")
                type_node = spec.child_by_field_name("type")
                if name is None or type_node is None:
                    continue
                type_name = _text(name, src)
                generic = spec.child_by_field_name("type_parameters") is not None
                if type_node.type == "struct_type":
                    file.structs.append(
                        GoStruct(type_name, _fields(type_node, src), spec.start_point[0] + 1, generic)
                    )
                else:
                    file.named_types[type_name] = _type(type_node, src)
        elif kind == "method_declaration":
            method = _method(decl, src, file)
            if method is not None:
                file.methods.append(method)
        elif kind in ("const_declaration", "var_declaration"):
            _string_consts(decl, src, file, kind == "const_declaration")
    return file


def _imports(decl: Node, src: bytes, file: GoFile) -> None:
    stack = list(decl.named_children)
    while stack:
        node = stack.pop()
        if node.type == "import_spec_list":
            stack.extend(node.named_children)
            continue
        if node.type != "import_spec":
            continue
        path_node = node.child_by_field_name("path")
        if path_node is None:
            continue
        path = _go_string_literal(path_node, src) or ""
        alias = node.child_by_field_name("name")
        local = _text(alias, src) if alias is not None else path.rsplit("/", 1)[-1]
        if local in ("_", "."):
            continue
        file.imports[local] = path


def _string_consts(decl: Node, src: bytes, file: GoFile, is_const: bool) -> None:
    specs = [c for c in decl.named_children if c.type in ("const_spec", "var_spec")]
    for spec_list in (c for c in decl.named_children if c.type == "var_spec_list"):
        specs.extend(c for c in spec_list.named_children if c.type == "var_spec")
    for spec in specs:
        names = [_text(n, src) for n in spec.children_by_field_name("name")]
        value = spec.child_by_field_name("value")
        if value is None or len(names) != 1 or len(value.named_children) != 1:
            continue
        expr = value.named_children[0]
        if expr.type in ("interpreted_string_literal", "raw_string_literal") and is_const:
            literal = _go_string_literal(expr, src)
            if literal is not None:
                file.consts[names[0]] = literal
