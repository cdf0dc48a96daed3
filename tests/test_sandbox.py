"""The template sandbox: templates reach plain data only, and nothing they do is unbounded.

An office may receive a template from elsewhere; these tests play that template as an attacker.
Each payload must be refused with exit 2 and a located message, run no code, read no file and
leak no file content into the output or the message.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import types
from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from pathlib import Path

import pytest
from jinja2 import Undefined

from briefgen.errors import TemplateError
from briefgen.facts import load_facts
from briefgen.plaindata import PLAIN_TYPES, Record
from briefgen.sandbox import TemplateFunction, allowed_attributes
from briefgen.templating import BUILTIN_TEMPLATES, make_environment, render_markdown, template_context
from conftest import BUNDLED, run_cli

DATE = dt.date(2024, 7, 22)
SECRET = "briefgen-secret-6f1c"


# --- everything reachable is plain data or an allowed callable ------------------------------------


def _reachable(env, roots):
    """Yield every object a template can reach from ``roots``: attributes through the sandbox
    (every name ``dir()`` lists, dunders included), items of mappings and sequences, and what
    the allowed callables return when called without arguments. What a method of a ``str``
    returns is checked but not walked again: ``'a'.upper().upper()...`` never ends and holds
    nothing new."""
    seen: set[int] = set()
    keep = []  # keeps call results alive so that ids are not reused
    queue = [(root, False) for root in roots]
    while queue:
        obj, derived = queue.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        keep.append(obj)
        yield obj
        if derived and isinstance(obj, (str, list, tuple)):
            assert all(isinstance(i, (str, int)) for i in obj) if not isinstance(obj, str) else True
            continue
        names = set(dir(obj)) | (set(obj.keys()) if isinstance(obj, Record) else set())
        for name in names:
            value = env.getattr(obj, name)
            if not isinstance(value, Undefined):
                assert not name.startswith("_"), f"{type(obj).__name__}.{name} is reachable"
                queue.append((value, derived))
        if isinstance(obj, Mapping):
            queue.extend((v, derived) for v in obj.values())
        elif isinstance(obj, (tuple, list)):
            queue.extend((v, derived) for v in obj)
        if callable(obj) and env.is_safe_callable(obj):
            try:
                result = obj()
            except (TypeError, ValueError, RuntimeError):
                continue  # needs arguments
            queue.append((result, derived or isinstance(getattr(obj, "__self__", None), str)))


def test_everything_a_template_can_reach_is_plain_data_or_an_allowed_callable():
    env = make_environment([BUILTIN_TEMPLATES])
    context = template_context(load_facts(BUNDLED), date=DATE)
    roots = [*context.values(), *env.globals.values(), env.globals["cycler"]("a", "b"),
             context["person"]("aliyev"), context["chart"]([f for f in context["figures"] if f.unit == "USD"])]
    view_types = (ItemsView, KeysView, ValuesView)
    reached = list(_reachable(env, roots))
    assert len(reached) > 500  # the walk really went through the facts
    kinds = {type(o) for o in reached}
    assert Record in kinds and dt.date in kinds
    for obj in reached:
        if callable(obj) and not isinstance(obj, type):
            assert env.is_safe_callable(obj), obj
            from jinja2.utils import Joiner

            if isinstance(obj, (TemplateFunction, Joiner)):  # joiner() returns its separator
                continue
            owner = getattr(obj, "__self__", None)
            assert owner is not None and obj.__name__ in allowed_attributes(owner), obj
        else:
            from jinja2.utils import Cycler, Namespace
            from markupsafe import Markup

            assert isinstance(obj, PLAIN_TYPES + view_types + (list, dict, Markup, Namespace, Cycler)), (
                f"{type(obj).__module__}.{type(obj).__name__} reached: {obj!r:.80}"
            )


def test_no_model_object_reaches_templates():
    from pydantic import BaseModel

    context = template_context(load_facts(BUNDLED), date=DATE)
    env = make_environment([BUILTIN_TEMPLATES])
    for obj in _reachable(env, context.values()):
        assert not isinstance(obj, (BaseModel, types.ModuleType, types.FunctionType, type))


def test_records_are_read_only():
    record = Record({"a": 1})
    with pytest.raises(AttributeError):
        record.a = 2
    with pytest.raises(TypeError):
        record["a"] = 2  # type: ignore[index]


# --- payloads: refused, located, exit 2, nothing executed or read -------------------------------


@pytest.fixture
def attack(tmp_path):
    """Return run(template_text) -> CompletedProcess of a build with that template from a
    --template-dir holding links to /etc, /proc and a secret file outside it."""
    secret = tmp_path / "secret.json"
    secret.write_text('{"token": "%s"}' % SECRET)
    tdir = tmp_path / "tdir"
    tdir.mkdir()
    (tdir / "etc").symlink_to("/etc")
    (tdir / "proc").symlink_to("/proc")
    (tdir / "secret.md.j2").symlink_to(secret)
    marker = tmp_path / "pwned"

    def run(text: str):
        (tdir / "t.md.j2").write_text(text.replace("MARKER", str(marker)), encoding="utf-8")
        result = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "out"), "--format", "md",
                         "--template-dir", str(tdir), "--template", "t",
                         env={"BRIEFGEN_TEST_TOKEN": SECRET})
        assert not marker.exists(), "the payload ran code"
        output = tmp_path / "out" / "pakistan-azerbaijan-2024-07.md"
        assert not output.exists() or SECRET not in output.read_text(encoding="utf-8")
        return result

    return run


def _pickle_payload(marker: str) -> str:
    import base64
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    return base64.b64encode(pickle.dumps(Evil())).decode()


PAYLOADS = {
    "pydantic parse_raw with a pickle": "{{ facts.parse_raw(PICKLE, allow_pickle=True, proto='pickle') }}",
    "pydantic parse_file": "{{ note.parse_file('SECRETFILE') }}",
    "pydantic parse_file of /dev/zero": "{{ note.parse_file('/dev/zero') }}",
    "model methods": "{{ facts.model_dump() }}{{ note.copy() }}{{ event.schema_json() }}",
    "construct": "{{ facts.construct() }}",
    "symlinked folder include": "{% include 'etc/passwd' %}",
    "environment variables": "{% include 'proc/self/environ' %}",
    "symlinked template file": "{% include 'secret.md.j2' %}",
    "dotdot include": "{% include '../secret.json' %}",
    "absolute include": "{% import '/etc/passwd' as p %}",
    "__class__": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "__globals__": "{{ cycler.__init__.__globals__.os.popen('touch MARKER') }}",
    "function globals": "{{ person.__globals__ }}",
    "attr filter": "{{ (facts|attr('__class__')).__init__ }}",
    "format method": "{{ '{0.__class__}'.format(facts) }}",
    "format_map": "{{ '{x}'.format_map(facts) }}",
    "self internals": "{{ self._TemplateReference__context }}",
    "range(10**9)": "{% for i in range(10**9) %}x{% endfor %}",
    "center": "{{ 'x'|center(1500000000) }}",
    "ljust method": "{{ 'x'.ljust(1500000000) }}",
    "zfill": "{{ 'x'.zfill(1500000000) }}",
    "indent": "{{ 'x\\ny'|indent(1500000000) }}",
    "printf width": "{{ '%01500000000d' % 1 }}",
    "printf star": "{{ '%*d' % (1500000000, 1) }}",
    "format filter": "{{ '%01500000000d'|format(1) }}",
    "brace width": "{{ '{:>1500000000}'.format(1) }}",
    "doubling with ~": "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "doubling with +": "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "doubling a list": "{% set ns = namespace(s=[1]) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "squaring an integer": "{% set ns = namespace(n=10) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}",
    "power tower": "{{ 9 ** 9 ** 9 }}",
    "repeated power": "{% set ns = namespace(n=999999) %}{% for i in range(20) %}{% set ns.n = ns.n ** 10 %}{% endfor %}",
    "big number filter": "{{ '1e1000000'|number }}",
    "big money filter": "{{ '1e1000000'|money }}",
    "big plural": "{{ '1e1000000'|plural('x') }}",
    "tiny number": "{{ '1e-1000000'|number }}",
    "macro doubling": "{% macro d(n) %}{% if n %}{{ d(n-1) }}{{ d(n-1) }}{% else %}xxxxxxxxxx{% endif %}{% endmacro %}{{ d(40) }}",
    "loop of large values": "{% set big = 'x' * 900000 %}{% for i in range(100000) %}{% set y = big ~ i %}{% endfor %}",
    "buffered loop": "{% set x %}{% for i in range(100000) %}{{ 'y' * 900000 }}{% endfor %}{% endset %}",
    "join bomb": "{{ range(100000)|join('x' * 900000) }}",
    "replace bomb": "{{ ('a' * 100000)|replace('a', 'b' * 100000) }}",
    "batch fill": "{{ [1]|batch(1500000000, 'x')|list }}",
    "slice count": "{{ [1]|slice(1500000000)|list }}",
    "wordwrap string": "{{ ('a ' * 400000)|wordwrap(1, wrapstring='x' * 100000) }}",
    "lipsum": "{{ lipsum(1000000) }}",
    "format with many arguments": '{{ ("%s" * 50000)|format(*([facts] * 50000))|length }}',
    "format repeating one argument": '{{ ("%(a)s" * 5000)|format(a=facts) }}',
    "nested list copies": "{{ ([[1] * 1000000] * 150)|map('slice', 1)|map('list')|list|length }}",
    "membership in a nested list": "{{ ([1] * 999999 + [2]) in ([[1] * 1000000] * 1000000) }}",
    "sum of nested lists": "{{ ([[1] * 1000000] * 200)|sum(start=[])|length }}",
    "pprint": "{{ facts|pprint }}",
}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_attack_payloads_are_refused(attack, tmp_path, name):
    text = PAYLOADS[name].replace("SECRETFILE", str(tmp_path / "secret.json"))
    if "PICKLE" in text:
        text = "{% set PICKLE = '" + _pickle_payload(str(tmp_path / "pwned")) + "' %}" + text
    result = attack(text)
    assert result.returncode == 2, (result.returncode, result.stderr[-500:])
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr and "root:" not in result.stderr
    assert "t.md.j2:1:" in result.stderr, result.stderr  # located at the template line


def test_payloads_are_refused_quickly_and_without_memory(attack):
    """The worst of them, measured as a whole: refused before anything large is built."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = attack(PAYLOADS["center"])
    assert result.returncode == 2
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert max(before, after) < 600_000  # KiB: a build without the payload takes about 130 MB


def test_a_template_folder_beside_the_facts_is_announced(tmp_path):
    facts = tmp_path / "x.yaml"
    facts.write_bytes(BUNDLED.read_bytes())
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "macros.md.j2").write_bytes((BUILTIN_TEMPLATES / "macros.md.j2").read_bytes())
    result = run_cli("build", str(facts), "-o", str(tmp_path / "out"), "--format", "md")
    assert result.returncode == 0, result.stderr
    assert f"template macros.md.j2 from {tmp_path / 'templates' / 'macros.md.j2'} (beside facts)" in result.stderr
    plain = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "out2"), "--format", "md")
    assert "note: template" not in plain.stderr


def test_an_oversized_document_names_the_template_line(tmp_path):
    (tmp_path / "t.md.j2").write_text(
        '{% extends "briefing-note.md.j2" %}\n{% block purpose %}\n| A |\n|:--|\n'
        "{% for i in range(600) %}\n| row {{ i }} |\n{% endfor %}\n\n{% endblock %}\n",
        encoding="utf-8",
    )
    result = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "out"), "--template-dir", str(tmp_path),
                     "--template", "t")
    assert result.returncode == 2
    # Jinja attributes the row's text to the loop that writes it (line 5) or to the row (line 6)
    assert re.search(re.escape(str(tmp_path / "t.md.j2")) + r":[56]: a table has more than 500 rows",
                     result.stderr), result.stderr


@pytest.mark.parametrize("body, message", [
    ("{% for i in range(19000) %}Item {{ i }} lorem ipsum dolor sit amet consectetur adipiscing. {% endfor %}",
     "a paragraph, heading, list item or cell has"),
    ("{% for i in range(6000) %}\n- item {{ i }}\n{% endfor %}", "more than 5,000 blocks"),
])
def test_post_template_stages_have_limits(tmp_path, body, message):
    facts = load_facts(BUNDLED)
    (tmp_path / "t.md.j2").write_text(
        '{% extends "briefing-note.md.j2" %}\n{% block purpose %}\n' + body + "\n\n{% endblock %}\n",
        encoding="utf-8")
    from briefgen.errors import MarkupError
    from briefgen.pipeline import compose

    with pytest.raises(MarkupError, match=message) as info:
        compose(facts, date=DATE, template="t", search_path=[tmp_path, BUILTIN_TEMPLATES])
    assert info.value.problems[0].path == str(tmp_path / "t.md.j2")


def test_printing_a_huge_aliased_structure_is_refused_before_it_is_built(tmp_path):
    """A YAML alias bomb in the facts file, printed whole by a template."""
    text = BUNDLED.read_text(encoding="utf-8")
    point = '      - &p {text: "' + "lol " * 2400 + '", source: {para: 1, evidence: "lol"}}'
    points = "\n".join(["      - *p"] * 99)
    areas = f"  - id: x0\n    title: X\n    summary: S\n    points: &P\n{point}\n{points}\n" + "\n".join(
        f"  - {{id: x{i}, title: X, summary: S, points: *P}}" for i in range(1, 70))
    i = text.index("\nareas:\n") + len("\nareas:\n")
    (tmp_path / "bomb.yaml").write_text(text[:i] + areas + "\n" + text[i:], encoding="utf-8")
    (tmp_path / "t.md.j2").write_text("---\ntitle: {{ areas }}\n---\n", encoding="utf-8")
    result = run_cli("build", str(tmp_path / "bomb.yaml"), "-o", str(tmp_path / "out"), "--format", "md",
                     "--template-dir", str(tmp_path), "--template", "t")
    assert result.returncode == 2
    assert "t.md.j2:2: template limit: printing the value would build" in result.stderr


def test_ordinary_template_code_still_works(tmp_path):
    (tmp_path / "t.md.j2").write_text(
        "---\ntitle: {{ ('Note ' ~ event.title)|tojson }}\n---\n"
        "{{ note.subject|upper }} {{ note_date.isoformat() }} {{ areas|length }}\n"
        "{% for k, v in note.items() if k == 'to' %}{{ v }}{% endfor %} "
        "{{ areas|map(attribute='title')|join(', ') }} {{ '%.1f'|format(2.25) }} "
        "{{ person('aliyev').name }} {{ figures|selectattr('headline')|list|length }} "
        "{% set ns = namespace(n=0) %}{% for a in areas %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }} "
        "{{ 'a-b'.split('-')|last }} {{ event.start.year }}\n",
        encoding="utf-8")
    facts = load_facts(BUNDLED)
    out = render_markdown(facts, template="t", search_path=[tmp_path, BUILTIN_TEMPLATES], date=DATE)
    body = out.split("---\n")[2]
    assert body.startswith(facts.note.subject.upper())
    assert "2024-07-22" in body and "Ilham Aliyev" in body and " 2024\n" in body


def test_a_template_linked_from_outside_is_refused_even_as_the_main_template(tmp_path):
    outside = tmp_path / "outside.md.j2"
    outside.write_text("---\ntitle: x\n---\n" + SECRET + "\n", encoding="utf-8")
    tdir = tmp_path / "tdir"
    tdir.mkdir()
    (tdir / "note.md.j2").symlink_to(outside)
    with pytest.raises(TemplateError, match="outside the template folder"):
        render_markdown(load_facts(BUNDLED), template="note", search_path=[tdir], date=DATE)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs")
def test_a_fifo_named_as_a_template_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "t.md.j2")
    with pytest.raises(TemplateError, match="not a regular file"):
        render_markdown(load_facts(BUNDLED), template="t", search_path=[tmp_path], date=DATE)


def test_templates_folder_reader_is_bounded(tmp_path):
    (tmp_path / "t.md.j2").write_bytes(b"x" * 1_000_001)
    with pytest.raises(TemplateError, match="limit"):
        render_markdown(load_facts(BUNDLED), template="t", search_path=[tmp_path], date=DATE)


def test_templates_show_and_list_never_print_a_file_linked_from_outside(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    tdir = tmp_path / "tdir"
    tdir.mkdir()
    (tdir / "pw.md.j2").symlink_to(secret)
    shown = run_cli("templates", "show", "pw", "--template-dir", str(tdir))
    assert shown.returncode == 2 and "outside its template folder" in shown.stderr
    listed = run_cli("templates", "list", "--template-dir", str(tdir))
    assert listed.returncode == 2 and "pw.md.j2: is a link to a file outside its template folder" in listed.stderr
    assert SECRET not in shown.stdout + shown.stderr + listed.stdout + listed.stderr


def test_a_templates_folder_beside_the_facts_that_links_elsewhere_is_refused(tmp_path):
    """A bundle of facts + templates from elsewhere: templates -> / would make every file a template."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "f.yaml").write_bytes(BUNDLED.read_bytes())
    (bundle / "templates").symlink_to("/")
    (bundle / "evil.md.j2").write_text("{% include 'proc/self/environ' %}\n", encoding="utf-8")
    result = run_cli("build", str(bundle / "f.yaml"), "-o", str(tmp_path / "out"), "--format", "md",
                     "--template", str(bundle / "evil.md.j2"), env={"BRIEFGEN_TEST_TOKEN": SECRET})
    assert result.returncode == 2
    assert "the templates folder beside the facts file is a link to /; refused" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("char", ["\\x0b", "\\x00", "\\u200b", "\\u202e", "\\ufeff", "\\x85", "\\u2028"])
def test_invisible_characters_written_by_a_template_are_refused_at_its_line(tmp_path, char):
    (tmp_path / "t.md.j2").write_text("---\ntitle: x\n---\ntext\n\n{{ 'a" + char + "b' }}\n", encoding="utf-8")
    result = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "out"), "--format", "pdf,docx",
                     "--template-dir", str(tmp_path), "--template", "t")
    assert result.returncode == 2, result.stderr
    assert f"{tmp_path / 't.md.j2'}:6: the template writes the invisible character U+" in result.stderr


def test_definition_lists_count_towards_the_block_limit(tmp_path):
    (tmp_path / "t.md.j2").write_text(
        "---\ntitle: x\n---\n{% for i in range(6000) %}\nT{{ i }}\n: v\n{% endfor %}\n", encoding="utf-8")
    result = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "out"), "--format", "pdf",
                     "--template-dir", str(tmp_path), "--template", "t")
    assert result.returncode == 2 and "more than 5,000 blocks" in result.stderr


def test_errors_never_build_the_repr_of_a_huge_value(tmp_path):
    """A list of lists of megabyte strings handed to a filter: refused, message short, memory low."""
    build_lists = ('{% set l = ["x" * 999999] %}{% set a = [l, l, l, l, l, l, l, l, l, l] %}'
                   '{% set b = [a, a, a, a, a, a, a, a, a, a] %}{% set c = [b, b, b, b, b, b, b, b, b, b] %}')
    for use in ("{{ person(c) }}", "{{ c|date }}", "{{ c|money }}", "{{ c|number }}"):
        (tmp_path / "t.md.j2").write_text("---\ntitle: x\n---\n" + build_lists + use + "\n", encoding="utf-8")
        result = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "out"), "--format", "md",
                         "--template-dir", str(tmp_path), "--template", "t")
        assert result.returncode == 2, result.stderr[-300:]
        assert len(result.stderr) < 2000


@pytest.mark.parametrize("spec, message", [
    ('{"title": "T", "unit": "USD", "bars": [{"label": "a", "value": "1e308", "caption": "c"}]}', "values are at most"),
    ('{"title": "' + "x" * 5000 + '", "unit": "USD", "bars": [{"label": "a", "value": "1"}]}', "at most 300 characters"),
])
def test_hand_written_chart_blocks_are_bounded(tmp_path, spec, message):
    (tmp_path / "t.md.j2").write_text("---\ntitle: x\n---\n```chart\n" + spec + "\n```\n", encoding="utf-8")
    result = run_cli("build", str(BUNDLED), "-o", str(tmp_path / "out"), "--format", "pdf",
                     "--template-dir", str(tmp_path), "--template", "t")
    assert result.returncode == 2 and message in result.stderr, result.stderr[-300:]


def test_templates_list_never_sends_terminal_escapes(tmp_path):
    (tmp_path / "x.md.j2").write_text("{#- desc \x1b]0;pwned\x07 -#}\n---\ntitle: x\n---\n", encoding="utf-8")
    listed = run_cli("templates", "list", "--template-dir", str(tmp_path))
    shown = run_cli("templates", "show", "x", "--template-dir", str(tmp_path))
    assert "\x1b" not in listed.stdout + shown.stdout and "\\x1b]0;pwned" in listed.stdout


@pytest.mark.parametrize("stamp, message", [
    ("Copy {{ copy }} {{ '\\u202e' }}{{ name }}", "the template writes the invisible character U+202E"),
    ("Copy {{ [1]|date }}", "filter 'date'"),
])
def test_distribution_templates_are_held_to_the_same_rules(tmp_path, stamp, message):
    (tmp_path / "copy-stamp.txt.j2").write_text(stamp + "\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("name,role,organisation,email\nAisha Khan,Director,Ministry,aisha@example.org\n", encoding="utf-8")
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(tmp_path / "out"), "-f", "pdf",
                     "--template-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr[-500:]
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_broken_email_template_stops_before_anything_is_written(tmp_path):
    (tmp_path / "email-body.txt.j2").write_text("Dear {{ name }}, {{ 5|money('ZZZ') }}\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("name,role,organisation,email\nAisha Khan,Director,Ministry,aisha@example.org\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(out), "-f", "pdf", "--eml",
                     "--template-dir", str(tmp_path))
    assert result.returncode == 2 and "email-body.txt.j2" in result.stderr, result.stderr[-400:]
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("attribute", ["__class__", "nosuch"])
def test_a_missing_or_refused_value_in_a_printed_list_is_an_error_not_the_word_undefined(tmp_path, attribute):
    from conftest import BUNDLED, run_cli

    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "t.md.j2").write_text(
        f'---\ntitle: T\n---\n# T\n\n{{{{ areas|map(attribute="{attribute}")|list }}}}\n', encoding="utf-8")
    result = run_cli("build", str(BUNDLED), "--template-dir", str(folder), "-t", "t", "-f", "md",
                     "-o", str(tmp_path / "out"), "--no-check")
    assert result.returncode == 2, result.stderr
    assert "t.md.j2:6" in result.stderr and attribute in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
