"""GitHub Actions expressions and GitLab CI rules, in the part of each language that the CI
templates in docs/ci/ use: enough for the runner stand-ins of :mod:`support.ci_runner` to
decide which jobs and steps run, and to fill in the inputs of their steps."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["STATUS", "Expression", "Parser", "Rule", "as_text", "condition", "render", "truthy"]

_EXPRESSION = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<operator>==|!=|&&|\|\||!|\(|\))|(?P<name>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*))"
)
_RULE = re.compile(
    r"\s*(?:\$\{?(?P<variable>\w+)\}?|\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)'"
    r"|(?P<operator>==|!=|&&|\|\||\(|\))|(?P<null>null\b))"
)


def _tokenize(pattern: re.Pattern[str], text: str) -> list[tuple[str, str]]:
    tokens, text, at = [], text.strip(), 0
    while at < len(text):
        match = pattern.match(text, at)
        assert match and match.lastgroup, f"cannot read {text!r} at {at}"
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        at = match.end()
    return tokens


def truthy(value: Any) -> bool:
    """Whether a value counts as true (null, false, 0 and the empty string do not)."""
    return value is not None and value is not False and value != 0 and value != ""


def as_text(value: Any) -> str:
    """A value as it reads in a string: null is empty, booleans are lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class Parser:
    """Precedence climbing over tokens: ``||``, then ``&&``, then ``==``/``!=``, then ``!``.

    The two languages differ in their atoms (:meth:`atom`) and in how a comparison reads its
    operands (:meth:`same`)."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        self.at += 1
        return self.tokens[self.at - 1]

    def evaluate(self) -> Any:
        value = self.either()
        assert self.at == len(self.tokens), f"unread: {self.tokens[self.at :]}"
        return value

    def either(self) -> Any:
        value = self.both()
        while self.peek() == "||":
            self.take()
            right = self.both()
            value = value if truthy(value) else right
        return value

    def both(self) -> Any:
        value = self.comparison()
        while self.peek() == "&&":
            self.take()
            right = self.comparison()
            value = right if truthy(value) else value
        return value

    def comparison(self) -> Any:
        value = self.negation()
        if self.peek() in ("==", "!="):
            operator = self.take()[1]
            equal = self.same(value, self.negation())
            return equal if operator == "==" else not equal
        return value

    def negation(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.negation())
        return self.primary()

    def primary(self) -> Any:
        if self.peek() == "(":
            self.take()
            value = self.either()
            assert self.take()[1] == ")"
            return value
        return self.atom(*self.take())

    def atom(self, kind: str, text: str) -> Any:
        raise NotImplementedError

    def same(self, left: Any, right: Any) -> bool:
        raise NotImplementedError


class Expression(Parser):
    """A GitHub Actions expression, in the part of the language the templates use: literals,
    context properties, ``!``, ``==``, ``!=``, ``&&``, ``||``, parentheses and the status
    functions. A missing property is null; a context the test does not provide fails."""

    def __init__(self, text: str, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> None:
        super().__init__(_tokenize(_EXPRESSION, text))
        self.contexts, self.status = contexts, status

    def atom(self, kind: str, text: str) -> Any:
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self.peek() == "(":
            assert self.take()[1] == "(" and self.take()[1] == ")", "no function takes arguments"
            assert text in self.status, f"unknown function {text}()"
            return self.status[text]
        first, *rest = text.split(".")
        assert first in self.contexts, f"the test provides no context {first!r}"
        value = self.contexts[first]
        for key in rest:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    def same(self, left: Any, right: Any) -> bool:
        # GitHub compares strings ignoring case; null and '' are equal.
        return as_text(left).casefold() == as_text(right).casefold()


class Rule(Parser):
    """A GitLab ``rules: if:`` expression: variables, strings, null, ``==``, ``!=``, ``&&``,
    ``||`` and parentheses. An undefined variable is null; one that is empty is false."""

    def __init__(self, text: str, variables: Mapping[str, str]) -> None:
        super().__init__(_tokenize(_RULE, text))
        self.variables = variables

    def atom(self, kind: str, text: str) -> Any:
        if kind == "variable":
            return self.variables.get(text)
        return None if kind == "null" else text  # a string's contents

    def same(self, left: Any, right: Any) -> bool:
        return bool(left == right)


STATUS = ("success", "failure", "always", "cancelled")


def condition(text: Any, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> bool:
    """Whether a job or step with this ``if:`` runs (none: ``success()``)."""
    expression = "success()" if text is None else str(text).strip()
    if expression.startswith("${{") and expression.endswith("}}"):
        expression = expression[3:-2]
    if not re.search(rf"\b({'|'.join(STATUS)})\(", expression):
        expression = f"success() && ({expression})"  # GitHub's implicit status check
    return truthy(Expression(expression, contexts, status).evaluate())


def render(value: Any, contexts: Mapping[str, Any]) -> str:
    """A value with its ``${{ … }}`` expressions replaced."""
    return re.sub(
        r"\$\{\{(.*?)\}\}",
        lambda m: as_text(Expression(m.group(1), contexts, {}).evaluate()),
        as_text(value),
        flags=re.S,
    )
