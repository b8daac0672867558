"""Service statistics from the ledger: tables (pandas), a short report, charts.

Thin: everything is computed from the ledger's tables; nothing is planned here. The totals
reconcile by construction and are checked: every order received is delivered, pending
(planned or carried over), cancelled or failed.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from basket_route.ledger import Ledger, LedgerError
from basket_route.volunteers import workload_from

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = ["ServiceStats", "service_stats"]

_WINDOW_COUNTS = [
    "orders_received",
    "carried_in",
    "planned",
    "delivered",
    "failed_at_door",
    "carried_over",
    "cancelled",
    "failed",
    "households_served",
    "household_deliveries",
    "volunteer_windows",
    "trips",
]
_WINDOW_MEASURES = ["kg_delivered", "distance_km", "volunteer_minutes"]
_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
)


def _count(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    import pandas as pd

    return frame.groupby(keys).size() if len(frame) else pd.Series(dtype="int64")


@dataclass(frozen=True, slots=True)
class ServiceStats:
    """Service statistics of one ledger; build it with :func:`service_stats`.

    Attributes
    ----------
    scenario : str
        The scenario's name.
    orders, events, trips, shifts, windows, carried : pandas.DataFrame
        The ledger's tables as read (see :class:`~basket_route.Ledger`).
    """

    scenario: str
    orders: pd.DataFrame
    events: pd.DataFrame
    trips: pd.DataFrame
    shifts: pd.DataFrame
    windows: pd.DataFrame
    carried: pd.DataFrame

    # ------------------------------------------------------------------ tables

    def by_window(self) -> pd.DataFrame:
        """One row per planned window, in time order, indexed by (date, window).

        Columns: orders_received (new orders of the window), carried_in (orders from
        earlier windows planned again), planned (on a trip), delivered, failed_at_door,
        carried_over (left for a later window), cancelled, failed (given up),
        households_served, household_deliveries, volunteer_windows, trips, kg_delivered,
        distance_km, volunteer_minutes, pending (at the end of the window).
        """
        import pandas as pd

        index = pd.MultiIndex.from_frame(self.windows[["date", "window"]].astype(str))
        ev, o = self.events, self.orders
        rec = ev[ev["phase"] == "record"]
        delivered = rec[rec["state"] == "delivered"]
        first = o.set_index("order_id")[["received_date", "received_window"]]
        plan_ev = ev[ev["phase"] != "record"].join(first, on="order_id")
        carried_in = plan_ev[
            (plan_ev["received_date"] != plan_ev["date"])
            | (plan_ev["received_window"] != plan_ev["window"])
        ].drop_duplicates(["order_id", "date", "window"])
        planned = ev[ev["state"] == "planned"].drop_duplicates(["order_id", "date", "window"])
        served = delivered.drop_duplicates(["household_id", "date", "window"])
        worked = self.shifts[self.shifts["status"] == "worked"]
        parts: dict[str, pd.Series] = {
            "orders_received": _count(o, ["received_date", "received_window"]),
            "carried_in": _count(carried_in, ["date", "window"]),
            "planned": _count(planned, ["date", "window"]),
            "delivered": _count(delivered, ["date", "window"]),
            "failed_at_door": _count(rec[rec["reason"] == "failed_at_door"], ["date", "window"]),
            "carried_over": _count(ev[ev["state"] == "carried_over"], ["date", "window"]),
            "cancelled": _count(ev[ev["state"] == "cancelled"], ["date", "window"]),
            "failed": _count(ev[ev["state"] == "failed"], ["date", "window"]),
            "households_served": _count(served, ["date", "window"]),
            "household_deliveries": _count(served, ["date", "window"]),
            "volunteer_windows": _count(worked, ["date", "window"]),
            "trips": _count(self.trips, ["date", "window"]),
        }
        out = pd.DataFrame(index=index)
        for name, series in parts.items():
            out[name] = series.reindex(index, fill_value=0).astype("int64")
        sums = {
            "kg_delivered": delivered.groupby(["date", "window"])["weight_kg"].sum(),
            "distance_km": self.trips.groupby(["date", "window"])["distance_m"].sum() / 1000,
            "volunteer_minutes": self.trips.groupby(["date", "window"])["minutes"].sum(),
        }
        for name, series in sums.items():
            out[name] = series.reindex(index, fill_value=0.0).astype("float64").round(1)
        closed = out["delivered"] + out["cancelled"] + out["failed"]
        out["pending"] = (out["orders_received"] - closed).cumsum().astype("int64")
        return out

    def by_day(self) -> pd.DataFrame:
        """The per-window table summed per day, with on-time rate and cumulative columns.

        Adds: due_orders and on_time_rate (orders with a due time, by their own date:
        delivered in their own window, over those delivered or carried over at least
        once), pending (at the end of the day), and cum_* columns (cumulative
        orders_received, delivered, households_served — distinct households —,
        household_deliveries, volunteer_windows, kg_delivered).
        """
        win = self.by_window()
        sums = win.drop(columns=["pending"]).groupby(level="date").sum()
        served = self.events[
            (self.events["phase"] == "record") & (self.events["state"] == "delivered")
        ]
        sums["households_served"] = (
            served.groupby("date")["household_id"].nunique().reindex(sums.index, fill_value=0)
        ).astype("int64")
        sums[_WINDOW_MEASURES] = sums[_WINDOW_MEASURES].round(1)
        sums["pending"] = win["pending"].groupby(level="date").last()
        due, on_time = self._on_time(by="date")
        sums["due_orders"] = due.reindex(sums.index, fill_value=0).astype("int64")
        rate = (on_time.reindex(sums.index, fill_value=0) / sums["due_orders"]).astype("float64")
        sums["on_time_rate"] = rate.where(sums["due_orders"] > 0).round(3)
        for name in ("orders_received", "delivered", "household_deliveries", "volunteer_windows"):
            sums[f"cum_{name}"] = sums[name].cumsum()
        sums["cum_kg_delivered"] = sums["kg_delivered"].cumsum().round(1)
        first_served = served.groupby("household_id")["date"].min().value_counts()
        sums["cum_households_served"] = (
            first_served.reindex(sums.index, fill_value=0).cumsum().astype("int64")
        )
        return sums

    def _on_time(self, by: str | None) -> tuple[pd.Series, pd.Series]:
        """(due orders decided, on time) counted per BY (a column of orders) or in total."""
        import pandas as pd

        o = self.orders[self.orders["due"].notna() & self.orders["valid"]]
        ev = self.events[self.events["order_id"].isin(o["order_id"])]
        missed = set(ev.loc[ev["state"].isin(["carried_over", "failed"]), "order_id"])
        hit = (o["state"] == "delivered") & (o["state_date"] == o["date"])
        hit &= o["state_window"] == o["window"]
        hit &= ~o["order_id"].isin(missed)
        decided = hit | o["order_id"].isin(missed)
        key = o[by] if by is not None else pd.Series("all", index=o.index)
        return decided.groupby(key).sum(), hit.groupby(key).sum()

    def by_volunteer(self) -> pd.DataFrame:
        """Person-time per volunteer (see :func:`basket_route.volunteers.workload`)."""
        return workload_from(self.shifts, self.trips, self.carried)

    def fairness(self) -> dict[str, float]:
        """How evenly the work was spread over the volunteers who worked at least once.

        Returns
        -------
        dict
            volunteers, and for minutes on trips and windows worked: mean, min, max, the
            coefficient of variation (std / mean) and the Gini index (0 = perfectly even).
        """
        load = self.by_volunteer()
        load = load[load["windows"] > 0]
        out: dict[str, float] = {"volunteers": float(len(load))}
        for col in ("minutes", "windows"):
            x = sorted(float(v) for v in load[col])
            n, total = len(x), sum(x)
            mean = total / n if n else math.nan
            std = math.sqrt(sum((v - mean) ** 2 for v in x) / n) if n else math.nan
            gini = sum((2 * i - n + 1) * v for i, v in enumerate(x)) / (n * total) if total else 0
            out |= {
                f"{col}_mean": round(mean, 2),
                f"{col}_min": min(x, default=math.nan),
                f"{col}_max": max(x, default=math.nan),
                f"{col}_cv": round(std / mean, 3) if mean else math.nan,
                f"{col}_gini": round(gini, 3),
            }
        return out

    def totals(self) -> dict[str, Any]:
        """The totals: counts that reconcile, person-times, kg, on-time rate, fairness.

        ``orders_received = delivered + pending + cancelled + failed`` always; pending is
        ``planned`` (on a trip, outcome not recorded) plus ``carried_over``.

        Raises
        ------
        LedgerError
            When the ledger's counts do not reconcile (a damaged ledger).
        """
        o, ev = self.orders, self.events
        state = o["state"].value_counts()
        n = {s: int(state.get(s, 0)) for s in ("delivered", "planned", "carried_over")}
        n |= {s: int(state.get(s, 0)) for s in ("cancelled", "failed")}
        delivered = o[o["state"] == "delivered"]
        due, on_time = self._on_time(by=None)
        totals: dict[str, Any] = {
            "orders_received": len(o),
            "delivered": n["delivered"],
            "pending": n["planned"] + n["carried_over"],
            "cancelled": n["cancelled"],
            "failed": n["failed"],
            "planned": n["planned"],
            "carried_over": n["carried_over"],
            "carry_overs": int((ev["state"] == "carried_over").sum()),
            "households_served": int(delivered["household_id"].nunique()),
            "household_deliveries": len(
                delivered.drop_duplicates(["household_id", "state_date", "state_window"])
            ),
            "volunteer_windows": int((self.shifts["status"] == "worked").sum()),
            "volunteers": int(
                self.shifts.loc[self.shifts["status"] == "worked", "volunteer_id"].nunique()
            ),
            "kg_delivered": round(float(delivered["weight_kg"].sum()), 1),
            "trips": len(self.trips),
            "distance_km": round(float(self.trips["distance_m"].sum()) / 1000, 1),
            "volunteer_hours": round(float(self.trips["minutes"].sum()) / 60, 1),
            "due_orders": int(due.sum()),
            "on_time_rate": round(float(on_time.sum()) / float(due.sum()), 3)
            if due.sum()
            else None,
            "windows_planned": len(self.windows),
            "windows_recorded": int((self.windows["status"] == "recorded").sum()),
            "first_date": str(self.windows["date"].min()) if len(self.windows) else None,
            "last_date": str(self.windows["date"].max()) if len(self.windows) else None,
            "deliveries_by_day": self.deliveries_by_day(),
        }
        closed = totals["delivered"] + totals["pending"] + totals["cancelled"] + totals["failed"]
        if closed != totals["orders_received"]:
            raise LedgerError(f"the ledger does not reconcile (damaged?): {totals}")
        return totals

    def deliveries_by_day(self) -> dict[str, int]:
        """Date (ISO) → orders delivered that day, for every planned day."""
        days = sorted(set(self.windows["date"].astype(str)))
        done = self.orders[self.orders["state"] == "delivered"]["state_date"].value_counts()
        return {d: int(done.get(d, 0)) for d in days}

    def to_dict(self) -> dict[str, Any]:
        """One JSON-ready object: scenario, totals, deliveries_by_day, fairness, by_day."""
        totals = self.totals()
        by_day = self.by_day().reset_index()
        records = [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in by_day.astype(object).to_dict(orient="records")
        ]
        fair = {k: (None if math.isnan(v) else v) for k, v in self.fairness().items()}
        return {
            "scenario": self.scenario,
            "totals": totals,
            "deliveries_by_day": totals["deliveries_by_day"],
            "fairness": fair,
            "by_day": records,
        }

    # ------------------------------------------------------------------ report

    def report(self, lang: str = "en") -> str:
        """A short narrative in the style a service centre publishes, ``"en"`` or ``"zh"``.

        Raises
        ------
        ValueError
            When LANG is not ``"en"`` or ``"zh"``.
        """
        if lang not in ("en", "zh"):
            raise ValueError(f"lang {lang!r} not in ['en', 'zh']")
        t = self.totals()
        if t["last_date"] is None:
            return "台账中尚无已安排的时段。" if lang == "zh" else "Nothing planned yet."
        day = dt.date.fromisoformat(t["last_date"])
        rate = t["on_time_rate"]
        if lang == "zh":
            text = (
                f"截至{day.month}月{day.day}日，"
                f"共接收订单{t['orders_received']}单，"
                f"提供配送服务{t['delivered']}次，"
                f"服务隔离家庭{t['households_served']}户、"
                f"{t['household_deliveries']}户次，"
                f"配送物资{t['kg_delivered']:.1f}公斤；"
                f"志愿者出勤{t['volunteer_windows']}人次（{t['volunteers']}人），"
                f"往返{t['trips']}趟、行程{t['distance_km']:.1f}公里。"
                f"目前{t['pending']}单待配送"
                f"（其中{t['carried_over']}单已结转至下一时段），"
                f"{t['cancelled']}单取消，{t['failed']}单配送失败。"
            )
            if rate is not None:
                text += f"限时订单准时送达率{rate:.1%}。"
            return text
        text = (
            f"By {day.day} {day:%b}, {t['orders_received']:,} orders received and "
            f"{t['delivered']:,} deliveries made to {t['households_served']:,} households in "
            f"quarantine ({t['household_deliveries']:,} household-deliveries), "
            f"{t['kg_delivered']:,.1f} kg in all. Volunteers worked "
            f"{t['volunteer_windows']:,} volunteer-windows ({t['volunteers']} people), "
            f"{t['trips']:,} trips over {t['distance_km']:,.1f} km. {t['pending']:,} orders "
            f"are pending ({t['carried_over']:,} carried over to the next window); "
            f"{t['cancelled']:,} cancelled, {t['failed']:,} failed."
        )
        if rate is not None:
            text += f" {rate:.1%} of orders with a due time arrived on time."
        return text

    def chart(self, path: str | os.PathLike[str], lang: str = "en") -> Path:
        """Write a PNG: deliveries per day with the running total, and minutes per volunteer.

        Needs matplotlib (``pip install 'basket-route[charts]'``). With ``lang="zh"`` the
        labels are Chinese when a CJK font is installed, English otherwise (with a warning).

        Raises
        ------
        ImportError
            When matplotlib is not installed (the message says what to install).
        """
        try:
            from matplotlib import font_manager
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError(
                "charts need matplotlib: pip install 'basket-route[charts]'"
            ) from None
        fonts = {f.name for f in font_manager.fontManager.ttflist}
        cjk = [f for f in _CJK_FONTS if f in fonts]
        if lang == "zh" and not cjk:
            warnings.warn("no CJK font found: the chart is labelled in English", stacklevel=2)
        zh = lang == "zh" and bool(cjk)
        day = self.by_day()
        load = self.by_volunteer()
        import matplotlib as mpl

        with mpl.rc_context({"font.family": [cjk[0], "sans-serif"]} if zh else None):
            fig = Figure(figsize=(10, 4.2), layout="constrained")
            ax1, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
            labels = [d[5:] for d in day.index.astype(str)]
            done = "配送" if zh else "delivered"
            ax1.bar(labels, day["delivered"], color="#4878a8", label=done)
            ax1.bar(labels, day["carried_over"], bottom=day["delivered"], color="#e0a040",
                    label="结转" if zh else "carried over")  # fmt: skip
            top = float((day["delivered"] + day["carried_over"]).max()) if len(day) else 1.0
            ax1.set_ylim(0, 1.3 * max(top, 1.0))  # room for the legend
            ax1.set_ylabel("订单/天" if zh else "orders per day")
            ax1.tick_params(axis="x", rotation=45)
            twin = ax1.twinx()
            twin.plot(labels, day["cum_delivered"], color="#303030", marker="o", ms=3,
                      label="累计配送" if zh else "delivered, cumulative")  # fmt: skip
            twin.set_ylim(bottom=0)
            twin.set_ylabel("累计" if zh else "cumulative")
            handles = ax1.get_legend_handles_labels()
            more = twin.get_legend_handles_labels()
            ax1.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
            ax1.set_title(f"{'每日配送' if zh else 'Deliveries per day'}")
            hours = load["minutes"] / 60
            ax2.bar(load.index.astype(str), hours, color="#6a9a58")
            if len(hours[hours > 0]):
                ax2.axhline(float(hours[hours > 0].mean()), color="#303030", lw=1, ls="--")
            ax2.set_ylabel("小时" if zh else "hours on trips")
            ax2.tick_params(axis="x", rotation=90, labelsize=7)
            ax2.set_title("志愿者工作量" if zh else "Workload per volunteer")
            out = Path(path)
            out.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(out, dpi=110)
        return out


def service_stats(ledger: Ledger | str | os.PathLike[str]) -> ServiceStats:
    """Read the service statistics of a ledger.

    Parameters
    ----------
    ledger
        A :class:`~basket_route.Ledger` or the path of a ledger file (which must exist).

    Returns
    -------
    ServiceStats
        ``.totals()``, ``.by_window()``, ``.by_day()``, ``.by_volunteer()``,
        ``.fairness()``, ``.report(lang)``, ``.chart(path)``, ``.to_dict()``.

    Raises
    ------
    LedgerError
        When the file is missing or not a ledger.
    """
    led = ledger if isinstance(ledger, Ledger) else Ledger(ledger, create=False)
    try:
        return ServiceStats(
            scenario=led.meta("scenario_name") or "",
            orders=led.orders(),
            events=led.events(),
            trips=led.trips(),
            shifts=led.shifts(),
            windows=led.windows(),
            carried=led.carried(),
        )
    finally:
        if led is not ledger:
            led.close()
