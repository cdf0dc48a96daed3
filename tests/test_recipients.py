"""The recipients file: CSV as spreadsheets save it, YAML, and every bad row reported at once."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.errors import RecipientsError
from briefgen.output import safe_name, unique_names
from briefgen.recipients import load_recipients, parse_recipients


def problems_of(text: str, **kwargs) -> list[str]:
    with pytest.raises(RecipientsError) as info:
        parse_recipients(text, "people.csv", **kwargs)
    return [str(p) for p in info.value.problems]


def test_excel_csv_with_bom_semicolons_crlf_and_quoted_separators(tmp_path):
    path = tmp_path / "people.csv"
    text = ("\ufeffName;Role;Organization;E-mail;Copy\r\n"
            "Jane Doe;Minister;\"Ministry; Foreign Affairs\";jane@example.org;\r\n"
            "José Ñúñez;Ambassador;Embassy;jose@example.org;1\r\n"
            ";;;;\r\n")
    path.write_bytes(text.encode("utf-8"))
    people = load_recipients(path, require_email=True)
    assert [(p.copy, p.name, p.organisation, p.line) for p in people] == [
        (1, "José Ñúñez", "Embassy", 3),
        (2, "Jane Doe", "Ministry; Foreign Affairs", 2),
    ]
    assert people[0].source == str(path)


def test_yaml_recipients_with_formats(tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text("recipients:\n  - name: Jane Doe\n    role: Minister\n    organization: MoFA\n"
                    "    formats: [pdf]\n  - name: Ali Khan\n    email: ali@example.org\n", encoding="utf-8")
    people = load_recipients(path)
    assert [(p.name, p.organisation, p.formats, p.line) for p in people] == [
        ("Jane Doe", "MoFA", ("pdf",), 2), ("Ali Khan", "", (), 6)]


def test_every_bad_row_is_reported_at_once_with_its_line():
    text = ("name,role,organisation,email,copy\n"
            "Jane Doe,Minister,MoFA,jane@example.org,2\n"
            "\"Bad\nName\",Adviser,MoFA,bad@example.org,\n"        # line 3, a newline in the name
            f"{'x' * 300},Adviser,MoFA,long@example.org,\n"        # line 5
            "Ali Khan,Adviser,MoFA,JANE@example.org,\n"            # line 6: duplicate address
            "Sara Lee,Adviser,MoFA,sara@@example.org,2\n"          # line 7: malformed, duplicate copy
            "Tom Roe,Adviser,MoFA,,9\n"                             # line 8: no address, copy > N
            "Eve\u202eevil,Adviser,MoFA,eve@example.org,\n")        # line 9: bidi override
    found = problems_of(text, require_email=True)
    assert found == [
        "people.csv:3: name: contains a line break (each value must be on one line; remove it)",
        "people.csv:5: name: is 300 characters long; the limit is 120 (shorten it (it is printed in the "
        "footer of every page))",
        "people.csv:6: email: JANE@example.org is also given on line 2 (each recipient gets one copy: "
        "remove the duplicate row)",
        "people.csv:7: email: 'sara@@example.org' is not an e-mail address "
        "(write it as name@example.org, one address per row)",
        "people.csv:7: copy: copy number 2 is also given on line 2 (each copy number is given once)",
        "people.csv:8: email: is missing; every recipient needs an address to send or write e-mails "
        "(add an email column and fill it, or leave out --eml/--send)",
        "people.csv:8: copy: copy 9 is more than the number of recipients (7) (copies are numbered 1 to 7)",
        "people.csv:9: name: contains the invisible control character U+202E (remove it: it would change how "
        "the name reads or is stored)",
    ]


def test_addresses_are_only_required_for_email():
    people = parse_recipients("name,role\nJane Doe,Minister\n", "people.csv")
    assert people[0].email == "" and people[0].copy == 1


def test_header_problems_name_the_column():
    assert problems_of("name,rôle,emial\nJane,x,y\n") == [
        "people.csv:1:2: unknown column 'rôle' (did you mean 'role'?)",
        "people.csv:1:3: unknown column 'emial' (did you mean 'email'?)",
    ]
    assert problems_of("role,email\nMinister,a@example.org\n")[0].startswith("people.csv:1: the header has no 'name'")


def test_identical_rows_and_empty_files_are_refused():
    assert "the same recipient is given on line 2" in problems_of("name,role\nJane,Minister\nJANE,minister\n")[0]
    assert problems_of("name,role\n") == [
        "people.csv: the file has no recipients (one row per recipient, under a header row: "
        "name,role,organisation,email)"]


def test_a_file_that_is_not_utf8_gets_a_hint_for_excel(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes("name\nJosé\n".encode("cp1252"))
    with pytest.raises(RecipientsError) as info:
        load_recipients(path)
    assert "not UTF-8" in str(info.value) and "CSV UTF-8" in str(info.value)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "etc-passwd"),
    ("a/b\\c:d*?", "a-b-c-d"),
    ("..", "person"),
    ("CON", "person-CON"),
    ("nul.txt", "person-nul.txt"),
    ("José Ñúñez", "José-Ñúñez"),
    ("Line\nbreak", "Line-break"),
])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_safe_name_is_always_one_short_harmless_name(name):
    out = safe_name(name)
    assert out and out not in (".", "..") and not out.startswith((".", "-"))
    assert not any(c in out for c in "/\\:*?\"<>|\0") and all(c.isprintable() for c in out)
    assert len(out.encode("utf-8")) <= 60


def test_unique_names_are_deterministic_and_case_blind():
    assert unique_names(["a", "A", "b", "a"]) == ["a", "A-2", "b", "a-3"]


def test_excel_separator_line_is_honoured_and_lines_still_count():
    text = "sep=;\r\nname;role;email\r\nJane Doe;Minister, Foreign Affairs;jane@example.org\r\nAli;x;bad@\r\n"
    assert problems_of(text) == [
        "people.csv:4: email: 'bad@' is not an e-mail address (write it as name@example.org, one address per row)"]
    people = parse_recipients(text.replace("bad@", "ali@example.org"), "people.csv")
    assert people[0].role == "Minister, Foreign Affairs" and people[0].line == 3


def test_yaml_problems_name_their_lines(tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text("- name: Jane Doe\n  emial: jane@example.org\n- name: Ali\n  email: ali@\n- just a string\n",
                    encoding="utf-8")
    with pytest.raises(RecipientsError) as info:
        load_recipients(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:2: [0]: unknown field 'emial' (did you mean 'email'?)",
        f"{path}:4: email: 'ali@' is not an e-mail address (write it as name@example.org, one address per row)",
        f"{path}:5: [2]: a recipient is a mapping (name: ..., role: ...)",
    ]
