"""The table `make bench` prints, from the results bench.py gathers.

Rows are Markdown, so the latest run pastes into benchmarks/README.md as it is.
"""

from __future__ import annotations

from typing import Any

RUSH_P99_MS, RSS_RATIO, STARTUP_RATIO = 50.0, 1.6, 1.5


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def rows(results: dict[str, Any]) -> list[list[str]]:
    """| what | server | ours | bare Flask insert | ratio | target | for every figure."""
    out = []
    for backend, report in results["backends"].items():
        db = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
        for server in results["servers"]:
            o, b = report["rush"][f"ours@{server}"], report["rush"][f"bare@{server}"]
            errors = sum(o["errors"].values())
            met = o["p99_ms"] <= RUSH_P99_MS and not errors
            out.append(
                [
                    f"rush, {db}: p99 (p50)",
                    server,
                    f"{o['p99_ms']:.1f} ({o['p50_ms']:.1f}) ms, {errors} errors",
                    f"{b['p99_ms']:.1f} ({b['p50_ms']:.1f}) ms",
                    f"{o['p99_ms'] / b['p99_ms']:.2f}x",
                    f"<= {RUSH_P99_MS:.0f} ms, no errors: {verdict(met)}",
                ]
            )
        for server in results["servers"]:
            closed_ = report["closed"]
            for clients in sorted(closed_[f"ours@{server}"], key=int):
                o, b = closed_[f"ours@{server}"][clients], closed_[f"bare@{server}"][clients]
                out.append(
                    [
                        f"closed loop, {db}, {clients} client{'s' * (int(clients) > 1)}",
                        server,
                        f"{o['taps_per_s']:.0f}/s, p99 {o['p99_ms']:.1f} ms",
                        f"{b['taps_per_s']:.0f}/s, p99 {b['p99_ms']:.1f} ms",
                        f"{o['taps_per_s'] / b['taps_per_s']:.2f}x",
                        "context",
                    ]
                )
    sqlite = results["backends"].get("sqlite")
    for server in results["servers"] if sqlite else []:
        o, b = sqlite["rss"][f"ours@{server}"], sqlite["rss"][f"bare@{server}"]
        ratio = o["mib"] / b["mib"]
        out.append(
            [
                f"RSS after {o['taps']:,} / {b['taps']:,} taps",
                server,
                f"{o['mib']:.0f} MiB",
                f"{b['mib']:.0f} MiB",
                f"{ratio:.2f}x",
                f"<= {RSS_RATIO}x: {verdict(ratio <= RSS_RATIO)}",
            ]
        )
    for server in results["servers"] if sqlite else []:
        up = sqlite["startup"]
        ratio = up[f"ours@{server}"] / up["import"]
        out.append(
            [
                f"start-up to first 200, best of {results['plan']['startups']}",
                server,
                f"{up[f'ours@{server}'] * 1000:.0f} ms",
                f"{up['import'] * 1000:.0f} ms (import only)",
                f"{ratio:.2f}x",
                f"<= {STARTUP_RATIO}x: {verdict(ratio <= STARTUP_RATIO)}",
            ]
        )
    return out


def print_report(results: dict[str, Any]) -> None:
    head = ["what", "server", "ours", "bare Flask insert", "ratio", "target"]
    print("\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for row in results["table"]:
        print("| " + " | ".join(row) + " |")
    check = results["generator_check"]
    print(
        f"\nLoad generator alone: offered {check['offered_per_s']:.0f}/s to a stub for "
        f"{results['plan']['check_seconds']:g} s, which answered {check['taps_per_s']:.0f}/s; "
        f"requests left p99 {check['late_p99_ms']:.1f} ms late; "
        f"{check['loadgen_cpu_share']:.0%} of a core."
    )
    print("Context, ours / bare: server CPU per tap by clients; how late the rush's requests left")
    for backend, report in results["backends"].items():
        for server in results["servers"]:
            ours, bare = (report["closed"][f"{who}@{server}"] for who in ("ours", "bare"))
            cpu = "; ".join(
                f"{c}: {ours[c]['server_cpu_ms_per_tap']:.2f} / "
                f"{bare[c]['server_cpu_ms_per_tap']:.2f} ms"
                for c in sorted(ours, key=int)
            )
            late = " / ".join(
                f"{report['rush'][f'{who}@{server}']['late_p99_ms']:.1f}"
                for who in ("ours", "bare")
            )
            print(f"  {backend}, {server}: CPU {cpu}; rush sent p99 {late} ms late")
