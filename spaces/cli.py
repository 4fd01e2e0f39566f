"""The command line: ``python -m spaces init | import | validate | summary | export | undo | info | roles | audit``."""

from __future__ import annotations

import argparse
import codecs
import os
import sys
from datetime import date
from pathlib import Path

from spaces.intake import Known, validate_file
from spaces.planning.calendar import (
    TODAY_VARIABLE,
    final_from,
    is_provisional,
    latest_final_year,
    today_in_beijing,
)
from spaces.planning.consistency import indicator_warnings
from spaces.planning.summary import SAMPLE_NOTICE_EN, build_summary
from spaces.reference.districts import DISTRICT_ADCODES
from spaces.reference.i18n import counted
from spaces.reference.mujun_method import METHOD_VARIABLE, load_method
from spaces.reference.schema import layer_names, load_schemas
from spaces.reference.targets import PLAN_END_YEAR, PLAN_START_YEAR
from spaces.store import GRANTABLE, ROLE_NAMES, describe_store, dumps, local_actor, open_store

from .errors import ReadError, SpacesError, ValidationError
from .sample import DEFAULT_PLOTS, DEFAULT_SEED, MAX_PLOTS, build_sample, default_allocation_layer

EXIT_ERROR = 1
EXIT_INVALID = 2
# The summary formats of the export registry (a test checks they agree): the export registry pulls in
# openpyxl and pyogrio (matplotlib only for briefs), start-up time that init, import and validate do not need.
SUMMARY_FORMATS = ("csv", "json", "xlsx")
YEAR_HELP = (f"default: the latest year whose statistics are final (a year is final from 1 April of the next); "
             f"${TODAY_VARIABLE}=YYYY-MM-DD reads the figures as on that day")


METHOD_HELP = (f"the 亩均 evaluation method (a TOML file like geodata/mujun.toml); default: ${METHOD_VARIABLE}, "
               "else the shipped illustrative one")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m spaces", description="宁波产业空间 store and summaries")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="create or reset the store")
    init.add_argument("--store", help="GeoPackage path (default: $SPACES_STORE or data/spaces.gpkg)")
    kind = init.add_mutually_exclusive_group(required=True)
    kind.add_argument("--sample", action="store_true", help="fill it with the simulated sample dataset")
    kind.add_argument("--empty", action="store_true", help="create it with empty layers")
    init.add_argument("--plots", type=_plot_count, default=DEFAULT_PLOTS,
                      help=f"sample plots (default %(default)s, at most {MAX_PLOTS:,})")
    init.add_argument("--seed", type=int, default=DEFAULT_SEED, help=argparse.SUPPRESS)

    for name, text in (("import", "validate FILE and upsert it into a layer"),
                       ("validate", "check FILE as `import` would, writing nothing")):
        command = commands.add_parser(name, help=text)
        command.add_argument("file")
        command.add_argument("--layer", required=True, choices=layer_names())
        command.add_argument("--crs", help="CRS of the coordinates: EPSG:4326, EPSG:4490, EPSG:4549 …, gcj02, bd09")
        command.add_argument("--store", help="the store whose plots and parks enterprise rows may name"
                             if name == "validate" else None)

    summary = commands.add_parser("summary", help="attainment per district and for the city")
    summary.add_argument("--store")
    summary.add_argument("--year", type=int, choices=range(PLAN_START_YEAR, PLAN_END_YEAR + 1),
                         metavar=f"{{{PLAN_START_YEAR}..{PLAN_END_YEAR}}}", help=YEAR_HELP)
    summary.add_argument("--format", choices=SUMMARY_FORMATS, default="csv")
    summary.add_argument("--out", help="write to this file instead of stdout")
    summary.add_argument("--method", help=METHOD_HELP)

    export = commands.add_parser("export", help="district summaries, filtered features or the printable brief")
    export.add_argument("kind", choices=("summary", "features", "brief", "mujun"))
    export.add_argument("format", help="summary: csv, xlsx, json; features: geojson, gpkg, shp-zip; brief: pdf, html; "
                        "mujun (the 亩均 class list): csv, xlsx")
    export.add_argument("--method", help=METHOD_HELP)
    export.add_argument("--store")
    export.add_argument("--year", type=int, choices=range(PLAN_START_YEAR, PLAN_END_YEAR + 1),
                        metavar=f"{{{PLAN_START_YEAR}..{PLAN_END_YEAR}}}", help=YEAR_HELP)
    export.add_argument("--district", action="append", default=[], type=_district,
                        help="a Ningbo district's adcode (330203 …); repeat for several")
    export.add_argument("--industry", action="append", default=[], help="repeat for several")
    export.add_argument("--level", action="append", default=[], choices=("national", "provincial", "municipal"))
    export.add_argument("--status", action="append", default=[], choices=("pending", "in_progress", "reclaimed"))
    export.add_argument("--inside-parks", action="store_true", help="only what lies inside the selected parks")
    export.add_argument("--language", choices=("zh", "en"), default="zh")
    export.add_argument("--out", help="file to write (default: the export's own name in this folder)")

    undo = commands.add_parser("undo", help="undo the last import or status update")
    undo.add_argument("--store")

    info = commands.add_parser("info", help="what the store holds")
    info.add_argument("--store")

    roles = commands.add_parser("roles", help="who may change what in the app: list, grant or revoke a role "
                                "(the CLI acts as the OS user, an admin)")
    roles.add_argument("action", choices=("list", "grant", "revoke"))
    roles.add_argument("user", nargs="?", help="the e-mail address (or subject) the identity provider signs them in as")
    roles.add_argument("--role", choices=ROLE_NAMES, help="grant: viewer, editor (needs --district) or admin")
    roles.add_argument("--district", action="append", default=[], type=_grantable,
                       help="an editor's district adcode (330203 …, or 330200 for city-wide rows); repeat for several")
    roles.add_argument("--store")

    audit = commands.add_parser("audit", help="the audit trail: who changed what, when, from which file")
    audit.add_argument("--store")
    audit.add_argument("--out", help="write CSV to this file instead of stdout")
    return parser


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return number


def _plot_count(text: str) -> int:
    number = _positive(text)
    if number > MAX_PLOTS:
        raise argparse.ArgumentTypeError(f"at most {MAX_PLOTS:,} sample plots, got {text!r}")
    return number


def _grantable(text: str) -> str:
    if text.strip() not in GRANTABLE:
        raise argparse.ArgumentTypeError(f"not a district an editor can be granted: {text!r} "
                                         f"(one of {', '.join(GRANTABLE)})")
    return text.strip()


def _district(text: str) -> str:
    # Checked before any work: an unknown code made an empty export named after the raw value.
    if text.strip() not in DISTRICT_ADCODES:
        raise argparse.ArgumentTypeError(f"not a Ningbo district's adcode: {text!r} (one of {', '.join(DISTRICT_ADCODES)})")
    return text.strip()


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def _init(args) -> int:
    store = open_store(args.store)
    if args.sample:
        _warn(f"building the sample dataset ({args.plots} plots, seed {args.seed}) …")
        store.initialise(build_sample(plots=args.plots, seed=args.seed), dataset="sample", actor=local_actor())
    else:
        store.initialise({"allocations": default_allocation_layer()}, dataset="empty", actor=local_actor())
    _warn(f"initialised {store.location} ({'sample' if args.sample else 'empty'})")
    return 0


def _report(intake) -> None:
    for problem in intake.warnings:
        _warn(str(problem))


def _known(store, layer: str) -> Known | None:
    """The store's plots and parks, for a layer whose rows point to them (enterprises); None otherwise."""
    if load_schemas()[layer].geometry_optional_when is None or not store.exists():
        return None
    return Known.from_layers({name: store.read_layer(name) for name in ("plots", "parks")})


def _validate(args) -> int:
    intake = validate_file(args.file, args.layer, crs=args.crs, known=_known(open_store(args.store), args.layer))
    _report(intake)
    _warn(f"{args.file}: {counted(len(intake.frame), 'row', 'rows')} valid for layer {args.layer!r} "
          f"({counted(len(intake.warnings), 'warning', 'warnings')}); nothing written")
    return 0


def _import(args) -> int:
    store = open_store(args.store)
    if not store.exists():
        raise SpacesError(f"{store.location}: no store here; run `python -m spaces init --empty` first")
    intake = validate_file(args.file, args.layer, crs=args.crs, known=_known(store, args.layer))
    _report(intake)
    counts = store.upsert(intake, actor=local_actor())
    _warn(f"{args.file} → {args.layer}: {counts.added} added, {counts.updated} updated, "
          f"{counts.unchanged} unchanged")
    return 0


def _year(args) -> tuple[int, date]:
    """The year asked for (default: the latest final year) and the date the figures are read on."""
    today = today_in_beijing()
    year = latest_final_year(today=today) if args.year is None else args.year
    if is_provisional(year, today=today):
        _warn(f"note: {year} is provisional (in progress): its statistics are final from {final_from(year)}")
    return year, today


def _use_method(args) -> None:
    """``--method FILE``: checked now (a bad file stops the command), then used as ``$SPACES_MUJUN_METHOD``."""
    if args.method:
        load_method(args.method)
        os.environ[METHOD_VARIABLE] = str(Path(args.method).resolve())


def _summary(args) -> int:
    if args.format == "xlsx" and not args.out:
        raise SpacesError("xlsx is binary: pass --out FILE.xlsx")
    _use_method(args)
    from spaces.exports import SUMMARY_EXPORTERS  # only `summary` needs the exports (see SUMMARY_FORMATS)

    year, today = _year(args)
    store = open_store(args.store)
    layers = store.read_all()
    summary = build_summary(layers, year=year, store=store.location, today=today)
    if summary.is_sample:
        _warn(f"note: {SAMPLE_NOTICE_EN}")
    for questioned in indicator_warnings(layers):
        _warn(f"warning: {questioned.text('en')}")
    payload = SUMMARY_EXPORTERS[args.format](summary)
    if args.out:
        Path(args.out).write_bytes(payload)
        _warn(f"wrote {args.out}")
    else:
        # The CSV exporter starts with a byte-order mark for Excel; a pipe to other programs needs none.
        sys.stdout.buffer.write(payload.removeprefix(codecs.BOM_UTF8))
        sys.stdout.flush()
    return 0


def _export(args) -> int:
    from spaces.exports import export  # here, not at the top: see SUMMARY_FORMATS
    from spaces.planning.filters import Filters

    _use_method(args)
    year, today = _year(args)
    store = open_store(args.store)
    filters = Filters(year=year, industries=tuple(args.industry), districts=tuple(args.district),
                      levels=tuple(args.level), statuses=tuple(args.status), inside_parks=args.inside_parks)
    result = export(args.kind, args.format, store.read_all(), filters=filters, store=store.location,
                    language=args.language, today=today)
    out = Path(args.out or result.filename)
    out.write_bytes(result.data)
    _warn(f"wrote {out} ({len(result.data):,} bytes; {filters.summary_line()})")
    return 0


def _undo(args) -> int:
    entry = open_store(args.store).undo_last(actor=local_actor())
    _warn(f"undone: {entry.file} → {entry.layer} ({entry.time}; {entry.added} added, {entry.updated} updated)")
    return 0


def _roles(args) -> int:
    store = open_store(args.store)
    if args.action == "list":
        roles = store.roles()
        for row in roles.itertuples(index=False):
            print(f"{row.user}\t{row.role}\t{row.districts or '-'}\t(granted by {row.granted_by}, {row.granted_at})")
        _warn(f"{len(roles)} user(s) with a role; everyone else who signs in is a viewer")
        return 0
    if not args.user:
        raise SpacesError(f"roles {args.action}: name the user (their e-mail address or subject)")
    if args.action == "grant":
        if not args.role:
            raise SpacesError("roles grant: say which --role (viewer, editor or admin)")
        name = store.set_role(args.user, args.role, args.district, actor=local_actor())
        _warn(f"{name}: {args.role}" + (f" of {', '.join(args.district)}" if args.district else ""))
    else:
        name = store.set_role(args.user, None, actor=local_actor())
        _warn(f"{name}: role removed (a viewer when signed in)")
    return 0


def _audit(args) -> int:
    from spaces.exports.cells import csv_bytes  # here, not at the top: see SUMMARY_FORMATS

    payload = csv_bytes(open_store(args.store).audit_log(), bom=bool(args.out))
    if args.out:
        Path(args.out).write_bytes(payload)
        _warn(f"wrote {args.out}")
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    return 0


def _info(args) -> int:
    print(dumps(describe_store(open_store(args.store))))
    return 0


COMMANDS = {"init": _init, "validate": _validate, "import": _import, "summary": _summary, "export": _export,
            "undo": _undo, "info": _info, "roles": _roles, "audit": _audit}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ValidationError as exc:
        for problem in exc.problems:
            _warn(str(problem))
        _warn(f"{exc.file}: rejected with {counted(len(exc.errors), 'error', 'errors')}; nothing was written")
        return EXIT_INVALID
    except ReadError as exc:  # a file that cannot be read is rejected like one that fails validation
        _warn(f"error: {exc}")
        return EXIT_INVALID
    except SpacesError as exc:
        _warn(f"error: {exc}")
        return EXIT_ERROR
    except OSError as exc:  # e.g. --out in a folder that does not exist, a store that cannot be written
        _warn(f"error: {exc}")
        return EXIT_ERROR
