"""Subcommands for what coordinators and couriers hold: ``sheets``, ``map``, ``intake``.

Registered by :mod:`basket_route.cli` through ``COMMAND_MODULES``. Exit status: 0 done,
1 done but some intake lines need a person (listed), 2 unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register", "write_demo_extras"]

EXIT_OK, EXIT_ATTENTION, EXIT_INPUT = 0, 1, 2


def register(sub: Any) -> None:
    """Add the ``sheets``, ``map`` and ``intake`` parsers to SUB (argparse subparsers)."""
    s = sub.add_parser(
        "sheets", help="write courier sheets (HTML/CSV/Excel/text) and drop-point manifests"
    )
    s.add_argument("plan", type=Path, help="plan JSON file")
    s.add_argument("scenario", type=Path, help="scenario folder the plan was made for")
    s.add_argument("-o", "--output", type=Path, required=True, help="folder to write")
    s.add_argument(
        "--with-contacts",
        action="store_true",
        help="include households' names and phone numbers (personal data; off by default)",
    )
    s.add_argument(
        "--format",
        default=None,
        help="comma-separated: html,csv,txt,xlsx (default: all; xlsx when openpyxl is installed)",
    )
    s.set_defaults(func=_cmd_sheets)

    m = sub.add_parser("map", help="draw a plan on an HTML map (needs folium)")
    m.add_argument("plan", type=Path, help="plan JSON file")
    m.add_argument("scenario", type=Path, help="scenario folder the plan was made for")
    m.add_argument("-o", "--output", type=Path, required=True, help="HTML file to write")
    m.add_argument(
        "--tiles",
        default="auto",
        help="tile set for lat/lon scenarios, or 'none' (default: OpenStreetMap; planar: none)",
    )
    m.add_argument(
        "--offline",
        nargs="?",
        type=Path,
        const=Path("/usr/share/javascript/leaflet"),
        default=None,
        metavar="LEAFLET_DIR",
        help="inline leaflet.js/.css from LEAFLET_DIR (default: Debian's libjs-leaflet folder)",
    )
    m.add_argument("--no-names", action="store_true", help="show volunteer ids only, no names")
    m.set_defaults(func=_cmd_map)

    i = sub.add_parser(
        "intake", help="read orders from a chat-group list or an Excel sheet into orders.csv"
    )
    i.add_argument("source", help="the list: a text file, '-' for standard input, or an .xlsx")
    i.add_argument("--scenario", type=Path, required=True, help="scenario folder")
    i.add_argument("-o", "--output", type=Path, required=True, help="orders CSV file to write")
    i.add_argument("--date", default=None, help="ISO date (default: from the list header)")
    i.add_argument("--window", default=None, help="window name (default: from the list header)")
    i.add_argument("--items", type=Path, default=None, help="item table CSV (item,unit,kg)")
    i.add_argument("--prefix", default=None, help="order id prefix (default C, X for Excel)")
    i.add_argument("--sheet", default=None, help="worksheet of an .xlsx (default: the first)")
    i.add_argument(
        "--kg-per-bag", type=float, default=4.0, help="bags = ceil(kg / this) (default 4)"
    )
    i.add_argument("--quiet", action="store_true", help="print only the lines not read")
    i.set_defaults(func=_cmd_intake)


def _err(message: str) -> None:
    print(f"basket-route: {message}", file=sys.stderr)


def _load(plan_path: Path, scenario_dir: Path) -> tuple[Any, Any]:
    from basket_route.io.scenario import load_scenario
    from basket_route.plan import Plan

    return Plan.from_json(plan_path), load_scenario(scenario_dir)


def _cmd_sheets(args: argparse.Namespace) -> int:
    from basket_route.io.sheets import write_sheets

    formats = args.format.split(",") if args.format else None
    try:
        plan, scenario = _load(args.plan, args.scenario)
        files = write_sheets(
            plan, scenario, args.output, with_contacts=args.with_contacts, formats=formats
        )
    except (OSError, ImportError, ValueError) as exc:
        _err(str(exc))
        return EXIT_INPUT
    print(f"wrote {len(files)} files to {args.output}")
    return EXIT_OK


def _cmd_map(args: argparse.Namespace) -> int:
    from basket_route.maps import write_map

    tiles = None if str(args.tiles).lower() == "none" else args.tiles
    try:
        plan, scenario = _load(args.plan, args.scenario)
        path = write_map(
            plan,
            scenario,
            args.output,
            tiles=tiles,
            leaflet_dir=args.offline,
            volunteer_names=not args.no_names,
        )
    except (OSError, ImportError, ValueError) as exc:
        _err(str(exc))
        return EXIT_INPUT
    print(f"wrote {path}")
    return EXIT_OK


def _cmd_intake(args: argparse.Namespace) -> int:
    from basket_route.io.intake import parse_chat
    from basket_route.io.intake_excel import read_orders_excel
    from basket_route.io.items import ItemTable
    from basket_route.io.scenario import load_scenario
    from basket_route.io.tables import decode

    scenario = load_scenario(args.scenario)  # ScenarioError: reported by cli.main
    options: dict[str, Any] = {"date": args.date, "window": args.window}
    options["kg_per_bag"] = args.kg_per_bag
    if args.prefix:
        options["prefix"] = args.prefix
    try:
        if args.items is not None:
            options["items"] = ItemTable.from_csv(args.items)
        if args.source.lower().endswith((".xlsx", ".xlsm")):
            intake = read_orders_excel(args.source, scenario, sheet=args.sheet, **options)
        else:
            data = sys.stdin.buffer.read() if args.source == "-" else Path(args.source).read_bytes()
            if len(data) > 5 * 1024 * 1024:
                raise ValueError("a chat list larger than 5 MB is not read")
            text, _ = decode(data, args.source)
            intake = parse_chat(text, scenario, **options)
        intake.to_csv(args.output)
    except (OSError, ImportError, ValueError) as exc:
        _err(str(exc))
        return EXIT_INPUT
    except KeyError as exc:  # an unknown window
        _err(str(exc.args[0]))
        return EXIT_INPUT
    if not args.quiet:
        kg = sum(o.weight_kg for o in intake.orders)
        medicine = sum(1 for o in intake.orders if o.priority.value == "medicine")
        print(
            f"{len(intake.orders)} orders ({kg:.1f} kg, {medicine} medicine) for "
            f"{intake.date} {intake.window}; {len(intake.unparsed)} "
            f"line{'' if len(intake.unparsed) == 1 else 's'} not read"
        )
    for line in intake.unparsed:
        print(line)
    if not args.quiet:
        print(f"wrote {args.output}")
    return EXIT_ATTENTION if intake.unparsed else EXIT_OK


def write_demo_extras(
    plan_path: Path, scenario_dir: Path, out_dir: Path, *, quiet: bool = False
) -> list[Path]:
    """After ``basket-route demo``: courier sheets and (with folium) a map beside plan.json.

    Parameters
    ----------
    plan_path
        The demo's plan file.
    scenario_dir
        The demo's scenario folder.
    out_dir
        Where ``sheets/`` and ``map.html`` are written.
    quiet
        Print nothing. Default False.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from basket_route.io.sheets import write_sheets
    from basket_route.maps import DEBIAN_LEAFLET, write_map

    plan, scenario = _load(plan_path, scenario_dir)
    files: list[Path] = []
    try:  # the plan is written already: a problem here must not fail the demo
        files += write_sheets(plan, scenario, out_dir / "sheets", formats=("html", "csv", "txt"))
        offline = DEBIAN_LEAFLET if (DEBIAN_LEAFLET / "leaflet.js").is_file() else None
        files.append(write_map(plan, scenario, out_dir / "map.html", leaflet_dir=offline))
    except ImportError:
        if not quiet:
            print("map skipped: pip install 'basket-route[maps]' for folium")
    except (OSError, ValueError) as exc:
        _err(f"warning: courier sheets or map not written: {exc}")
    if not quiet:
        print(
            f"wrote courier sheets to {out_dir / 'sheets'}"
            + (", map.html" if any(f.name == "map.html" for f in files) else "")
        )
    return files
