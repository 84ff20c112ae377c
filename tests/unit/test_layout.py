"""The layout is the architecture: packages by job, imports one way, no cycles (docs/architecture.md).

The import graph is read from the source (``ast``), so an import inside a function counts as much
as one at the top: a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Lower layers never import higher ones. The root package is the shared vocabulary; content reads
# uploads; site (the reader's side) and publish (the writer's side) are siblings on one layer, and
# siblings never import each other: what both need is in the root or in content.
LAYERS = {"chalicelib": 0, "chalicelib.content": 1, "chalicelib.newsletters": 1.5, "chalicelib.site": 2, "chalicelib.publish": 2,
          "chalicelib.imports": 3, "chalicelib.desk": 4}


def our_modules() -> dict[str, Path]:
    """Every module of app.py, chalicelib/, newsroom/ and devstack/, by dotted name."""
    paths = [PROJECT_DIR / "app.py"]
    for package in ("chalicelib", "newsroom", "devstack"):
        paths += sorted((PROJECT_DIR / package).rglob("*.py"))
    modules = {}
    for path in paths:
        parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    """module -> the modules of ours it imports, anywhere in its body."""
    modules = our_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name in modules}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    if f"{base}.{alias.name}" in modules:
                        found.add(f"{base}.{alias.name}")
                    elif base in modules and base != name:
                        found.add(base)
        graph[name] = found - {name}
    return graph


def layer_of(module: str) -> tuple[str, int] | None:
    """The chalicelib package a module belongs to, and its layer; None outside chalicelib."""
    for package in sorted(LAYERS, key=len, reverse=True):
        if module == package or module.startswith(package + "."):
            return package, LAYERS[package]
    return None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle once, as the modules along it (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# The calls that import a module by a name computed at run time, or load one past the import statement:
# an edge no reader of the source (this test, mypy, ruff) can see.
IMPORTS_BY_NAME = {"import_module", "__import__", "find_spec", "spec_from_file_location", "module_from_spec",
                   "LazyLoader", "exec_module", "load_module", "run_module", "run_path"}


def imports_by_name(source: str, filename: str) -> list[str]:
    """Where ``source`` imports a module other than by an ``import`` statement: "file:line call"."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in IMPORTS_BY_NAME:
                found.append(f"{filename}:{node.lineno} {called}")
    return found


def test_no_import_by_a_computed_name():
    """Every import in app.py, chalicelib/, newsroom/ and devstack/ is an ``import`` statement, so the
    graph these tests check (and mypy) sees every edge: no importlib, no LazyLoader, no __import__."""
    found = [hit for name, path in our_modules().items()
             for hit in imports_by_name(path.read_text(), str(path.relative_to(PROJECT_DIR)))]
    assert found == []


def test_computed_import_finder_finds_one():
    """The test above can fail: the desk loaded by a computed name, as app.py once did, is reported."""
    source = 'import importlib\ndef desk(screen):\n    return importlib.import_module(f"chalicelib.desk.{screen}")\n'
    assert imports_by_name(source, "app.py") == ["app.py:3 import_module"]


def test_the_graph_sees_every_function_and_screen_app_serves():
    """app.py's edges are all in the graph: the pages and feeds, every desk screen its routes load,
    and the three queue functions' modules."""
    app_source = (PROJECT_DIR / "app.py").read_text()
    screens = {f"chalicelib.desk.{m}" for m in re.findall(r"^\s+from chalicelib\.desk import ([\w, ]+)$", app_source,
                                                          re.MULTILINE) for m in m.split(", ")}
    assert len(screens) >= 8
    assert screens | {"chalicelib.site.pages", "chalicelib.site.feeds", "chalicelib.site.comment_post",
                      "chalicelib.site.web", "chalicelib.publish.ingest", "chalicelib.publish.renditions",
                      "chalicelib.imports.run"} <= import_graph()["app"]


def test_no_import_cycles():
    """No module reaches back to itself through others, not even through an import inside a function."""
    graph = import_graph()
    graph.pop("chalicelib", None)  # a package's __init__ imports nothing; its children import through it
    assert cycles(graph) == []


def test_imports_follow_the_layers():
    """content never imports site or publish; site and publish never import each other (nor does the
    importer import site); the root imports no package."""
    against = []
    for module, targets in import_graph().items():
        own = layer_of(module)
        if own is None:
            continue
        for target in targets:
            theirs = layer_of(target)
            if theirs is not None and (theirs[1] > own[1] or (theirs[1] == own[1] and theirs[0] != own[0])
                                       or (own[0] == "chalicelib.imports" and theirs[0] == "chalicelib.site")):
                against.append(f"{module} -> {target}")
            if theirs is None:
                against.append(f"{module} -> {target} (outside chalicelib)")
    assert against == []


def test_editors_tool_never_imports_the_development_stack():
    """The editors' tool installs and runs without moto and chalice local (devstack)."""
    graph = import_graph()
    assert [f"{m} -> {t}" for m, targets in graph.items() if m.startswith("newsroom")
            for t in targets if t.startswith("devstack")] == []


# The web function serves every route of app.py: the readers' pages and the desk. A reader's page
# reaches nothing that writes the site, the desk or the importer: a bug on a reader's path cannot
# write an article, and a cold start loads no ingest library. The desk is the editors' own screens,
# in the same function but loaded only by its routes; it writes files to the bucket and ingest does
# the rest, so of publish it imports only these, each for a read or a rule it shows the editor, or
# a write that is the editor's own decision (and what those import in turn):
DESK_USES_OF_PUBLISH = {
    "chalicelib.publish.articles",  # the slug rule: which article holds a slug (slug_held_by)
    "chalicelib.publish.pending",  # what a contributor's submission may not carry (submission_refusals)
    "chalicelib.publish.edge",  # which paths a change clears at CloudFront: the desk follows them
    "chalicelib.publish.history",  # every version of a file (the History screen)
    "chalicelib.publish.moderation",  # approve, reject, delete a comment: the moderator's own writes
    "chalicelib.publish.renditions",  # a photo's sizes and their record (the media library)
}
# ... and never the queue functions' work: applying files to the table, resync, due times.
NEVER_FROM_THE_DESK = {"chalicelib.publish.ingest", "chalicelib.publish.resync", "chalicelib.publish.schedule"}


def web_function_roots(app_source: str) -> tuple[set[str], set[str]]:
    """(what app.py imports for the readers' pages, for the desk's): every import of app.py outside
    the queue functions (``@app.on_sqs_message``), the desk's being those inside a route under /desk."""
    readers: set[str] = set()
    desk: set[str] = set()
    tree = ast.parse(app_source)

    def imported(node: ast.AST) -> set[str]:
        found = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import):
                found |= {alias.name for alias in sub.names}
            elif isinstance(sub, ast.ImportFrom) and sub.module:
                found |= {f"{sub.module}.{alias.name}" for alias in sub.names} | {sub.module}
        return found

    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            decorators = [d for d in node.decorator_list if isinstance(d, ast.Call)
                          and isinstance(d.func, ast.Attribute) and isinstance(d.func.value, ast.Name)
                          and d.func.value.id == "app"]
            if any(d.func.attr == "on_sqs_message" for d in decorators):
                continue
            paths = [d.args[0].value for d in decorators if d.args and isinstance(d.args[0], ast.Constant)]
            (desk if paths and all(str(p).startswith("/desk") for p in paths) else readers).update(imported(node))
        else:
            readers |= imported(node)
    return readers, desk


def reached(graph: dict[str, set[str]], roots: set[str]) -> set[str]:
    """Every module of ours ``roots`` import, transitively."""
    seen: set[str] = set()
    todo = sorted(r for r in roots if r in graph)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += graph.get(module, ())
    return seen


def web_function_faults(graph: dict[str, set[str]], app_source: str) -> list[str]:
    """What the web function reaches against the rule above, in words."""
    readers, desk = web_function_roots(app_source)
    faults = [f"a reader's page reaches {m}" for m in sorted(reached(graph, readers))
              if m.startswith(("chalicelib.publish", "chalicelib.desk", "chalicelib.imports"))]
    desk_modules = {m for m in graph if m.startswith("chalicelib.desk")}
    faults += sorted(f"the desk imports {target} ({module})" for module in desk_modules for target in graph[module]
                     if target.startswith("chalicelib.publish") and target not in DESK_USES_OF_PUBLISH)
    faults += [f"the desk reaches {m}" for m in sorted(reached(graph, desk) & NEVER_FROM_THE_DESK)]
    return faults


def test_web_function_loads_no_publishing_code():
    """Every route the web function serves, desk included, from app.py's own imports: a reader's page
    reaches no publish, desk or imports module; the desk reaches publish only through the modules
    ``DESK_USES_OF_PUBLISH`` names, and never the queue functions' work."""
    app_source = (PROJECT_DIR / "app.py").read_text()
    readers, desk = web_function_roots(app_source)
    assert "chalicelib.site.pages" in readers and len([m for m in desk if m.startswith("chalicelib.desk.")]) >= 8
    assert web_function_faults(import_graph(), app_source) == []


def test_web_function_rule_finds_publishing_code_on_a_readers_page():
    """The test above can fail: a reader's route whose module imports the publisher is reported, and
    so is a desk screen reaching ingest."""
    app_source = ('''@app.route("/x")\ndef x():\n    from chalicelib.site import pages\n\n'''
                  '''@app.route("/desk/y")\ndef y():\n    from chalicelib.desk import views\n\n'''
                  '''@app.on_sqs_message(queue="q")\ndef z(event):\n    from chalicelib.publish import ingest\n''')
    graph = {"chalicelib.site.pages": {"chalicelib.site.store"}, "chalicelib.site.store": {"chalicelib.publish.articles"},
             "chalicelib.publish.articles": set(), "chalicelib.desk.views": {"chalicelib.publish.ingest"},
             "chalicelib.publish.ingest": set()}
    assert web_function_faults(graph, app_source) == [
        "a reader's page reaches chalicelib.publish.articles",
        "the desk imports chalicelib.publish.ingest (chalicelib.desk.views)",
        "the desk reaches chalicelib.publish.ingest"]


def test_every_entry_point_is_in_app_and_named_for_its_function():
    """app.py declares every Lambda function; each queue function (``ingest``, ``images``,
    ``imports``, ``newsletters``) hands its batch to the one handler named for it (``<function>_queue_handler``), and
    chalicelib declares no other queue handler."""
    tree = ast.parse((PROJECT_DIR / "app.py").read_text())
    queue_functions = {node.name: {sub.func.attr for sub in ast.walk(node) if isinstance(sub, ast.Call)
                                   and isinstance(sub.func, ast.Attribute)}
                       for node in tree.body if isinstance(node, ast.FunctionDef)
                       and any("on_sqs_message" in ast.unparse(d) for d in node.decorator_list)}
    assert sorted(queue_functions) == ["images", "imports", "ingest", "newsletter_events", "newsletters"]
    assert [name for name, calls in queue_functions.items() if f"{name}_queue_handler" not in calls] == []
    handlers = sorted(node.name for path in (PROJECT_DIR / "chalicelib").rglob("*.py")
                      for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.FunctionDef)
                      and (node.name.endswith("_queue_handler") or node.name == "handle_sqs_messages"))
    assert handlers == ["images_queue_handler", "imports_queue_handler", "ingest_queue_handler",
                        "newsletter_events_queue_handler", "newsletters_queue_handler"]


def test_publish_and_site_never_meet():
    """The writer and the reader share only the root vocabulary and content: no import from
    chalicelib.publish to chalicelib.site, none back (the layer rule above, counted here by name)."""
    graph = import_graph()
    def side(module: str) -> str | None:
        found = layer_of(module)
        return found[0] if found is not None and found[0] in ("chalicelib.site", "chalicelib.publish") else None

    meeting = sorted(f"{m} -> {t}" for m, targets in graph.items() for t in targets
                     if side(m) is not None and side(t) is not None and side(m) != side(t))
    assert meeting == []


def test_layer_rule_finds_an_import_between_siblings(monkeypatch):
    """The layer test can fail: publish importing site (siblings) is reported."""
    graph = {"chalicelib.publish.articles": {"chalicelib.site.store"}, "chalicelib.site.store": set()}
    monkeypatch.setattr(__import__(__name__, fromlist=["import_graph"]), "import_graph", lambda: graph)
    try:
        test_imports_follow_the_layers()
    except AssertionError as failed:
        assert "chalicelib.publish.articles -> chalicelib.site.store" in str(failed)
    else:
        raise AssertionError("an import between siblings passed the layer test")


def test_cycle_finder_finds_a_cycle():
    """The cycle test can fail: a graph with a loop through three modules is reported."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_architecture_table_names_every_module():
    """docs/architecture.md's layout table names each module that exists, and no other."""
    table = (PROJECT_DIR / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"^\| `((?:app|chalicelib|newsroom|devstack)[\w/]*\.py)` \|", table, re.MULTILINE))
    present = {str(path.relative_to(PROJECT_DIR)) for path in our_modules().values()}
    assert sorted(present - named) == [], "modules the table does not name"
    assert sorted(named - present) == [], "modules the table names that do not exist"
