"""`calculator`: exact arithmetic for the model, parsed with `ast` and never `eval`-ed.

Only numbers, `+ - * / // % **`, unary signs and parentheses are accepted; names, calls,
attributes and everything else are refused. Powers and sizes are capped so that no expression can
take the process down.
"""

from __future__ import annotations

import ast
import json
import operator
from collections.abc import Callable

from socle.agents.base import Tool, ToolContext, ToolOutput
from socle.agents.errors import ToolError
from socle.router.base import JSONObject

MAX_CHARS = 200
MAX_EXPONENT = 64
MAX_MAGNITUDE = 1e100

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def _checked(value: float) -> float:
    if isinstance(value, complex) or abs(value) > MAX_MAGNITUDE:
        raise ToolError("the result is too large (or not a real number)")
    return value


def _eval(node: ast.AST) -> float:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return _checked(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ToolError(f"exponents above {MAX_EXPONENT} are not allowed")
        try:
            return _checked(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError as e:
            raise ToolError("division by zero") from e
        except OverflowError as e:
            raise ToolError("the result is too large") from e
    raise ToolError(f"only numbers and + - * / // % ** ( ) are allowed, not {type(node).__name__}")


def evaluate(expression: str) -> float:
    """The value of an arithmetic expression (pure).

    Raises:
        ToolError: the expression is too long, not arithmetic, or its value is out of range.
    """
    if len(expression) > MAX_CHARS:
        raise ToolError(f"the expression is longer than {MAX_CHARS} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as e:
        raise ToolError(f"not an arithmetic expression: {expression!r}") from e
    return _eval(tree.body)


def _format(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


async def _run(arguments: JSONObject, context: ToolContext) -> ToolOutput:
    expression = arguments.get("expression")
    if not isinstance(expression, str):
        raise ToolError("pass the expression as a string in 'expression'")
    return ToolOutput(json.dumps({"expression": expression, "result": _format(evaluate(expression))}))


TOOL = Tool(
    "calculator",
    "Evaluate an arithmetic expression exactly (numbers, + - * / // % ** and parentheses).",
    {
        "type": "object",
        "properties": {"expression": {"type": "string", "description": "e.g. (1200 * 0.2) / 3"}},
        "required": ["expression"],
        "additionalProperties": False,
    },
    _run,
)
