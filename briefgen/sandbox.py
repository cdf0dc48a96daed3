"""The sandbox templates run in: what a template can reach, call and build.

A template from elsewhere (a colleague, another office) is untrusted code. It runs in
``BriefSandbox``, an ``ImmutableSandboxedEnvironment`` that works from allow-lists, not deny-lists:

- **Reach**: only the attributes listed in ``allowed_attributes`` for each plain type (the data of
  a ``Record``, a few non-growing ``str`` methods, ``date.isoformat``, ``loop.index``, ...). Every
  other attribute, ``__class__``, ``format`` and ``format_map`` included, is refused.
- **Call**: only macros, blocks, the loop, ``TemplateFunction`` objects (briefgen's own functions
  and Jinja's ``range``/``dict``/``namespace``/``cycler``/``joiner``) and the allowed methods.
- **Build**: every operation that makes a string or a list is bounded before it runs
  (``MAX_VALUE_CHARS`` per value) and charged to a budget for the whole render
  (``MAX_BUILT_CHARS``), so no loop can fill memory; numbers are bounded by bit length.
- **Read**: templates load only through ``BoundedLoader``, which refuses a name that resolves,
  through ``..`` or a symbolic link, outside its template folder, and reads through the bounded
  reader of ``briefgen.files``.

``render_bounded`` runs a template under these limits and a time limit.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import os
import re
import types
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, Undefined
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.runtime import BlockReference, LoopContext, Macro, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import Cycler, Joiner, Namespace, pass_eval_context
from markupsafe import Markup

from briefgen.files import inside
from briefgen.plaindata import RECORD_METHODS, Record
from briefgen.schema import PartialDate

__all__ = [
    "BriefSandbox",
    "NoteUndefined",
    "BoundedLoader",
    "TemplateFunction",
    "TemplateLimitError",
    "TemplateEscapeError",
    "allowed_attributes",
    "check_size",
    "check_text",
    "render_bounded",
    "plain_join",
    "MAX_VALUE_CHARS",
    "MAX_BUILT_CHARS",
    "MAX_OUTPUT_CHARS",
    "MAX_TEMPLATE_BYTES",
    "MAX_INT_BITS",
    "MAX_WIDTH",
    "MAX_SECONDS",
]

MAX_VALUE_CHARS = 1_000_000
"""Longest string (characters) or list (items) one template operation may build."""
MAX_BUILT_CHARS = 20_000_000
"""Most characters (or list items) all operations of one render may build together."""
MAX_OUTPUT_CHARS = 2_000_000
"""Longest Markdown a template may produce (a 5-page note is about 20,000 characters)."""
MAX_TEMPLATE_BYTES = 1_000_000
"""Largest template file read, in bytes."""
MAX_INT_BITS = 4096
"""Largest integer a template may compute, in bits (about 1,200 decimal digits)."""
MAX_WIDTH = 1000
"""Largest width, padding or count argument of a filter or ``%`` format (characters or items)."""
MAX_SECONDS = 20
"""Longest a template may run, in seconds (enforced where the platform has SIGALRM)."""


class TemplateLimitError(SecurityError):
    """A template operation would build more than a limit allows; nothing was built.

    ``location`` is (template file, line) when known from the running template rather than from
    the traceback (the output limit is checked outside the template's own frames).
    """

    location: tuple[str | None, int | None] = (None, None)


class TemplateEscapeError(SecurityError):
    """A template name resolves outside its template folder (``..`` or a symbolic link)."""


class TemplateFunction:
    """A function a template may call (briefgen's ``person``, ``chart``; Jinja's ``range``...).

    Calling it calls the wrapped function; a template can read none of its attributes, so the
    function's globals and closure stay out of reach.
    """

    __slots__ = ("_function", "_name")

    def __init__(self, function: Callable[..., Any], name: str) -> None:
        self._function = function
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<function {self._name}>"


# Methods that return something no longer than their input (so nothing grows) and hand back
# only str, bool, int or tuples/lists of str.
_STR_METHODS = frozenset(
    "capitalize casefold count endswith find index isalnum isalpha isdecimal isdigit islower "
    "isnumeric isspace istitle isupper lower lstrip partition removeprefix removesuffix rfind "
    "rindex rpartition rsplit rstrip split splitlines startswith strip swapcase title upper".split()
)
_ATTRIBUTES: dict[type, frozenset[str]] = {
    Markup: _STR_METHODS | {"striptags", "unescape"},
    str: _STR_METHODS,
    tuple: frozenset({"count", "index"}),
    list: frozenset({"count", "index"}),
    dict: frozenset({"get", "items", "keys", "values"}),
    dt.date: frozenset({"year", "month", "day", "isoformat", "weekday", "isoweekday"}),
    PartialDate: frozenset({"year", "month", "day", "precision", "iso", "isoformat"}),
    LoopContext: frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length",
                            "depth", "depth0", "previtem", "nextitem", "cycle", "changed"}),
    BlockReference: frozenset({"super"}),
    Cycler: frozenset({"next", "current", "reset"}),
}


def allowed_attributes(obj: Any) -> frozenset[str]:
    """Return the attribute names a template may read on ``obj`` (empty for anything unknown).

    A ``Record`` allows its keys and ``get``/``items``/``keys``/``values``; a ``Namespace``
    (``namespace()``) and an imported template module allow the names set in them.
    """
    from jinja2.environment import TemplateModule

    kind = type(obj)
    if kind is Record:
        return RECORD_METHODS | frozenset(obj.keys())
    if kind is Namespace:
        return frozenset(k for k in obj._Namespace__attrs if not k.startswith("_"))
    if kind is TemplateModule:
        return frozenset(k for k in vars(obj) if not k.startswith("_"))
    return _ATTRIBUTES.get(kind, frozenset())


# --- limits ---------------------------------------------------------------------------------

_budget: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("briefgen_budget", default=None)


def _refuse(what: str, size: int, limit: int, unit: str = "characters") -> None:
    raise TemplateLimitError(f"{what} would build more than {limit:,} {unit}, the limit")


def _size(value: Any) -> int:
    if isinstance(value, (str, list, tuple)):
        return len(value)
    return 0


def check_size(size: int, what: str) -> None:
    """Raise TemplateLimitError if ``size`` (characters or items) is over ``MAX_VALUE_CHARS``."""
    if size > MAX_VALUE_CHARS:
        _refuse(what, size, MAX_VALUE_CHARS)


def charge(value: Any, what: str) -> Any:
    """Count ``value``'s size (characters or items) against the render's budget; return it.

    Raises TemplateLimitError if the value alone, or all values built so far, exceed a limit.
    """
    size = _size(value)
    if size:
        check_size(size, what)
        budget = _budget.get()
        if budget is not None:
            budget[0] += size
            if budget[0] > MAX_BUILT_CHARS:
                raise TemplateLimitError(
                    f"{what}: the template has built more than {MAX_BUILT_CHARS:,} characters in all"
                )
    return value


def _measure(value: Any, limit: int, as_text: bool) -> int:
    """Walk ``value`` and its containers, adding each part's weight, until past ``limit``."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2 if as_text else max(len(item), 1)
        elif isinstance(item, Mapping):
            total += 10 + 4 * len(item) if as_text else 1
            if as_text:
                stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            total += 2 + 2 * len(item) if as_text else 1
            stack.extend(item)
        else:
            total += 24 if as_text else 1
    return total


def text_size(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """Return about how many characters ``value`` takes as text (``str()`` or JSON), counting
    containers item by item; stops counting once past ``limit``, so it costs at most O(limit)."""
    return _measure(value, limit, as_text=True)


def deep_count(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """Return how many items ``value`` holds counted all the way down (a scalar counts 1, a
    string its length); stops counting once past ``limit``."""
    return _measure(value, limit, as_text=False)


def check_format_size(fmt: Any, args: tuple[Any, ...], what: str) -> None:
    """Raise TemplateLimitError before ``fmt % args`` is built if it could pass
    ``MAX_VALUE_CHARS``: each directive may print the largest argument (``%(a)s`` repeats one)."""
    if not isinstance(fmt, str):
        return
    directives = fmt.count("%")
    if not directives:
        return
    largest, measured = 0, {}
    for arg in args:
        if id(arg) not in measured:
            measured[id(arg)] = 24 if isinstance(arg, (int, Decimal, float)) else text_size(arg)
            largest = max(largest, measured[id(arg)])
        if largest > MAX_VALUE_CHARS:
            break
    size = len(fmt) + directives * min(largest, MAX_VALUE_CHARS + 1)
    if size > MAX_VALUE_CHARS:
        _refuse(what, size, MAX_VALUE_CHARS)


def check_text(value: Any, what: str) -> None:
    """Raise TemplateLimitError before ``value`` (a container, usually) is turned into text
    longer than ``MAX_VALUE_CHARS``."""
    if not isinstance(value, (str, int, Decimal, dt.date)):
        size = text_size(value)
        if size > MAX_VALUE_CHARS:
            _refuse(what, size, MAX_VALUE_CHARS)


def _check_int(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(f"{what} is too large a number (limit {MAX_INT_BITS} bits)")


_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.DOTALL)


def _check_printf(fmt: Any, what: str) -> None:
    """Refuse a ``%`` format with a ``*`` width or a width or precision over ``MAX_WIDTH``."""
    if not isinstance(fmt, str):
        return
    for match in _PRINTF.finditer(fmt):
        width, precision, _ = match.groups()
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_WIDTH):
                raise TemplateLimitError(
                    f"{what}: the width or precision {number!r} in {match.group(0)!r} is over the "
                    f"limit of {MAX_WIDTH}"
                )


def _check_count(value: Any, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WIDTH:
        raise TemplateLimitError(f"{what}: {value:,} is over the limit of {MAX_WIDTH:,}")


def _joined_size(items: list[Any], separator: Any) -> int:
    return sum(len(str(i)) for i in items) + len(str(separator)) * max(len(items) - 1, 0)


# Checks run before a filter builds anything, with the filter's own arguments.
def _pre_center(value: Any, width: Any = 80, *a: Any, **k: Any) -> None:
    _check_count(width, "center")


def _pre_indent(value: Any, width: Any = 4, *a: Any, **k: Any) -> None:
    if isinstance(width, str):
        check_size(len(str(value)) + len(width) * (str(value).count("\n") + 1), "indent")
    else:
        _check_count(width, "indent")


def _pre_wordwrap(value: Any, width: Any = 79, break_long_words: Any = True, wrapstring: Any = None,
                  *a: Any, **k: Any) -> None:
    wrapstring = k.get("wrapstring", wrapstring)
    if wrapstring is not None:
        check_size(len(str(value)) * (len(str(wrapstring)) + 1), "wordwrap")


def _pre_batch(value: Any, linecount: Any = 1, *a: Any, **k: Any) -> None:
    _check_count(linecount, "batch")


def _pre_slice(value: Any, slices: Any = 1, *a: Any, **k: Any) -> None:
    _check_count(slices, "slice")


def _pre_format(value: Any, *a: Any, **k: Any) -> None:
    _check_printf(value, "format")
    check_format_size(value, (*a, *k.values()), "format")


def _pre_text(value: Any, *a: Any, **k: Any) -> None:
    check_text(value, "the filter")


def _pre_truncate(value: Any, length: Any = 255, killwords: Any = False, end: Any = "...", *a: Any, **k: Any) -> None:
    check_size(len(str(value)) + len(str(k.get("end", end))), "truncate")


_PRECHECKS: dict[str, Callable[..., None]] = {
    "center": _pre_center,
    "indent": _pre_indent,
    "wordwrap": _pre_wordwrap,
    "batch": _pre_batch,
    "slice": _pre_slice,
    "format": _pre_format,
    "truncate": _pre_truncate,
    "tojson": _pre_text,
    "string": _pre_text,
    "e": _pre_text,
    "escape": _pre_text,
    "forceescape": _pre_text,
    "urlencode": _pre_text,
    "wordcount": _pre_text,
    "striptags": _pre_text,
    "capitalize": _pre_text,
    "title": _pre_text,
    "upper": _pre_text,
    "lower": _pre_text,
    "trim": _pre_text,
    "md_plain": _pre_text,
}

# Jinja's built-in filters a template may use. Left out: random (a note must be reproducible),
# pprint (prints Python internals), urlize and xmlattr (write HTML, which the Markdown refuses).
SAFE_JINJA_FILTERS = frozenset(
    "abs attr batch capitalize center count d default dictsort e escape filesizeformat first float "
    "forceescape format groupby indent int items join last length list lower map max min reject "
    "rejectattr replace reverse round safe select selectattr slice sort string striptags sum "
    "title tojson trim truncate unique upper urlencode wordcount wordwrap".split()
)


def bounded_filter(name: str, function: Callable[..., Any],
                   precheck: Callable[..., None] | None = None) -> Callable[..., Any]:
    """Return ``function`` (a Jinja filter) with ``precheck`` run on its arguments first and its
    result charged to the render's budget. Keeps Jinja's pass-context/environment marker."""
    passes = getattr(function, "jinja_pass_arg", None) is not None
    precheck = precheck or _PRECHECKS.get(name)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if precheck is not None:
            precheck(*(args[1:] if passes else args), **kwargs)
        return charge(function(*args, **kwargs), f"the filter '{name}'")

    return wrapper


@pass_eval_context
def _join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
    """``join`` that escapes items for Markdown (Jinja's escapes them for HTML) and is bounded."""
    from briefgen.mdtext import md_escape

    items = [_get(eval_ctx.environment, v, attribute) if attribute is not None else v for v in value]
    for item in items:
        check_text(item, "join")
    check_size(_joined_size(items, d), "join")
    return Markup(md_escape(d)).join(i if isinstance(i, Markup) else Markup(md_escape(i)) for i in items)


def plain_join(value: Any, d: Any = "", attribute: Any = None) -> str:
    """``join`` for plain-text templates (no Markdown escaping), bounded before it joins."""
    items = [v[attribute] if attribute is not None else v for v in value]
    for item in items:
        check_text(item, "join")
    check_size(_joined_size(items, d), "join")
    return str(d).join(str(i) for i in items)


def _get(env: Any, value: Any, attribute: Any) -> Any:
    from jinja2.filters import make_attrgetter

    return make_attrgetter(env, attribute)(value)


def _replace(value: Any, old: Any, new: Any, count: Any = None) -> str:
    """``replace`` on plain text (Jinja's HTML-escapes under autoescape), bounded before it runs."""
    text, old, new = str(value), str(old), str(new)
    occurrences = (len(text) + 1) if old == "" else text.count(old)
    if count is not None and count >= 0:
        occurrences = min(occurrences, count)
    check_size(len(text) + occurrences * max(len(new) - len(old), 0), "replace")
    return text.replace(old, new, -1 if count is None else count)


# --- the environment -------------------------------------------------------------------------


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a call the sandbox bounds (Jinja joins it directly otherwise)."""

    def visit_Concat(self, node: Any, frame: Any) -> None:
        self.write("environment.bounded_concat(context, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


    def visit_Output(self, node: Any, frame: Any) -> None:
        # Mark each piece of output with its own template line (Jinja marks only statements),
        # so a problem in the Markdown is reported at the line of the template that wrote it.
        self.newline(node)
        super().visit_Output(node, frame)


class NoteUndefined(StrictUndefined):
    """A missing or refused value: any use of it is an error naming it, its repr too. Jinja's
    StrictUndefined still shows itself as the word "Undefined" inside a printed list (``{{
    areas|map(attribute="nosuch")|list }}``), which would put that word in a note."""

    __repr__ = StrictUndefined._fail_with_undefined_error


class BriefSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with allow-lists for attributes and calls and bounds on
    everything that builds strings, lists or large numbers. See the module documentation."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from jinja2.filters import FILTERS as JINJA_FILTERS

        self.filters = {name: bounded_filter(name, fn) for name, fn in JINJA_FILTERS.items()
                        if name in SAFE_JINJA_FILTERS}
        self.filters["join"] = bounded_filter("join", _join)
        self.filters["replace"] = bounded_filter("replace", _replace)
        self.globals = {
            "range": TemplateFunction(safe_range, "range"),
            "dict": TemplateFunction(dict, "dict"),
            "namespace": TemplateFunction(Namespace, "namespace"),
            "cycler": TemplateFunction(Cycler, "cycler"),
            "joiner": TemplateFunction(Joiner, "joiner"),
        }
        self.concat = self._bounded_join  # every block, macro and set-block buffer goes through it

    def add_filters(self, filters: Mapping[str, Callable[..., Any]]) -> None:
        """Add briefgen's own filters, bounded like the built-in ones."""
        for name, fn in filters.items():
            self.filters[name] = bounded_filter(name, fn)

    def _bounded_join(self, parts: Any) -> str:
        parts = list(parts)
        check_size(sum(len(p) for p in parts if isinstance(p, str)), "the template's text")
        return charge("".join(parts), "the template's text")

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Allow only the attributes ``allowed_attributes`` lists for ``obj``'s type."""
        return not attr.startswith("_") and attr in allowed_attributes(obj)

    def is_safe_callable(self, obj: Any) -> bool:
        """Allow macros, blocks, loops, ``TemplateFunction``s and allowed methods only."""
        if isinstance(obj, (Macro, BlockReference, LoopContext, Joiner, TemplateFunction)):
            return True
        if isinstance(obj, (types.MethodType, types.BuiltinMethodType)):
            owner = getattr(obj, "__self__", None)
            name = getattr(obj, "__name__", "")
            return owner is not None and not isinstance(owner, (type, types.ModuleType)) and (
                self.is_safe_attribute(owner, name, obj)
            )
        return False

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Read ``obj.attribute`` for a template: a Record's data first, then allowed attributes."""
        if type(obj) is Record:
            if attribute in obj:
                return obj[attribute]
            if attribute in RECORD_METHODS:
                return getattr(obj, attribute)
            fields = ", ".join(obj) or "none"
            return self.undefined(f"there is no field {attribute!r} here (fields: {fields})",
                                  obj=obj, name=attribute)
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        except Exception:
            return self.undefined(obj=obj, name=attribute)
        if self.is_safe_attribute(obj, attribute, value):
            return value
        return self.unsafe_undefined(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Read ``obj[argument]`` for a template; a name not found as an item is read as an
        (allowed) attribute."""
        try:
            return obj[argument]
        except (TypeError, LookupError):
            if isinstance(argument, str):
                return self.getattr(obj, argument)
        return self.undefined(obj=obj, name=argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Call ``__obj`` if it is safely callable and charge what it returns."""
        if isinstance(__obj, Undefined):
            __obj._fail_with_undefined_error()  # says which name is undefined or refused
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"{__obj!r} is not safely callable")
        return charge(__context.call(__obj, *args, **kwargs), "a call")

    def bounded_concat(self, context: Any, parts: tuple[Any, ...]) -> Any:
        """``a ~ b ~ ...``: refuse before joining if the result would be too long."""
        for part in parts:
            check_text(part, "'~'")
        texts = [p if isinstance(p, str) else str(p) for p in parts]
        check_size(sum(len(t) for t in texts), "'~'")
        joined = markup_join(parts) if context.eval_ctx.autoescape else str_join(parts)
        return charge(joined, "'~'")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Run a binary operator once its result is known to be within the limits."""
        what = f"'{operator}'"
        _check_int(left, what)
        _check_int(right, what)
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and not isinstance(n, bool):
                    # Counted deep: [[1] * 10**6] * 10**6 is a million references, but comparing
                    # or copying it costs a million million.
                    unit = len(seq) if isinstance(seq, str) else deep_count(seq, MAX_VALUE_CHARS // max(n, 1) + 1) - 1
                    check_size(unit * max(n, 0), what)
            if isinstance(left, int) and isinstance(right, int):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise TemplateLimitError(f"{what} is too large a number (limit {MAX_INT_BITS} bits)")
        elif operator == "**":
            if isinstance(left, (int, Decimal)) and isinstance(right, (int, Decimal)):
                base = abs(int(left)) if isinstance(left, int) else 0
                if abs(right) > 100 or (base > 1 and base.bit_length() * abs(int(right)) > MAX_INT_BITS):
                    raise TemplateLimitError(f"{left!r} ** {right!r} is too large (limit {MAX_INT_BITS} bits)")
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                check_size(len(left) + len(right), what)
                if not isinstance(left, str):
                    check_size(deep_count(left) + deep_count(right) - 2, what)
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, what)
            check_format_size(left, right if isinstance(right, tuple) else (right,), what)
        return charge(super().call_binop(context, operator, left, right), what)


class BoundedLoader(BaseLoader):
    """Load templates by name from folders tried in order, never from outside them.

    ``folders`` is a list of (folder, origin) pairs, origin being a word such as "built-in" or
    "beside facts". A name with ``..`` is refused by Jinja; a name that resolves through a
    symbolic link outside its folder raises TemplateEscapeError. Every template read is recorded
    in ``loaded`` as (name, path, origin).
    """

    def __init__(self, folders: list[tuple[Path, str]]) -> None:
        self.folders = [(Path(os.path.realpath(f)), origin) for f, origin in folders]
        self.loaded: dict[str, tuple[Path, str]] = {}

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        from briefgen.errors import TemplateError
        from briefgen.files import read_text

        pieces = split_template_path(template)
        for root, origin in self.folders:
            candidate = root.joinpath(*pieces)
            if not os.path.lexists(candidate):
                continue
            if not inside(candidate, root):
                raise TemplateEscapeError(
                    f"the template {template!r} in {root} is a link to {os.path.realpath(candidate)}, "
                    "outside the template folder; refused"
                )
            if os.path.isdir(candidate):
                continue
            source = read_text(candidate, limit=MAX_TEMPLATE_BYTES, root=root, error=TemplateError, what="template")
            mtime = os.path.getmtime(candidate)
            self.loaded[template] = (candidate, origin)
            return source, str(candidate), lambda: os.path.exists(candidate) and os.path.getmtime(candidate) == mtime
        raise TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        """Return the names of the templates directly in the folders, sorted."""
        names: set[str] = set()
        for root, _ in self.folders:
            if root.is_dir():
                names.update(p.name for p in root.iterdir() if p.is_file() and inside(p, root))
        return sorted(names)


def _generator_location(generator: Any) -> tuple[str | None, int | None]:
    """Return (template file, line) where a suspended template generator last yielded output."""
    found: tuple[str | None, int | None] = (None, None)
    while generator is not None:
        frame = getattr(generator, "gi_frame", None)
        template = frame.f_globals.get("__jinja_template__") if frame is not None else None
        if template is not None:
            found = (template.filename, template.get_corresponding_lineno(frame.f_lineno))
        generator = getattr(generator, "gi_yieldfrom", None)
    return found


def render_bounded(
    template: Any,
    context: dict[str, Any],
    *,
    seconds: float = MAX_SECONDS,
    origins: list[tuple[int, str | None, int | None]] | None = None,
    max_chars: int = MAX_OUTPUT_CHARS,
) -> str:
    """Return ``template`` rendered with ``context``, within every limit of this module.

    ``origins``, when given, is filled with (offset in the output, template file, line) for each
    piece of output, so that a later stage can name the template line that wrote a Markdown line.
    Raises TemplateLimitError (a SecurityError) when the output passes ``max_chars`` or an
    operation passes its limit, and ``deadline.DeadlineExceeded`` after ``seconds``.
    """
    from briefgen.deadline import deadline

    token = _budget.set([0])
    try:
        with deadline(seconds, "the template"):
            parts: list[str] = []
            size = 0
            stream = template.generate(context)
            for chunk in stream:
                if origins is not None:
                    origins.append((size, *_generator_location(stream)))
                size += len(chunk)
                if size > max_chars:
                    error = TemplateLimitError(f"the template produced more than {max_chars:,} characters")
                    error.location = _generator_location(stream)
                    stream.close()
                    raise error
                parts.append(chunk)
            return "".join(parts)
    finally:
        _budget.reset(token)
