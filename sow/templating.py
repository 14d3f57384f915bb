"""The one place user-authored clause text meets Jinja2.

Clause bodies are templates written by procurement. They render in an immutable sandbox
with autoescaping and StrictUndefined, over plain data (dicts, lists, strings, numbers)
built by `sow.context`, never model instances. Before a body is saved it is checked against
an allow-list: no calls, only listed filters and tests, no attribute access that does not
start at a context variable, no private names, loops only over context data and at most two
deep, and no variable the context does not document. Rendering caps the output's size and
time and turns the result into sanitised HTML.
"""

import contextlib
import hashlib
import html
import re
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

import nh3
from jinja2 import (
    StrictUndefined,
    TemplateAssertionError,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_SOURCE = 20_000
MAX_OUTPUT = 200_000
MAX_OPERAND = 10_000
MAX_LOOP_DEPTH = 2
MAX_INT_BITS = 256
TIME_LIMIT = 2.0
# Lines of template code a render may execute (loop bodies included, output or not): the
# budget that holds even when nothing is written out.
MAX_STEPS = 200_000

ALLOWED_FILTERS = frozenset({
    "upper", "lower", "title", "capitalize", "trim", "length", "count", "join", "default", "d",
    "first", "last", "sort", "round", "int", "abs", "sum", "wordcount", "truncate", "replace",
    "escape", "e", "money", "plural", "list", "possessive",
})
ALLOWED_TESTS = frozenset({
    "defined", "undefined", "none", "number", "string", "sequence", "mapping", "even", "odd",
    "divisibleby", "eq", "ne", "lt", "gt", "le", "ge", "in", "true", "false",
})
FORBIDDEN_NODES = {
    nodes.Call: "calls are not allowed (use the listed filters instead)",
    nodes.Assign: "setting variables is not allowed; write the expression in place",
    nodes.AssignBlock: "setting variables is not allowed; write the expression in place",
    nodes.Macro: "macros are not allowed",
    nodes.CallBlock: "call blocks are not allowed",
    nodes.Import: "imports are not allowed",
    nodes.FromImport: "imports are not allowed",
    nodes.Include: "includes are not allowed",
    nodes.Extends: "template inheritance is not allowed",
    nodes.Block: "blocks are not allowed",
    nodes.FilterBlock: "filter blocks are not allowed",
    nodes.With: "with blocks are not allowed",
}
RESERVED_NAMES = frozenset({"self", "caller", "varargs", "kwargs"})
PLAIN = (str, int, float, Decimal, bool, type(None), list, tuple, dict, date, datetime)
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "u", "code",
                "blockquote", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
                "caption", "span", "sup", "sub"}
# No class or id on user content: the print stylesheet's running header and footer are set
# from classes, and clause text must never be able to set them.
ALLOWED_ATTRIBUTES = {"th": {"scope", "colspan"}, "td": {"colspan"}}
# A generated schedule names its kind, so the print stylesheet can give its columns fixed
# widths (a fixed table layout costs WeasyPrint far less than sizing columns from their
# content). Only these values survive; on anything else the attribute is dropped.
SCHEDULE_TABLES = {"ladder", "payments", "raci", "kpis", "staffing", "enablement"}
TAG_ATTRIBUTE_VALUES = {"table": {"data-schedule": SCHEDULE_TABLES}}


@dataclass(frozen=True)
class TemplateProblem:
    line: int | None
    message: str

    def __str__(self):
        return f"Line {self.line}: {self.message}" if self.line else self.message


class ClauseTemplateError(Exception):
    """A clause body that cannot be saved or rendered; carries every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    def as_list(self):
        return [{"line": p.line, "message": p.message} for p in self.problems]


def _money(value, currency=""):
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    text = f"{amount:,.2f}"
    return f"{text} {currency}".strip()


def _plural(count, singular, plural=None):
    return singular if count == 1 else (plural or singular + "s")


def _possessive(name):
    """"Northwind Retail" → "Northwind Retail's"; "Acme ML Partners" → "Acme ML Partners'"."""
    text = str(name)
    return f"{text}'" if text.endswith(("s", "S")) else f"{text}'s"


class ClauseEnvironment(ImmutableSandboxedEnvironment):
    """Sandbox that also refuses unbounded arithmetic on strings and lists."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            raise SecurityError("powers are not allowed in clause text")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("formatting text with % is not allowed; write the variable "
                                "in place instead")
        sized = (str, list, tuple)
        if operator == "*" and (isinstance(left, sized) or isinstance(right, sized)):
            seq, n = (left, right) if isinstance(left, sized) else (right, left)
            if not isinstance(n, int) or len(seq) * max(n, 0) > MAX_OPERAND:
                raise SecurityError("repeating text or lists that much is not allowed")
        if (operator == "+" and isinstance(left, sized) and isinstance(right, sized)
                and len(left) + len(right) > MAX_OUTPUT):
            raise SecurityError("joining text that long is not allowed")
        if (operator in ("*", "+") and isinstance(left, int) and isinstance(right, int)
                and left.bit_length() + right.bit_length() > MAX_INT_BITS):
            raise SecurityError("numbers that large are not allowed")
        return super().call_binop(context, operator, left, right)

    def is_safe_attribute(self, obj, attr, value):
        return not attr.startswith("_") and isinstance(value, PLAIN)

    def is_safe_callable(self, obj):
        return False


TOO_BIG = "that filter would produce more text than a clause may hold"


def _size_before(name, args, kwargs):
    """The size a filter's result would have, worked out before it is built (a `replace` can
    multiply text, a `join` concatenate it), so the cap refuses before anything is allocated."""
    # Jinja passes its evaluation context first to `replace` and `join`.
    skip = 1 if args and not isinstance(args[0], str | list | tuple) else 0
    value, rest = (args[skip], args[skip + 1:]) if len(args) > skip else (None, ())
    if name == "replace" and isinstance(value, str) and len(rest) >= 2:
        old, new = str(rest[0]), str(rest[1])
        count = rest[2] if len(rest) > 2 and isinstance(rest[2], int) else None
        hits = (len(value) + 1) if old == "" else value.count(old)
        hits = min(hits, count) if count is not None and count >= 0 else hits
        return len(value) + hits * (len(new) - len(old))
    if name == "join" and isinstance(value, list | tuple):
        glue = str(rest[0]) if rest else ""
        return sum(len(str(v)) for v in value) + len(glue) * max(len(value) - 1, 0)
    return 0


def _capped(fn, name=""):
    """A filter whose result may not outgrow the output cap: checked before it is built where
    the size is known in advance, and on its result in any case."""

    def wrapper(*args, **kwargs):
        if _size_before(name, args, kwargs) > MAX_OUTPUT:
            raise SecurityError(TOO_BIG)
        result = fn(*args, **kwargs)
        if isinstance(result, str | list) and len(result) > MAX_OUTPUT:
            raise SecurityError(TOO_BIG)
        return result

    for attr in ("jinja_pass_arg",):
        if hasattr(fn, attr):
            setattr(wrapper, attr, getattr(fn, attr))
    return wrapper


# What an empty documented variable shows in a document (never a silent blank); the SOW check
# reports it as an error until the value is filled in.
MISSING_VALUE = "[not yet set]"


def _finalize(value):
    return MISSING_VALUE if value is None or value == "" else value


def _environment():
    env = ClauseEnvironment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                            lstrip_blocks=True, keep_trailing_newline=False,
                            finalize=_finalize)
    builtin = env.filters
    env.filters = {name: _capped(builtin[name], name) for name in ALLOWED_FILTERS
                   if name in builtin}
    env.filters.update({"money": _money, "plural": _plural, "possessive": _possessive})
    env.tests = {name: env.tests[name] for name in ALLOWED_TESTS if name in env.tests}
    env.globals = {}
    return env


ENV = _environment()


def _root(node):
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        node = node.node
    while isinstance(node, nodes.Filter) and node.node is not None:
        node = node.node
        while isinstance(node, nodes.Getattr | nodes.Getitem):
            node = node.node
    return node


def _check_tree(ast, known_variables):
    problems = []
    for kind, message in FORBIDDEN_NODES.items():
        for node in ast.find_all(kind):
            problems.append(TemplateProblem(node.lineno, message))
    for node in ast.find_all(nodes.Filter):
        if node.name not in ALLOWED_FILTERS:
            problems.append(TemplateProblem(node.lineno, f"the filter “{node.name}” is not "
                            f"allowed (allowed: {', '.join(sorted(ALLOWED_FILTERS))})"))
    for node in ast.find_all(nodes.Test):
        if node.name not in ALLOWED_TESTS:
            problems.append(TemplateProblem(node.lineno, f"the test “{node.name}” is not allowed"))
    for node in ast.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            problems.append(TemplateProblem(node.lineno, f"“{node.attr}” is private and cannot "
                                                         "be used"))
        if not isinstance(_root(node), nodes.Name):
            problems.append(TemplateProblem(node.lineno, "attributes can only be read from "
                                                         "the documented variables"))
    for node in ast.find_all(nodes.Getitem):
        if isinstance(node.arg, nodes.Const) and str(node.arg.value).startswith("_"):
            problems.append(TemplateProblem(node.lineno, "private keys cannot be used"))
        if not isinstance(_root(node), nodes.Name):
            problems.append(TemplateProblem(node.lineno, "items can only be read from the "
                                                         "documented variables"))
    for node in ast.find_all(nodes.For):
        if not isinstance(_root(node.iter), nodes.Name):
            problems.append(TemplateProblem(node.lineno, "loops can only run over the "
                                                         "documented lists"))
    for node in ast.find_all(nodes.Name):
        if node.name.startswith("_"):
            problems.append(TemplateProblem(node.lineno, f"“{node.name}” is private"))
        elif node.name in RESERVED_NAMES:
            problems.append(TemplateProblem(node.lineno, f"“{node.name}” is not a variable you "
                                                         "can use here."))

    def depth(node, level):
        for child in node.iter_child_nodes():
            here = level + isinstance(child, nodes.For)
            if here > MAX_LOOP_DEPTH:
                problems.append(TemplateProblem(child.lineno, f"loops may nest at most "
                                                              f"{MAX_LOOP_DEPTH} deep"))
                continue
            depth(child, here)

    depth(ast, 0)
    if problems:
        return sorted(set(problems), key=lambda p: (p.line or 0, p.message))
    try:
        unknown = meta.find_undeclared_variables(ast) - set(known_variables)
    except TemplateAssertionError as exc:
        return [TemplateProblem(exc.lineno, exc.message or "the template is malformed")]
    for name in sorted(unknown):
        line = next((n.lineno for n in ast.find_all(nodes.Name) if n.name == name), None)
        import difflib

        suggestion = difflib.get_close_matches(name, list(known_variables), n=2, cutoff=0.75) or [
            k for k in known_variables if k.startswith(name[:3])]
        hint = (f" Did you mean {' or '.join(f'“{k}”' for k in suggestion)}?"
                if suggestion else "")
        problems.append(TemplateProblem(line, f"“{name}” is not a variable you can use "
                                              f"here.{hint}"))
    return sorted(set(problems), key=lambda p: (p.line or 0, p.message))


VALIDATED_MAX = 2048
# (SHA-256 of a body, the variables it may use) -> its problems (empty: valid), beside the
# compiled-template cache: a body is parsed and checked once per process, not on every
# render of every SOW that pins it. Bounded; the oldest entries go first.
_validated = {}


def validate(source, known_variables, *, digest=None):
    """Parse and check a clause body; raise ClauseTemplateError listing every problem.

    The verdict is remembered per body text (by hash) and set of known variables."""
    key = (digest or hashlib.sha256(source.encode()).hexdigest(), frozenset(known_variables))
    problems = _validated.get(key)
    if problems is None:
        try:
            _validate(source, key[1])
            problems = ()
        except ClauseTemplateError as exc:
            problems = tuple(exc.problems)
        _validated[key] = problems
        while len(_validated) > VALIDATED_MAX:
            _validated.pop(next(iter(_validated)))
    if problems:
        raise ClauseTemplateError(list(problems))


def _validate(source, known_variables):
    if len(source) > MAX_SOURCE:
        raise ClauseTemplateError([TemplateProblem(None, f"The text is {len(source):,} "
                                   f"characters; the limit is {MAX_SOURCE:,}.")])
    try:
        ast = ENV.parse(source)
    except TemplateSyntaxError as exc:
        line, message = _plain_syntax(exc, source)
        raise ClauseTemplateError([TemplateProblem(line, message)]) from exc
    problems = _check_tree(ast, known_variables)
    if problems:
        raise ClauseTemplateError(problems)


_OPEN = re.compile(r"\{\{|\{%-?\s*(\w+)?|\{#")
_CLOSERS = {"for": "endfor", "if": "endif"}


def _unclosed(source):
    """(line, message) for the first thing opened and never closed, by reading the text
    itself: a `{{` without `}}`, a `{%` without `%}`, or a for/if block without its end."""
    stack = []
    for match in _OPEN.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        token = match.group(0)
        end = {"{{": "}}", "{#": "#}"}.get(token[:2], "%}")
        if source.find(end, match.end()) < 0:
            shown = "{{" if token.startswith("{{") else "{#" if token.startswith("{#") else "{%"
            return line, (f"the “{shown}” on line {line} is never closed: end it with "
                          f"“{end}”")
        tag = match.group(1)
        if tag in _CLOSERS:
            stack.append((tag, line))
        elif tag in _CLOSERS.values() and stack and _CLOSERS[stack[-1][0]] == tag:
            stack.pop()
    if stack:
        tag, line = stack[-1]
        return line, (f"the {{% {tag} %}} on line {line} is never closed: add "
                      f"{{% {_CLOSERS[tag]} %}} where it should end")
    return None


def _plain_syntax(exc, source):
    """(line, message): Jinja's syntax errors in plain words for the common cases."""
    message = exc.message or "the template is malformed"
    lowered = message.lower()
    if "unexpected end of template" in lowered:
        found = _unclosed(source)
        if found:
            return found
        return exc.lineno, ("a block was opened but not closed (every {% for %} needs "
                            "{% endfor %}, every {% if %} needs {% endif %})")
    unknown = re.search(r"unknown tag '(\w+)'.*innermost block that needs to be closed is "
                        r"'(\w+)'", message, re.S)
    if unknown:
        return exc.lineno, (f"line {exc.lineno} has {{% {unknown.group(1)} %}} but the "
                            f"block still open is a {{% {unknown.group(2)} %}}: close it with "
                            f"{{% {_CLOSERS.get(unknown.group(2), 'end' + unknown.group(2))} %}}"
                            " first")
    if re.search(r"unexpected '\}'", message):
        return exc.lineno, (f"line {exc.lineno} has a single “}}”: a variable is written "
                            "{{ name }}, with two braces on each side")
    if "expected token" in message:
        return exc.lineno, f"a tag or expression is incomplete on line {exc.lineno} ({message})"
    return exc.lineno, message


OVER_BUDGET = ("the clause does too much work to render (its loops run too long); loop over "
               "the engagement's lists as they are")
_over_budget = {}  # source hashes that ran out of budget (bounded, oldest dropped first)


class _OverBudget(BaseException):
    """Raised from the tracer inside the template's frame; a BaseException so that nothing in
    the template or its filters can catch it."""


@contextlib.contextmanager
def _budget(deadline):
    """Count the lines of template code executed (Jinja compiles a clause to Python whose
    frames are named "<template>"; only those are traced) and stop the render at MAX_STEPS or
    at the deadline, whether or not it writes anything."""
    steps = [0]

    def local(frame, event, arg):
        if event == "line":
            steps[0] += 1
            if steps[0] > MAX_STEPS or (steps[0] % 512 == 0 and time.monotonic() > deadline):
                raise _OverBudget
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename == "<template>" else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


@lru_cache(maxsize=512)
def _compiled(source_hash, source):
    return ENV.from_string(source)


def render(source, context, *, known_variables=None, validated=False):
    """Render a clause body to sanitised HTML. Raises ClauseTemplateError on any problem.

    `validated`: the body passed `validate` when it was saved (a published clause version),
    so it is not checked again; one that no longer compiles is checked after all, so it
    fails with its problems rather than an exception."""
    digest = hashlib.sha256(source.encode()).hexdigest()
    known = known_variables if known_variables is not None else context.keys()
    if not validated:
        validate(source, known, digest=digest)
    if digest in _over_budget:
        # It ran out of budget before: refuse at once rather than spend the budget again.
        raise ClauseTemplateError([TemplateProblem(None, OVER_BUDGET)])
    try:
        template = _compiled(digest, source)
    except (TemplateSyntaxError, TemplateAssertionError):
        validate(source, known, digest=digest)
        raise
    deadline = time.monotonic() + TIME_LIMIT
    out, size = [], 0
    try:
        with _budget(deadline):
            for chunk in template.generate(context):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise ClauseTemplateError([TemplateProblem(None, "the clause renders to "
                                               f"more than {MAX_OUTPUT:,} characters")])
                out.append(chunk)
    except _OverBudget as exc:
        _over_budget[digest] = True
        while len(_over_budget) > 1024:
            _over_budget.pop(next(iter(_over_budget)))
        raise ClauseTemplateError([TemplateProblem(None, OVER_BUDGET)]) from exc
    except UndefinedError as exc:
        raise ClauseTemplateError([TemplateProblem(_line_of(exc), _plain_undefined(exc))]) \
            from exc
    except SecurityError as exc:
        raise ClauseTemplateError([TemplateProblem(_line_of(exc), str(exc))]) from exc
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise ClauseTemplateError([TemplateProblem(_line_of(exc), f"the clause could not "
                                                                  f"be filled in: {exc}")]) \
            from exc
    return to_html("".join(out))


def _line_of(exc):
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _plain_undefined(exc):
    match = re.search(r"'([^']+)' has no attribute '([^']+)'|'([^']+)' is undefined", str(exc))
    if match and match.group(2):
        return f"“{match.group(2)}” does not exist here"
    if match and match.group(3):
        return f"“{match.group(3)}” is not defined"
    return "a value used here does not exist"


BLOCK = re.compile(r"^\s*<(p|ul|ol|table|h3|h4|blockquote)\b", re.I)


def to_html(text):
    """Paragraphs from blank lines, bullet lists from lines starting with "- ", then an
    allow-list sanitiser, so clause text can never carry scripts, styles or fetches."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        if BLOCK.match(block):
            blocks.append(block)
        elif all(ln.startswith("- ") for ln in lines):
            blocks.append("<ul>" + "".join(f"<li>{ln[2:]}</li>" for ln in lines) + "</ul>")
        else:
            blocks.append("<p>" + "<br>".join(lines) + "</p>")
    return sanitise("\n".join(blocks))


def sanitise(fragment):
    return nh3.clean(fragment, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     tag_attribute_values=TAG_ATTRIBUTE_VALUES, url_schemes=set(),
                     link_rel=None)


def plain_text(fragment):
    """Text of an HTML fragment, for redlines and checks."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


BLOCK_END = re.compile(r"</(?:p|li|h3|h4|tr|blockquote|ul|ol|table)>|<br\s*/?>", re.I)


def check_text(fragment):
    """Text of an HTML fragment with a line per paragraph, list item or table row: what the
    SOW check reads (its quotes' offsets point into this text)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", BLOCK_END.sub("\n", fragment)))
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


@lru_cache(maxsize=512)
def _loops(source):
    """The top-level loops of a clause over a documented list, with no `else` and not inside
    an `if` on that list: [(list name, the text line written just before the loop)]."""
    try:
        ast = ENV.parse(source)
    except TemplateSyntaxError:
        return ()
    found = []

    def walk(body, guarded, in_loop):
        before = ""
        for node in body:
            if isinstance(node, nodes.Output):
                data = [n.data for n in node.nodes if isinstance(n, nodes.TemplateData)]
                lines = [ln.strip() for ln in "".join(data[-1:]).splitlines() if ln.strip()]
                if lines:
                    before = re.split(r"(?<=[.;!?])\s+", lines[-1])[-1]
            elif isinstance(node, nodes.For):
                if (not in_loop and not node.else_ and isinstance(node.iter, nodes.Name)
                        and node.iter.name not in guarded):
                    found.append((node.iter.name, before))
                walk(node.body, guarded, True)
            elif isinstance(node, nodes.If):
                names = {n.name for n in node.test.find_all(nodes.Name)}
                if isinstance(node.test, nodes.Name):
                    names.add(node.test.name)
                walk(node.body, guarded | names, in_loop)
                for elif_ in node.elif_:
                    walk([elif_], guarded, in_loop)
                walk(node.else_, guarded, in_loop)

    walk(ast.body, frozenset(), False)
    return tuple(found)


def empty_loops(source, context):
    """The lists a clause loops over that are empty for this engagement (the contract would
    promise nothing there), with the text just before each loop to point at."""
    return [(name, before) for name, before in _loops(source)
            if isinstance(context.get(name), list | tuple) and not context[name]]
