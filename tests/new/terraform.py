"""Evaluate rendered Terraform as far as a plan would know it: names, ARNs, policy documents.

python-hcl2 parses every .tf file; this module walks its syntax tree and evaluates expressions
the way Terraform does for values known before apply: variables (inputs or defaults), locals,
module calls and outputs, `count` and `for_each`, conditionals, `for` expressions and the
functions the template uses. Attributes AWS assigns (ids, the ARNs of a load balancer or a KMS
key) are UNKNOWN; the ARNs AWS derives from a name (roles, clusters, functions, topics, alarms,
log groups, buckets) are computed the way AWS builds them, so a test can compare what a
pipeline names with what Terraform creates. `data "aws_iam_policy_document"` renders its JSON
as the AWS provider does, so the policies can be handed to moto.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lark import Token, Tree


class _Unknown:
    """A value only known after apply; anything computed from it is unknown too."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


def _is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def parse_file(path: Path) -> Tree[Token]:
    return _parse_text(path.read_text("utf-8"))


@functools.lru_cache(maxsize=512)
def _parse_text(text: str) -> Tree[Token]:
    # environments share their modules' files: each distinct text is parsed once
    import hcl2

    return hcl2.parses_to_tree(text)


@dataclass
class Block:
    """A block's attributes (unevaluated syntax) and nested blocks."""

    kind: str
    labels: tuple[str, ...]
    attributes: dict[str, Tree[Token]] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def nested(self, kind: str) -> list[Block]:
        return [block for block in self.blocks if block.kind == kind]


def _children(tree: Tree[Token]) -> list[Tree[Token]]:
    return [c for c in tree.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _name(node: Tree[Token] | Token) -> str:
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(
            str(token)
            for part in node.children
            if isinstance(part, Tree)
            for token in part.children
            if isinstance(token, Token)
        )
    return "".join(str(t) for t in node.scan_values(lambda _: True))


def _body(tree: Tree[Token], kind: str = "", labels: tuple[str, ...] = ()) -> Block:
    block = Block(kind, labels)
    for child in _children(tree):
        if child.data == "attribute":
            value = child.children[2]
            assert isinstance(value, Tree)
            block.attributes[_name(child.children[0])] = value
        elif child.data == "block":
            names = [c for c in child.children if isinstance(c, Tree) and c.data != "body"]
            inner = next(c for c in child.children if isinstance(c, Tree) and c.data == "body")
            heads = [n for n in names if n.data != "new_line_or_comment"]
            block.blocks.append(_body(inner, _name(heads[0]), tuple(_name(n) for n in heads[1:])))
    return block


def load_directory(directory: Path) -> Block:
    """Every .tf file of a directory, as one body."""
    merged = Block("module", (str(directory),))
    for path in sorted(directory.glob("*.tf")):
        tree = parse_file(path)
        body = next(c for c in tree.children if isinstance(c, Tree) and c.data == "body")
        part = _body(body)
        merged.attributes.update(part.attributes)
        merged.blocks.extend(part.blocks)
    return merged


# ---- AWS: how ARNs follow from names ------------------------------------------------------


def _arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


def _derived(kind: str, attrs: Callable[[str], Any], region: str, account: str) -> dict[str, Any]:
    """Attributes AWS computes from the ones given (only those a name determines)."""
    if kind == "aws_iam_role":
        name = attrs("name")
        return {"arn": f"arn:aws:iam::{account}:role/{name}", "id": name, "unique_id": UNKNOWN}
    if kind == "aws_iam_policy":
        return {"arn": f"arn:aws:iam::{account}:policy/{attrs('name')}"}
    if kind == "aws_iam_openid_connect_provider":
        host = str(attrs("url")).removeprefix("https://")
        return {"arn": f"arn:aws:iam::{account}:oidc-provider/{host}"}
    if kind == "aws_ecs_cluster":
        arn = _arn("ecs", region, account, f"cluster/{attrs('name')}")
        return {"arn": arn, "id": arn}
    if kind == "aws_ecs_service":
        cluster = attrs("cluster")
        cluster_name = UNKNOWN if _is_unknown(cluster) else str(cluster).rsplit("/", 1)[-1]
        arn = _arn("ecs", region, account, f"service/{cluster_name}/{attrs('name')}")
        return {"id": arn, "arn": arn}
    if kind == "aws_ecr_repository":
        name = attrs("name")
        return {
            "arn": _arn("ecr", region, account, f"repository/{name}"),
            "repository_url": f"{account}.dkr.ecr.{region}.amazonaws.com/{name}",
        }
    if kind == "aws_ecs_task_definition":
        family = attrs("family")
        return {"arn": _arn("ecs", region, account, f"task-definition/{family}:1")}
    if kind == "aws_lambda_function":
        arn = _arn("lambda", region, account, f"function:{attrs('function_name')}")
        return {"arn": arn, "version": "1", "qualified_arn": f"{arn}:1"}
    if kind == "aws_cloudwatch_log_group":
        return {"arn": _arn("logs", region, account, f"log-group:{attrs('name')}")}
    if kind == "aws_sns_topic":
        arn = _arn("sns", region, account, str(attrs("name")))
        return {"arn": arn, "id": arn}
    if kind == "aws_sqs_queue":
        return {"arn": _arn("sqs", region, account, str(attrs("name")))}
    if kind == "aws_cloudwatch_metric_alarm":
        return {"arn": _arn("cloudwatch", region, account, f"alarm:{attrs('alarm_name')}")}
    if kind == "aws_s3_bucket":
        return {"arn": f"arn:aws:s3:::{attrs('bucket')}", "id": attrs("bucket")}
    return {}


# ---- evaluation -----------------------------------------------------------------------------


@dataclass
class Resource:
    """One instance of a resource or data block."""

    module: Module
    block: Block
    scope: dict[str, Any]  # count.index / each.key / each.value of this instance

    @property
    def kind(self) -> str:
        return self.block.labels[0]

    @property
    def name(self) -> str:
        return self.block.labels[1]

    @cached_property
    def region(self) -> str:
        provider = self.block.attributes.get("provider")
        alias = self.module.text(provider).split(".", 1)[-1] if provider is not None else ""
        return self.module.provider_region(alias)

    def __getitem__(self, key: str) -> Any:
        if key in self.block.attributes:
            return self.module.evaluate(self.block.attributes[key], self.scope)
        nested = self.block.nested(key)
        if nested:
            return [Resource(self.module, block, self.scope) for block in nested]
        if self.block.kind == "data":
            return self.module.data_attribute(self, key)
        derived = _derived(self.kind, self.get, self.region, self.module.account)
        return derived.get(key, UNKNOWN)

    def get(self, key: str) -> Any:
        return self[key]

    def attributes(self) -> dict[str, Any]:
        return {name: self[name] for name in self.block.attributes}


class Module:
    """One module instance: a directory evaluated with its inputs."""

    def __init__(
        self,
        directory: Path,
        inputs: Mapping[str, Callable[[], Any]],
        *,
        account: str,
        providers: Mapping[str, str],
        address: str = "",
    ) -> None:
        self.directory = directory
        self.body = load_directory(directory)
        self.inputs = dict(inputs)  # evaluated on first use, in the caller's module
        self._variables: dict[str, Any] = {}
        self.account = account
        self.providers = dict(providers)  # alias ("" = default) -> region
        self.address = address
        self._locals: dict[str, Any] = {}
        self._evaluating: set[str] = set()
        if not self.providers:
            for block in self.body.nested("provider"):
                alias = block.attributes.get("alias")
                region = self.evaluate(block.attributes["region"], {})
                self.providers[self.evaluate(alias, {}) if alias is not None else ""] = region
            for block in self.body.nested("provider"):
                accounts = block.attributes.get("allowed_account_ids")
                if accounts is not None:
                    self.account = self.evaluate(accounts, {})[0]

    def provider_region(self, alias: str) -> str:
        return self.providers.get(alias, self.providers[""])

    def text(self, tree: Tree[Token]) -> str:
        return "".join(str(t) for t in tree.scan_values(lambda _: True))

    # -- namespaces --

    def variable(self, name: str) -> Any:
        if name in self.inputs:
            if name not in self._variables:
                self._variables[name] = self.inputs[name]()
            return self._variables[name]
        block = next(b for b in self.body.nested("variable") if b.labels[0] == name)
        if "default" not in block.attributes:
            raise KeyError(f"{self.directory}: variable {name} has no value")
        return self.evaluate(block.attributes["default"], {})

    def local(self, name: str) -> Any:
        if name not in self._locals:
            if name in self._evaluating:
                raise RecursionError(f"local.{name} refers to itself")
            self._evaluating.add(name)
            for block in self.body.nested("locals"):
                if name in block.attributes:
                    self._locals[name] = self.evaluate(block.attributes[name], {})
                    break
            else:
                raise KeyError(f"{self.directory}: no local {name}")
            self._evaluating.discard(name)
        return self._locals[name]

    def instances(self, kind: str, block: Block) -> Any:
        """A resource's value as references see it: one instance, a list (count) or a map."""
        if "count" in block.attributes:
            count = self.evaluate(block.attributes["count"], {})
            return [Resource(self, block, {"count": {"index": i}}) for i in range(int(count))]
        if "for_each" in block.attributes:
            items = self.evaluate(block.attributes["for_each"], {})
            if _is_unknown(items):
                return {}  # keys known only after apply: no instance can be named now
            pairs = items.items() if isinstance(items, dict) else ((v, v) for v in items)
            return {k: Resource(self, block, {"each": {"key": k, "value": v}}) for k, v in pairs}
        return Resource(self, block, {})

    def resources(self, kind: str = "resource") -> Iterator[Resource]:
        """Every instance of every resource (or data) block of this module."""
        for block in self.body.nested(kind):
            value = self.instances(block.labels[0], block)
            values = value.values() if isinstance(value, dict) else value
            yield from values if isinstance(value, list | dict) else [value]

    @cached_property
    def modules(self) -> dict[str, Module]:
        called: dict[str, Module] = {}
        for block in self.body.nested("module"):
            source = self.evaluate(block.attributes["source"], {})
            skip = {"source", "providers", "depends_on", "count", "for_each"}
            inputs = {
                k: functools.partial(self.evaluate, v, {})
                for k, v in block.attributes.items()
                if k not in skip
            }
            providers = {"": self.provider_region("")}
            if "providers" in block.attributes:
                mapping = block.attributes["providers"]
                for element in _children(_unwrap(mapping)):
                    inner, outer = element.children[0], element.children[-1]
                    assert isinstance(inner, Tree) and isinstance(outer, Tree)
                    alias = self.text(inner).split(".", 1)[-1] if "." in self.text(inner) else ""
                    parent = self.text(outer).split(".", 1)[-1] if "." in self.text(outer) else ""
                    providers[alias] = self.provider_region(parent)
            called[block.labels[0]] = Module(
                (self.directory / str(source)).resolve(),
                inputs,
                account=self.account,
                providers=providers,
                address=f"{self.address}module.{block.labels[0]}.",
            )
        return called

    def output(self, name: str) -> Any:
        block = next(b for b in self.body.nested("output") if b.labels[0] == name)
        return self.evaluate(block.attributes["value"], {})

    def resource(self, kind: str, name: str) -> Any:
        block = next(b for b in self.body.nested("resource") if b.labels[:2] == (kind, name))
        return self.instances(kind, block)

    def data(self, kind: str, name: str) -> Any:
        block = next(b for b in self.body.nested("data") if b.labels[:2] == (kind, name))
        return self.instances(kind, block)

    def data_attribute(self, data: Resource, key: str) -> Any:
        if data.kind == "aws_caller_identity" and key == "account_id":
            return self.account
        if data.kind == "aws_region" and key in ("region", "name"):
            return data.region
        if data.kind == "aws_partition" and key == "partition":
            return "aws"
        if data.kind == "aws_iam_policy_document" and key == "json":
            return json.dumps(policy_document(data))
        return UNKNOWN

    def validations(self) -> list[tuple[str, Any]]:
        """(variable, value of each validation condition): all must be true."""
        results = []
        for block in self.body.nested("variable"):
            for rule in block.nested("validation"):
                results.append((block.labels[0], self.evaluate(rule.attributes["condition"], {})))
        return results

    # -- expressions --

    def lookup(self, root: str, scope: Mapping[str, Any]) -> Any:
        if root in scope:
            return scope[root]
        namespaces: dict[str, Callable[[], Any]] = {
            "var": lambda: _Namespace(self.variable),
            "local": lambda: _Namespace(self.local),
            "module": lambda: _Namespace(lambda n: _Namespace(self.modules[n].output)),
            "data": lambda: _Namespace(lambda kind: _Namespace(lambda n: self.data(kind, n))),
            "path": lambda: {"module": str(self.directory), "root": str(self.directory)},
        }
        if root in namespaces:
            return namespaces[root]()
        if root in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[root]
        return _Namespace(lambda n: self.resource(root, n))

    def evaluate(self, node: Tree[Token] | Token, scope: Mapping[str, Any]) -> Any:
        return _Evaluator(self, scope).value(node)


class _Namespace:
    """`var`, `local`, `module.x`, `aws_iam_role`: attribute access evaluated on demand."""

    def __init__(self, get: Callable[[str], Any]) -> None:
        self._get = get

    def __getitem__(self, key: str) -> Any:
        return self._get(key)


def _unwrap(node: Tree[Token]) -> Tree[Token]:
    while node.data == "expr_term" and len(_children(node)) == 1:
        node = _children(node)[0]
    return node


def _attribute(base: Any, key: Any) -> Any:
    if _is_unknown(base):
        return UNKNOWN
    if isinstance(base, list) and isinstance(key, int | float):
        return base[int(key)]
    return base[key]


class _Evaluator:
    def __init__(self, module: Module, scope: Mapping[str, Any]) -> None:
        self.module = module
        self.scope = scope

    def value(self, node: Tree[Token] | Token) -> Any:
        if isinstance(node, Token):
            return str(node)
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:
            raise NotImplementedError(f"{node.data} in {self.module.directory}")
        return handler(node)

    def _expr_term(self, node: Tree[Token]) -> Any:
        inner = _children(node)
        return self.value(inner[0])

    def _string(self, node: Tree[Token]) -> Any:
        parts: list[Any] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            for piece in part.children:
                if isinstance(piece, Token):
                    text = str(piece)
                    if piece.type == "ESCAPED_INTERPOLATION":
                        text = text[1:]  # $${x} is a literal ${x}
                    parts.append(json.loads(f'"{text}"') if "\\" in text else text)
                else:
                    parts.append(self.value(piece))
        if any(_is_unknown(p) for p in parts):
            return UNKNOWN
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0]
        return "".join(_text(p) for p in parts)

    def _interpolation(self, node: Tree[Token]) -> Any:
        return self.value(_children(node)[0])

    def _heredoc_template(self, node: Tree[Token]) -> Any:
        text = str(node.children[0])
        return "\n".join(text.split("\n")[1:-2]) + "\n"

    _heredoc_template_trim = _heredoc_template

    def _int_lit(self, node: Tree[Token]) -> Any:
        return int(str(node.children[0]))

    def _float_lit(self, node: Tree[Token]) -> Any:
        return float(str(node.children[0]))

    def _literal_value(self, node: Tree[Token]) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _identifier(self, node: Tree[Token]) -> Any:
        return self.module.lookup(str(node.children[0]), self.scope)

    def _tuple(self, node: Tree[Token]) -> Any:
        return [self.value(child) for child in _children(node)]

    def _object(self, node: Tree[Token]) -> Any:
        result: dict[str, Any] = {}
        for element in _children(node):
            key_tree = _unwrap(_children(element.children[0])[0])  # type: ignore[arg-type]
            if key_tree.data == "identifier":
                key = str(key_tree.children[0])
            else:
                key = self.value(key_tree)
            result[str(key)] = self.value(element.children[-1])
        return result

    def _get_attr_expr_term(self, node: Tree[Token]) -> Any:
        base, attr = _children(node)
        name = _children(attr)[0]
        return _attribute(self.value(base), _name(name))

    def _index_expr_term(self, node: Tree[Token]) -> Any:
        base, index = _children(node)
        if index.data == "short_index":
            key: Any = int(str(index.children[1]))
        else:
            key = self.value(_children(index)[0])
        return _attribute(self.value(base), key)

    def _full_splat_expr_term(self, node: Tree[Token]) -> Any:
        base, splat = _children(node)
        items = self.value(base)
        for step in _children(splat):
            name = _name(_children(step)[0])
            items = [_attribute(item, name) for item in items]
        return items

    def _conditional(self, node: Tree[Token]) -> Any:
        condition, yes, no = _children(node)
        chosen = self.value(condition)
        if _is_unknown(chosen):
            return UNKNOWN
        return self.value(yes if chosen else no)

    def _unary_op(self, node: Tree[Token]) -> Any:
        operator = str(node.children[0])
        operand = self.value(node.children[1])
        if _is_unknown(operand):
            return UNKNOWN
        return (not operand) if operator == "!" else -operand

    def _binary_op(self, node: Tree[Token]) -> Any:
        left_tree, term = _children(node)
        operator_tree, right_tree = _children(term)
        operator = _name(operator_tree)
        left = self.value(left_tree)
        if operator == "&&" and left is False:
            return False
        if operator == "||" and left is True:
            return True
        right = self.value(right_tree)
        if _is_unknown(left) or _is_unknown(right):
            return UNKNOWN
        operations: dict[str, Callable[[Any, Any], Any]] = {
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "&&": lambda a, b: a and b,
            "||": lambda a, b: a or b,
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a / b,
            "%": lambda a, b: a % b,
            "<": lambda a, b: a < b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
            ">=": lambda a, b: a >= b,
        }
        return operations[operator](left, right)

    def _for_parts(self, node: Tree[Token]) -> tuple[list[str], Any, list[Tree[Token]]]:
        intro = next(c for c in _children(node) if c.data == "for_intro")
        *bound, collection_tree = _children(intro)  # `for k, v in collection :`
        names = [str(c.children[0]) for c in bound]
        collection = self.value(collection_tree)
        rest = [c for c in _children(node) if c.data not in ("for_intro",)]
        return names, collection, rest

    def _iterate(self, names: list[str], collection: Any) -> Iterator[dict[str, Any]]:
        pairs = collection.items() if isinstance(collection, dict) else enumerate(collection)
        for key, value in pairs:
            if len(names) == 2:
                yield {names[0]: key, names[1]: value}
            else:
                yield {names[0]: value}

    def _for_tuple_expr(self, node: Tree[Token]) -> Any:
        names, collection, rest = self._for_parts(node)
        if _is_unknown(collection):
            return UNKNOWN
        body, condition = rest[0], next((c for c in rest if c.data == "for_cond"), None)
        result = []
        for bound in self._iterate(names, collection):
            inner = _Evaluator(self.module, {**self.scope, **bound})
            if condition is not None and not inner.value(_children(condition)[0]):
                continue
            result.append(inner.value(body))
        return result

    def _for_object_expr(self, node: Tree[Token]) -> Any:
        names, collection, rest = self._for_parts(node)
        if _is_unknown(collection):
            return UNKNOWN
        key_tree, value_tree = rest[0], rest[1]
        result: dict[str, Any] = {}
        for bound in self._iterate(names, collection):
            inner = _Evaluator(self.module, {**self.scope, **bound})
            result[str(inner.value(key_tree))] = inner.value(value_tree)
        return result

    def _function_call(self, node: Tree[Token]) -> Any:
        parts = _children(node)
        name = _name(parts[0])
        arguments = next((c for c in parts if c.data == "arguments"), None)
        args = [self.value(c) for c in _children(arguments)] if arguments is not None else []
        if any(_is_unknown(a) for a in args) and name not in ("jsonencode", "concat", "toset"):
            return UNKNOWN
        return FUNCTIONS[name](*args)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json_default(value: Any) -> Any:
    if _is_unknown(value):
        return "(known after apply)"
    if isinstance(value, Resource):
        return value.attributes()
    raise TypeError(type(value))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda v: json.dumps(v, default=_json_default, separators=(",", ":")),
    "jsondecode": json.loads,
    "concat": lambda *lists: [item for items in lists for item in items],
    "contains": lambda items, value: value in items,
    "toset": lambda items: sorted(set(items), key=str),
    "tolist": list,
    "tostring": _text,
    "length": len,
    "flatten": lambda items: [
        x for item in items for x in (item if isinstance(item, list) else [item])
    ],
    "distinct": lambda items: list(dict.fromkeys(items)),
    "replace": lambda text, old, new: text.replace(old, new),
    "split": lambda separator, text: text.split(separator),
    "join": lambda separator, items: separator.join(items),
    "startswith": lambda text, prefix: text.startswith(prefix),
    "strcontains": lambda text, part: part in text,
    "alltrue": all,
    "anytrue": any,
    "ceil": math.ceil,
    "floor": math.floor,
    "lower": str.lower,
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "format": lambda spec, *args: spec.replace("%s", "{}").format(*args),
}


# ---- policy documents -----------------------------------------------------------------------


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def policy_document(data: Resource) -> dict[str, Any]:
    """A `data "aws_iam_policy_document"` as the AWS provider renders its `json`."""
    statements = []
    for statement in data["statement"]:
        rendered: dict[str, Any] = {}
        attributes = statement.block.attributes
        if "sid" in attributes:
            rendered["Sid"] = statement["sid"]
        rendered["Effect"] = statement["effect"] if "effect" in attributes else "Allow"
        for key, name in (("actions", "Action"), ("not_actions", "NotAction")):
            if key in attributes:
                rendered[name] = _one_or_many(sorted(statement[key]))
        for key, name in (("resources", "Resource"), ("not_resources", "NotResource")):
            if key in attributes:
                values = [_json_default(v) if _is_unknown(v) else v for v in statement[key]]
                rendered[name] = _one_or_many(sorted(values))
        principals: dict[str, Any] = {}
        for principal in statement.block.nested("principals"):
            one = Resource(data.module, principal, data.scope)
            principals[one["type"]] = _one_or_many(sorted(one["identifiers"]))
        if principals:
            rendered["Principal"] = "*" if principals == {"*": "*"} else principals
        conditions: dict[str, dict[str, Any]] = {}
        for condition in statement.block.nested("condition"):
            one = Resource(data.module, condition, data.scope)
            conditions.setdefault(one["test"], {})[one["variable"]] = _one_or_many(one["values"])
        if conditions:
            rendered["Condition"] = conditions
        statements.append(rendered)
    return {"Version": "2012-10-17", "Statement": statements}


def environment_stack(repo: Path, env: str) -> Module:
    """infra/envs/<env> of a rendered repository, evaluated."""
    return Module(repo / "infra" / "envs" / env, {}, account="", providers={})
