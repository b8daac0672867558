"""Printable courier sheets (HTML): one A4 page per courier, per building, and what is left.

No script, a strict Content-Security-Policy, every user string HTML-escaped with
:func:`~basket_route.io.sanitise.html_text`. Pages break before every courier and
building, table headers repeat on continuation pages and rows never split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from basket_route.io.sanitise import html_text
from basket_route.io.sheets import (
    building_manifests,
    courier_sheets,
    order_flags,
    trip_load,
    unassigned_rows,
)
from basket_route.model import Scenario
from basket_route.plan import Plan

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = ["sheets_html"]

_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       font-size: 10pt; color: #000; margin: 0; }
section.page { break-after: page; page-break-after: always; padding: 4mm 0; }
section.page:last-of-type { break-after: auto; page-break-after: auto; }
h1 { font-size: 16pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 4mm 0 1mm; }
p.meta { margin: 0 0 2mm; color: #333; }
table { width: 100%; border-collapse: collapse; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.5pt solid #555; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; }
tr.stop td { background: #f4f4f4; font-weight: bold; }
tr.medicine td { font-weight: bold; } tr.medicine td:first-child { border-left: 2pt solid #000; }
td.tick { width: 6mm; }
@media screen { section.page { max-width: 186mm; margin: 0 auto 10mm; } }
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{html_text(title)}</title><style>{_CSS}</style></head>\n"
        f"<body>\n{body}</body></html>\n"
    )


def _order_cells(row: pd.Series, with_contacts: bool) -> str:
    cells = [
        '<td class="tick">☐</td>',
        f"<td>{html_text(row['unit'])}</td>",
        f'<td class="num">{row["floor"]}</td>',
        f'<td class="num">{row["bags"]}</td>',
        f'<td class="num">{row["weight_kg"]:g}</td>',
        f"<td>{html_text(row['order_id'])}</td>",
        f"<td>{html_text(' '.join(order_flags(row)))}</td>",
    ]
    if with_contacts:
        cells += [f"<td>{html_text(row['name'])}</td>", f"<td>{html_text(row['phone'])}</td>"]
    klass = ' class="medicine"' if row["medicine"] else ""
    return f"<tr{klass}>{''.join(cells)}</tr>\n"


def _head(with_contacts: bool) -> tuple[str, int]:
    names = ["✓", "Unit", "Floor", "Bags", "kg", "Order", "Flags"]
    names += ["Name", "Phone"] if with_contacts else []
    return "<thead><tr>" + "".join(f"<th>{n}</th>" for n in names) + "</tr></thead>", len(names)


def sheets_html(plan: Plan, scenario: Scenario, *, with_contacts: bool = False) -> str:
    """The printable courier sheets: one A4 page (or more) per courier.

    Then one page per building (the drop-point manifest) and a page of the orders not
    delivered in this window, with their reasons. The page has no script and a strict
    Content-Security-Policy; every user string is HTML-escaped.

    Parameters
    ----------
    plan, scenario, with_contacts
        As :func:`courier_sheets`.

    Returns
    -------
    str
        A complete HTML document.
    """
    rows = courier_sheets(plan, scenario, with_contacts=with_contacts)
    head, width = _head(with_contacts)
    title = f"{plan.scenario} — {plan.date} {plan.window}"
    parts: list[str] = []
    for vid, mine in rows.groupby("volunteer_id", sort=False):
        volunteer = scenario.volunteers[str(vid)]
        parts.append('<section class="page courier">')
        parts.append(f"<h1>{html_text(vid)} · {html_text(volunteer.name)}</h1>")
        parts.append(
            f'<p class="meta">{html_text(title)} · {html_text(volunteer.mode)} · '
            f"{mine['trip'].max()} trip(s) · {len(mine)} orders · {mine['bags'].sum()} bags</p>"
        )
        for trip, trip_rows in mine.groupby("trip", sort=True):
            first = trip_rows.iloc[0]
            bags, kg = trip_load(mine, trip)
            parts.append(
                f"<h2>Trip {trip} · {first['trip_depart']:%H:%M} → "
                f"{first['trip_return']:%H:%M} · {bags} bags · {kg:.1f} kg</h2>"
            )
            parts.append(f"<table>{head}<tbody>\n")
            for stop, stop_rows in trip_rows.groupby("stop", sort=True):
                s = stop_rows.iloc[0]
                parts.append(
                    f'<tr class="stop"><td colspan="{width}">Stop {stop} · {s["arrive"]:%H:%M} · '
                    f"{html_text(s['building'])} ({html_text(s['building_id'])}) · "
                    f"{html_text(s['drop'])}</td></tr>\n"
                )
                parts.extend(_order_cells(r, with_contacts) for _, r in stop_rows.iterrows())
            parts.append("</tbody></table>\n")
        parts.append("</section>\n")
    parts.append(_manifest_html(plan, scenario, with_contacts, title))
    parts.append(_unassigned_html(plan, scenario, title))
    return _page(title, "".join(parts))


def _manifest_html(plan: Plan, scenario: Scenario, with_contacts: bool, title: str) -> str:
    rows = building_manifests(plan, scenario, with_contacts=with_contacts)
    head, width = _head(with_contacts)
    parts: list[str] = []
    for bid, mine in rows.groupby("building_id", sort=True):
        b = mine.iloc[0]
        parts.append('<section class="page manifest">')
        parts.append(f"<h1>{html_text(b['building'])} ({html_text(bid)}) — manifest</h1>")
        parts.append(
            f'<p class="meta">{html_text(title)} · {html_text(b["drop"])} · '
            f"{len(mine)} orders · {mine['bags'].sum()} bags</p>"
        )
        parts.append(f"<table>{head}<tbody>\n")
        for (arrive, vid, trip), group in mine.groupby(
            ["arrive", "volunteer_id", "trip"], sort=True
        ):
            parts.append(
                f'<tr class="stop"><td colspan="{width}">{arrive:%H:%M} · '
                f"{html_text(vid)} {html_text(group.iloc[0]['volunteer'])} · trip {trip}</td></tr>\n"
            )
            parts.extend(_order_cells(r, with_contacts) for _, r in group.iterrows())
        parts.append("</tbody></table></section>\n")
    return "".join(parts)


def _unassigned_html(plan: Plan, scenario: Scenario, title: str) -> str:
    rows = unassigned_rows(plan, scenario)
    if not rows:
        return ""
    cols = ["order_id", "building", "unit", "priority", "reason", "detail"]
    body = "".join(
        "<tr>" + "".join(f"<td>{html_text(r[c])}</td>" for c in cols) + "</tr>\n" for r in rows
    )
    return (
        f'<section class="page unassigned"><h1>Not delivered in this window ({len(rows)})</h1>'
        f'<p class="meta">{html_text(title)}</p><table><thead><tr>'
        + "".join(f"<th>{c}</th>" for c in cols)
        + f"</tr></thead><tbody>\n{body}</tbody></table></section>\n"
    )
