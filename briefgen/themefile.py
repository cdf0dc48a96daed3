"""Theme files (YAML): the schema, and turning one into a ``Theme``.

A theme file may give any subset of the fields of ``briefgen/themes/default.yaml``; the rest keep
the built-in values (the file is merged over the default theme, mappings key by key, so the
built-in values are written in one place only). Errors are reported like facts-file errors: ``file:line:column: field:
message``, all at once.
"""

from __future__ import annotations

import io
from dataclasses import replace

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefgen.errors import FactsError, Problem, ThemeError
from briefgen.files import read_bytes
from briefgen.fonts import check_outlines, cmap, embedding_problem
from briefgen.theme import DEFAULT_THEME_FILE, Theme
from briefgen.yamlload import format_path, load_yaml

__all__ = ["ThemeFile", "parse_theme", "default_theme", "load_theme"]

MAX_FONT_BYTES = 50_000_000
"""Largest font file a theme may name, in bytes (the largest Noto faces are about 20 MB)."""
MAX_LOGO_BYTES = 20_000_000
"""Largest logo file a theme may name, in bytes."""
MAX_REFERENCE_BYTES = 30_000_000
"""Largest reference Word document or template a theme may name, in bytes."""

MAX_LOGO_PIXELS = 16_000_000
"""Most pixels a logo may have (4,000 × 4,000): 200 mm wide at 500 dpi needs under 4,000 pixels
across, and a larger image costs memory and time in every build (decoded, 4 bytes a pixel)."""


def logo_problem(data: bytes) -> str | None:
    """Return why the PNG image ``data`` cannot be a logo, or None if it can: not PNG, more than
    ``MAX_LOGO_PIXELS`` (checked from the header, before any pixel is decoded), damaged or
    incomplete (it is decoded in full, which the pixel bound keeps cheap)."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # PIL warns about some damage instead of failing
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size is checked below
            with Image.open(io.BytesIO(data)) as image:
                if image.format != "PNG":
                    return f"the logo is {image.format or 'not an image'}, not PNG"
                width, height = image.size
                if width * height > MAX_LOGO_PIXELS:
                    return (f"the logo is {width:,} × {height:,} pixels; the limit is "
                            f"{MAX_LOGO_PIXELS:,} pixels (for example 4,000 × 4,000)")
                if not width or not height:
                    return "the logo has no pixels"
                image.load()
    except Image.DecompressionBombError:
        return f"the logo has more than {MAX_LOGO_PIXELS:,} pixels"
    except (OSError, SyntaxError, Warning) as e:  # what PIL raises for a foreign or damaged file
        return f"the logo is not a readable PNG image ({e})"
    except Exception:  # noqa: BLE001 - PIL fails in many ways on a damaged file (IndexError, ...)
        return "the logo is a damaged or incomplete PNG image"
    return None


Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Margins(_Model):
    """Page margins in millimetres."""

    top: float = Field(ge=5, le=80)
    right: float = Field(ge=5, le=80)
    bottom: float = Field(ge=18, le=80)
    left: float = Field(ge=5, le=80)


class FontFiles(_Model):
    """A family given by its four font files (TrueType ``.ttf``)."""

    name: str = Field(min_length=1, max_length=100)
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path


class Fonts(_Model):
    """Font families by role: a family name or four files."""

    body: str | FontFiles
    heading: str | FontFiles
    mono: str | FontFiles


class Colours(_Model):
    """Colours as ``#rrggbb``."""

    text: Colour
    heading: Colour
    accent: Colour
    muted: Colour
    rule: Colour
    table_header_fill: Colour
    classification: Colour


class ThemeFile(_Model):
    """The theme file, schema version 1."""

    schema_version: Literal[1, "1"] = Field(alias="schema")
    page_size: Literal["A4", "Letter"]
    margins_mm: Margins
    fonts: Fonts
    fallback_fonts: tuple[Path, ...]
    system_fallback: bool
    base_size_pt: float = Field(ge=6, le=24)
    line_spacing: float = Field(ge=1.0, le=3.0)
    colours: Colours
    logo: Path | None
    logo_width_mm: float = Field(gt=0, le=200)
    toc: bool
    reference_docx: Path | None = None


def _merged(base: dict, override: dict) -> dict:
    """Return ``base`` with ``override`` laid over it, mappings merged key by key."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def parse_theme(path: Path, notify=None):
    """Return the ``Theme`` described by the YAML file at ``path``. ``notify(message: str)``, if
    given, is called once before font faces are made for the first time on this machine (see
    ``fontcache.prepare``), a step of several seconds.

    Raises FactsError (the caller re-badges it as ThemeError) for YAML, schema or file problems.
    """
    from briefgen.errors import ThemeError
    from briefgen.facts import read_yaml_file, validation_problems
    from briefgen.theme import FontFamily, Theme, resolve_family

    from briefgen.theme import DEFAULT_THEME_FILE

    shown = str(path)
    try:
        text = read_yaml_file(path)
    except FactsError as e:
        raise FactsError(problems=[replace(p, message=f"the theme file {p.message}",
                                           hint="--theme takes a YAML file; see docs/themes.md")
                                   if p.message.startswith(("is ", "cannot")) else p
                                   for p in e.problems]) from None
    data, positions = load_yaml(text, shown)
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise FactsError("a theme file is a mapping of fields", path=shown, line=1)
    if Path(path).resolve() != DEFAULT_THEME_FILE:
        # What the file leaves out keeps the built-in value: merge it over the default theme.
        defaults, _ = load_yaml(read_yaml_file(DEFAULT_THEME_FILE), str(DEFAULT_THEME_FILE))
        data = _merged(defaults, data)
    problems: list[Problem] = []
    try:
        spec = ThemeFile.model_validate(data)
    except ValidationError as e:
        problems += validation_problems(e, data, positions, shown, ThemeFile)
        spec = None

    base = path.resolve().parent
    references: dict[tuple, bytes] = {}

    def where(field: tuple) -> tuple:
        return positions.values.get(field) or positions.of(field)

    def locate(p: Path, field: tuple, kind: str = "font") -> Path | None:
        full = p if p.is_absolute() else base / p
        name = format_path(field)
        if not full.exists():
            problems.append(Problem("no such file", shown, *where(field), name, f"looked for {full}"))
            return None
        try:  # through the one bounded reader: a regular file of sane size, never a device or pipe
            data = read_bytes(full, limit={"font": MAX_FONT_BYTES, "image": MAX_LOGO_BYTES}.get(kind, MAX_REFERENCE_BYTES),
                              error=ThemeError)
        except ThemeError as e:
            problems.append(Problem(e.problems[0].message, shown, *where(field), name, f"looked for {full}"))
            return None
        if kind == "font":
            try:
                if data[:4] not in (b"\x00\x01\x00\x00", b"true"):
                    raise ValueError("not a TrueType (.ttf) font: only TrueType outlines can be embedded")
                cmap(full)
            except (OSError, ValueError):
                problems.append(Problem(f"{full.name} is not a usable TrueType font", shown, *where(field), name,
                                        "give a TrueType .ttf file"))
                return None
            try:
                check_outlines(full)
            except (OSError, ValueError) as e:
                problems.append(Problem(f"{full.name} is a damaged font: {e}", shown, *where(field), name,
                                        "install the font again from its source, or give another .ttf file"))
                return None
            licence = embedding_problem(full)
            if licence:
                # Every font briefgen uses is embedded (as a subset) in the PDF and the DOCX.
                problems.append(Problem(f"{full.name} cannot be used: {licence}", shown, *where(field), name,
                                        "use a font whose licence allows embedding (the Noto fonts briefgen "
                                        "ships do), or ask the font's vendor"))
                return None
        elif kind == "docx":
            from briefgen.render.reference import reference_bytes

            try:
                references[field] = reference_bytes(data)
            except ValueError as e:
                problems.append(Problem(f"{full.name} cannot be used as the reference document: {e}", shown,
                                        *where(field), name, "give a Word document (.docx) or template (.dotx)"))
                return None
        else:
            problem = logo_problem(data)
            if problem:
                problems.append(Problem(problem, shown, *where(field), name,
                                        "export the logo as PNG, 600 to 4,000 pixels wide"))
                return None
        return full

    def family(value, role: str):
        if isinstance(value, str):
            try:
                return resolve_family(value)
            except ThemeError as e:
                problems.append(Problem(e.problems[0].message, shown, *where(("fonts", role)), f"fonts.{role}",
                                        e.problems[0].hint))
                return None
        files = {s: locate(getattr(value, s), ("fonts", role, s)) for s in ("regular", "bold", "italic", "bold_italic")}
        if None in files.values():
            return None
        # The regular file named again for another face: bold or italic text would silently come
        # out in the regular face. Refused, naming the faces the family lacks.
        same = [s for s in ("bold", "italic", "bold_italic") if files[s].resolve() == files["regular"].resolve()]
        if same:
            faces = ", ".join(f.replace("_", " ") for f in same)
            problems.append(Problem(
                f"the font family {value.name!r} has no {faces} face: the regular file is named for it",
                shown, *where(("fonts", role, same[0])), f"fonts.{role}.{same[0]}",
                "give the family's own bold and italic files, or pick a family that has them"))
            return None
        return FontFamily(value.name, **files)

    if spec is None:
        # Invalid fields: still check every file the theme names, so all problems come in one round.
        def text_at(*keys):
            value = data
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            return value if isinstance(value, str) else None

        if text_at("logo"):
            locate(Path(text_at("logo")), ("logo",), "image")
        for role in ("body", "heading", "mono"):
            for face in ("regular", "bold", "italic", "bold_italic"):
                if text_at("fonts", role, face):
                    locate(Path(text_at("fonts", role, face)), ("fonts", role, face))
        for i, item in enumerate(data.get("fallback_fonts") or () if isinstance(data.get("fallback_fonts"), list) else ()):
            if isinstance(item, str):
                locate(Path(item), ("fallback_fonts", i))
        raise FactsError(problems=sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    _prepare_fonts([name for role in ("body", "heading", "mono")
                    if isinstance(name := getattr(spec.fonts, role), str)], notify)
    fonts = {role: family(getattr(spec.fonts, role), role) for role in ("body", "heading", "mono")}
    fallbacks = tuple(p for i, f in enumerate(spec.fallback_fonts) if (p := locate(f, ("fallback_fonts", i))))
    logo = locate(spec.logo, ("logo",), "image") if spec.logo else None
    if spec.reference_docx:
        locate(spec.reference_docx, ("reference_docx",), "docx")
    if problems:
        raise FactsError(problems=problems)
    m, c = spec.margins_mm, spec.colours
    return Theme(
        page_size=spec.page_size,
        margins_mm=(m.top, m.right, m.bottom, m.left),
        body_font=fonts["body"],
        heading_font=fonts["heading"],
        mono_font=fonts["mono"],
        fallback_fonts=fallbacks,
        system_fallback=spec.system_fallback,
        base_size_pt=spec.base_size_pt,
        line_spacing=spec.line_spacing,
        text_colour=c.text,
        heading_colour=c.heading,
        accent_colour=c.accent,
        muted_colour=c.muted,
        rule_colour=c.rule,
        table_header_fill=c.table_header_fill,
        classification_colour=c.classification,
        logo=logo,
        logo_width_mm=spec.logo_width_mm,
        toc=spec.toc,
        source=shown,
        reference_docx=references.get(("reference_docx",)),
    )


def _prepare_fonts(names: list[str], notify) -> None:
    """Make the faces the families ``names`` lack, all at once and in parallel, before they are
    resolved one by one. A failure is left for ``resolve_family`` to report against its field."""
    from briefgen.fontcache import prepare

    try:
        prepare(names, notify)
    except (OSError, ValueError):
        pass


def default_theme(*, notify=None) -> Theme:
    """Return the built-in theme (``briefgen/themes/default.yaml``): A4, Noto Serif body, Noto
    Sans headings, navy accents. ``notify`` as for ``load_theme``."""
    return load_theme(DEFAULT_THEME_FILE, notify=notify)


def load_theme(path: str | Path, *, notify=None) -> Theme:
    """Return the theme in the YAML file at ``path``; fields it leaves out keep the built-in
    values. Relative font and logo paths are relative to the theme file's folder.
    ``notify(message: str)``, if given, is called once before font faces are made for the first
    time on this machine (several seconds; the CLI prints it as a note).

    Raises ThemeError listing every problem (file:line, field) at once.
    """
    from briefgen.errors import FactsError

    try:
        return parse_theme(Path(path), notify)
    except FactsError as e:  # the YAML layer reports with FactsError; re-badge it
        raise ThemeError(problems=e.problems) from None
