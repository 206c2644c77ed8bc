"""`flask translate`: keep the zh catalog complete for our strings and Flask-AppBuilder's.

Workflow after adding or changing a user-visible string::

    flask translate extract && flask translate update   # new entries appear untranslated
    $EDITOR translations/zh/LC_MESSAGES/messages.po       # fill in every empty msgstr
    flask translate missing                              # lists what is still untranslated
    flask translate compile                              # `make run` / `make test` also compile

``python -m app.i18n extract`` (etc.) does the same without building the application.

FAB's own zh catalog is old and incomplete, so ``extract`` also collects FAB's strings and puts
them in our template: our catalog must translate every string a user sees.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
BABEL_CFG = TRANSLATIONS / "babel.cfg"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("zh",)
KEYWORDS = ("_l", "lazy_gettext", "_")
# FAB marks strings with these; "__" is its alias in a few modules.
FAB_KEYWORDS = {"_": None, "__": None, "_l": None, "lazy_gettext": None, "gettext": None,
                "lazy_formatter_gettext": (1,), "ngettext": (1, 2), "lazy_ngettext": (1, 2)}
FAB_METHOD_MAP = [
    ("translations/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
FAB_OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.do,jinja2.ext.loopcontrols"}}


def po_path(locale: str = "zh") -> Path:
    """Return the path of a locale's catalog."""
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def fab_package_dir() -> Path:
    """Return the directory of the installed Flask-AppBuilder package."""
    import flask_appbuilder

    return Path(flask_appbuilder.__file__).resolve().parent


def extract_own(method_map_file: Path = BABEL_CFG) -> Catalog:
    """Extract the messages of our own sources (app/**.py, app/templates/**.html) into a catalog."""
    from babel.messages.frontend import parse_mapping_cfg

    with open(method_map_file, encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)
    # the same keywords as the pybabel run of `extract`: its defaults plus ours
    keywords = {**DEFAULT_KEYWORDS, **{k: None for k in KEYWORDS}}
    return _collect(ROOT, method_map, options_map, keywords)


def extract_fab() -> Catalog:
    """Extract Flask-AppBuilder's messages (Python and templates) into a catalog."""
    return _collect(fab_package_dir(), FAB_METHOD_MAP, FAB_OPTIONS, FAB_KEYWORDS, prefix="flask_appbuilder/")


def _collect(dirname: Path, method_map, options_map, keywords, prefix: str = "") -> Catalog:
    catalog = Catalog(project="physician-registry", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(dirname), method_map, options_map, keywords=keywords, comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(prefix + filename, lineno)], auto_comments=comments, context=context)
    return catalog


@click.group("translate")
def translate() -> None:
    """Maintain the message catalogs (ours plus Flask-AppBuilder's strings)."""


@translate.command("extract")
def extract() -> None:
    """Write translations/messages.pot from our sources and Flask-AppBuilder's."""
    # The plain pybabel run over our sources (same as `pybabel extract -F translations/babel.cfg ...`)...
    cwd = os.getcwd()
    os.chdir(ROOT)  # locations in the template are relative to the project root
    try:
        _pybabel("extract", "-F", "translations/babel.cfg", *[a for k in KEYWORDS for a in ("-k", k)],
                 "--add-comments", "TRANSLATORS:", "-w", "100", "--project", "physician-registry",
                 "-o", "translations/messages.pot", ".")
    finally:
        os.chdir(cwd)
    # ...then FAB's strings, so that `update` keeps them in our catalog.
    with open(POT, "rb") as fileobj:
        pot = read_po(fileobj)
    added = 0
    for message in extract_fab():
        if message.id and pot.get(message.id, message.context) is None:
            pot.add(message.id, None, list(message.locations), context=message.context)
            added += 1
    with open(POT, "wb") as fileobj:
        write_po(fileobj, pot, width=100)
    click.echo(f"{POT.relative_to(ROOT)}: {len(pot)} messages ({added} from Flask-AppBuilder)")


@translate.command("update")
def update() -> None:
    """Merge messages.pot into every catalog; new messages appear untranslated, obsolete ones go."""
    for locale in LOCALES:
        _pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale,
                 "--no-fuzzy-matching", "--ignore-obsolete", "-w", "100")
    _report_missing()


@translate.command("compile")
def compile_() -> None:
    """Compile the catalogs to .mo files (fuzzy entries are left out)."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


@translate.command("missing")
def missing() -> None:
    """List the untranslated and fuzzy messages of every catalog (exit 1 if any)."""
    if _report_missing():
        raise SystemExit(1)


def register_translate_cli(app: Flask) -> None:
    """Add the ``flask translate`` group (extract, update, compile, missing) to ``app``."""
    app.cli.add_command(translate)


def _pybabel(*args: str) -> None:
    """Run one pybabel command in-process (the same code as the ``pybabel`` script)."""
    CommandLineInterface().run(["pybabel", "-q", *args])


def untranslated(locale: str = "zh") -> list:
    """Return the catalog's messages that are untranslated or fuzzy."""
    with open(po_path(locale), "rb") as fileobj:
        catalog = read_po(fileobj)
    return [
        m for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]


def _report_missing() -> int:
    total = 0
    for locale in LOCALES:
        todo = untranslated(locale)
        total += len(todo)
        click.echo(f"{po_path(locale).relative_to(ROOT)}: {len(todo)} untranslated or fuzzy")
        for message in todo:
            click.echo(f"  {message.id!r}")
    return total


if __name__ == "__main__":
    translate()
