"""No function in chalicelib/ is over 60 lines (its decorators, signature and docstring included):
one that grows past a screen is split along its seams (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
LONGEST = 60


def long_functions(source: str, filename: str) -> list[str]:
    """Every function (methods and nested ones too) in ``source`` longer than ``LONGEST`` lines."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            length = (node.end_lineno or node.lineno) - first + 1
            if length > LONGEST:
                found.append(f"{filename}:{first} {node.name} ({length} lines)")
    return found


def test_no_function_in_chalicelib_is_over_60_lines():
    found = [hit for path in sorted((PROJECT_DIR / "chalicelib").rglob("*.py"))
             for hit in long_functions(path.read_text(), str(path.relative_to(PROJECT_DIR)))]
    assert found == []


def test_the_length_check_finds_a_long_method():
    body = "".join(f"        x{n} = {n}\n" for n in range(59))
    source = f"class A:\n    @staticmethod\n    def long() -> None:\n{body}\n    def short() -> None:\n        pass\n"
    assert long_functions(source, "a.py") == ["a.py:2 long (61 lines)"]
