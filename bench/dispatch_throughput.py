"""Benchmark 1: dispatch throughput, every way side by side, same messages, same sink, one run.

    python -m bench.dispatch_throughput [--quick] [--db sqlite|postgres|both] [--scheme http|https|both]
                                        [--sink nginx|python|fake] [--n N] [--web-n N] [--no-webpush]

- raw:     firebase-admin `messaging.send_each` (requests, a thread per message), no database
- ceiling: a bare aiohttp client posting the same SDK-encoded messages, no database
- naive:   one APScheduler job per reminder calling `messaging.send` (best case), and with defaults
- ours:    `Dispatcher.from_app(app).run_pass(budget_seconds=None)` in process on SQLite and
           PostgreSQL (claim, plan, send, record), and the `dispatcher --once` subprocess
           (start-up included) on the last database, over plain HTTP.
- web:     the same dispatcher with every device a browser: each push encrypted (aes128gcm) and
           VAPID-signed, posted to the sink's /push/ (--web-n reminders, at most 6,000 unless
           given, so the default run stays short; skip with --no-webpush).
- mixed:   every 5th device a browser, the rest phones on FCM, in one backlog; `over_blend` is
           the time the FCM-only and web-only rates predict for its pushes over the time it took
           (1.0: neither kind slows the other; below: they interfere).
Each way is timed with its CPU (getrusage: this process's threads, or the subprocess;
PostgreSQL's own server CPU is not counted). The sink is nginx where installed (`make
bench-deps`), else the Python sink; its capacity is measured first with pipelined requests.
Reminders go to patients with one device each, every 4th patient two (1.25 pushes per
reminder); Android and iOS, installation ids and legacy tokens.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import common, naive, send_paths
from devtools import processes
from devtools.sink import NGINX, Sink, capacity


def run_ours(url: str, sink: Sink, backlog: common.Backlog) -> dict[str, Any]:
    from companion.reminders.dispatch import Dispatcher
    from companion.reminders.dispatch.collector import tuned_for_dispatch

    app = common.make_app(url, **sink.overrides(), **sink.webpush_settings())
    dispatcher = Dispatcher.from_app(app, name="bench-ours")
    engine = dispatcher.engine
    try:
        dispatcher.sender.send(_warmup(backlog.messages(), sink))  # token + connections, as the others had
        with app.app_context(), tuned_for_dispatch():  # as `flask companion dispatcher` runs
            meter = send_paths.Meter().start()
            stats = dispatcher.run_pass(budget_seconds=None)
            result = meter.stop(common.sent_deliveries(engine))
        duplicates = common.duplicate_sends(engine)
        statuses = common.status_counts(engine)
        by_backend = common.sent_by_backend(engine)
    finally:
        dispatcher.sender.close()  # type: ignore[attr-defined]
        engine.dispose()
    return {
        **result,
        "by_backend": by_backend,
        "batches": stats.batches,
        "duplicates": duplicates,
        "left": {k: v for k, v in statuses.items() if k != "sent"},
    }


def run_once_subprocess(url: str, sink: Sink, work: Path, pushes: int) -> dict[str, Any]:
    meter = send_paths.Meter().start()
    process = processes.spawn_dispatcher(
        url, "--once", "--name", "bench-once", log_path=work / "once.log", **sink.settings()
    )
    code, usage, out = processes.wait_with_rusage(process, timeout=max(300.0, pushes / 50))
    elapsed = meter.stop(0)["seconds"]
    if code != 0:
        raise SystemExit(f"--once exited {code}; see {work / 'once.log'}")
    summary = json.loads(out.strip().splitlines()[-1])
    engine = common.engine_for(url)
    sent = common.sent_deliveries(engine)
    duplicates = common.duplicate_sends(engine)
    engine.dispose()
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "pushes": sent,
        "seconds": elapsed,
        "rate": sent / elapsed,
        "cpu_seconds": cpu,
        "cpu_us_per_push": cpu / max(sent, 1) * 1e6,
        "pass_rate": sent / max(summary["duration_ms"] / 1000, 1e-9),
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "duplicates": duplicates,
    }


def _warmup(messages: list[Any], sink: Sink) -> list[Any]:
    """One push of each kind in the backlog, to identifiers the real rows do not use."""
    from dataclasses import replace

    firsts = {m.identifier_kind == "webpush": m for m in reversed(messages)}
    return [
        replace(m, identifier=f"{sink.url}/push/warmup" if web else "warmup-" + m.identifier, reminder_id=0)
        for web, m in firsts.items()
    ]


def _prepare(kind: str, work: Path, args: Any, n: int, **devices: Any) -> tuple[str, common.Backlog]:
    url = common.fresh_database(kind, work, pg_url=args.pg_url)
    engine = common.engine_for(url)
    due0 = datetime.now(UTC) - timedelta(minutes=1)
    backlog = common.seed_backlog(engine, n, due=lambda i: due0 + timedelta(microseconds=i), **devices)
    engine.dispose()
    return url, backlog


def measure(scheme: str, args: Any, n: int, work: Path) -> dict[str, dict[str, Any]]:
    kinds = common.databases(args.db)
    results: dict[str, dict[str, Any]] = {}
    sink = Sink(work, kind=args.sink, tls=scheme == "https")
    try:
        prepared = _prepare(kinds[0], work, args, n)
        messages = prepared[1].messages()
        common.note(f"{scheme}: {n} reminders, {len(messages)} pushes; {args.sink} sink {sink.url}")
        results["sink"] = {"rate": capacity(sink, seconds=2 if args.quick else 4)}
        common.note(f"{scheme}: sink answers {results['sink']['rate']:,.0f} requests/s; ceiling ...")
        results["ceiling"] = send_paths.ceiling(sink, messages)
        if args.webpush:
            common.note(f"{scheme}: Web Push sender alone ...")
            results["web_sender"] = send_paths.web_sender_alone(sink, messages[: args.web_n])
        common.note(f"{scheme}: raw send_each ...")
        results["raw"] = send_paths.raw_send_each(sink, messages)
        common.note(f"{scheme}: naive APScheduler ...")
        results["naive"] = naive.run(sink, messages, work, args.naive_threads)
        if scheme == "http":
            common.note("http: naive APScheduler with library defaults ...")
            results["naive_defaults"] = naive.run(sink, messages, work, None, defaults=True)
        for index, kind in enumerate(kinds):
            common.note(f"{scheme}: ours on {kind} ...")
            url, backlog = prepared if index == 0 else _prepare(kind, work, args, n)
            results[f"ours_{kind}"] = run_ours(url, sink, backlog)
            for label, every in ((), (("web", 1), ("mixed", 5)))[args.webpush]:
                common.note(f"{scheme}: ours on {kind}, {label} backlog ...")
                url, backlog = _prepare(kind, work, args, args.web_n, web_every=every, web_base=sink.url)
                results[f"ours_{kind}_{label}"] = run_ours(url, sink, backlog)
        if scheme == "http" and not args.no_subprocess:
            common.note(f"http: ours --once subprocess on {kinds[-1]} ...")
            url, _ = _prepare(kinds[-1], work, args, n)
            results[f"ours_{kinds[-1]}_once"] = run_once_subprocess(url, sink, work, len(messages))
    finally:
        sink.stop()
    return results


LABELS = {
    "sink": "sink capacity (pipelined probe)",
    "ceiling": "ceiling: bare aiohttp, SDK-encoded, no DB",
    "raw": "raw: firebase-admin send_each, no DB",
    "naive": "naive: APScheduler job per reminder (best case)",
    "naive_defaults": "naive with library defaults (10 threads, 1 s grace)",
    "web_sender": "Web Push sender alone: encrypted, VAPID-signed, no DB",
}


def _label(key: str, threads: int) -> str:
    if key in LABELS:
        return LABELS[key].replace("best case", f"{threads} threads, no misfire grace")
    db = key.split("_")[1]
    if key.endswith("_once"):
        return f"ours: dispatcher --once subprocess ({db}, start-up included)"
    if key.endswith("_web"):
        return f"ours, Web Push: every device a browser ({db}; encrypted, VAPID-signed)"
    if key.endswith("_mixed"):
        return f"ours, mixed: every 5th device a browser, the rest FCM ({db})"
    return f"ours: Dispatcher.run_pass ({db}, FCM)"


def figures_for(scheme: str, results: dict[str, dict[str, Any]], kinds: list[str]) -> dict[str, Any]:
    prefix = "" if scheme == "http" else "https_"
    ceiling, raw, naive_rate = results["ceiling"]["rate"], results["raw"]["rate"], results["naive"]["rate"]
    out: dict[str, Any] = {f"{prefix}sink_capacity_per_s": round(results["sink"]["rate"], 1)}
    for key, r in results.items():
        if key == "sink":
            continue
        out[f"{prefix}{key}_per_s"] = round(r["rate"], 1)
        out[f"{prefix}{key}_cpu_us_per_push"] = round(r["cpu_us_per_push"], 1)
    fastest = max(r["rate"] for k, r in results.items() if k != "sink")
    out[f"{prefix}sink_over_fastest_client"] = round(results["sink"]["rate"] / fastest, 2)
    for kind in kinds:
        ours = results[f"ours_{kind}"]
        out[f"{prefix}ours_{kind}_over_ceiling"] = round(ours["rate"] / ceiling, 3)
        out[f"{prefix}ours_{kind}_over_raw"] = round(ours["rate"] / raw, 2)
        out[f"{prefix}ours_{kind}_over_naive"] = round(ours["rate"] / naive_rate, 2)
        out[f"{prefix}ours_{kind}_duplicates"] = ours["duplicates"]
        if "naive_defaults" in results:
            defaults = results["naive_defaults"]["rate"]  # 0 when it dropped every job
            out[f"{prefix}ours_{kind}_over_naive_defaults"] = round(ours["rate"] / defaults, 2) if defaults else None
    for kind in kinds:
        if f"ours_{kind}_mixed" not in results:
            continue
        fcm, web, mixed = results[f"ours_{kind}"], results[f"ours_{kind}_web"], results[f"ours_{kind}_mixed"]
        sent = mixed["by_backend"]
        predicted = sent.get("fcm", 0) / fcm["rate"] + sent.get("webpush", 0) / web["rate"]
        out[f"{prefix}ours_{kind}_mixed_fcm_pushes"] = sent.get("fcm", 0)
        out[f"{prefix}ours_{kind}_mixed_web_pushes"] = sent.get("webpush", 0)
        out[f"{prefix}ours_{kind}_mixed_over_blend"] = round(predicted / mixed["seconds"], 3)
        out[f"{prefix}ours_{kind}_web_duplicates"] = web["duplicates"]
    out[f"{prefix}naive_missed_or_errors"] = results["naive"]["missed"] + results["naive"]["errors"]
    if "naive_defaults" in results:
        out["naive_defaults_dropped_jobs"] = results["naive_defaults"]["missed"]
        out["naive_defaults_sent_pushes"] = results["naive_defaults"]["pushes"]
    return out


def main(argv: list[str] | None = None) -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--n", type=int, help="reminders (default 20,000; --quick 2,000)")
    p.add_argument("--naive-threads", type=int, default=32, help="APScheduler ThreadPoolExecutor size")
    p.add_argument("--scheme", choices=("http", "https", "both"), default="both")
    p.add_argument("--sink", choices=("nginx", "python", "fake"), default="nginx" if NGINX else "python")
    p.add_argument("--no-subprocess", action="store_true", help="skip the `--once` subprocess run")
    p.add_argument("--no-webpush", dest="webpush", action="store_false", help="skip the Web Push and mixed runs")
    p.add_argument("--web-n", type=int, help="reminders of the Web Push and mixed runs (default: --n, at most 6,000)")
    args = p.parse_args(argv)
    n = args.n or (2_000 if args.quick else 20_000)
    args.web_n = args.web_n or min(n, 6_000)
    work = common.workdir(args.keep)
    kinds = common.databases(args.db)
    schemes = ["http", "https"] if args.scheme == "both" else [args.scheme]
    figures: dict[str, Any] = {
        "benchmark": "dispatch_throughput",
        "reminders": n,
        "sink": args.sink,
        "load_average_before": round(os.getloadavg()[0], 2),
    }
    for scheme in schemes:
        results = measure(scheme, args, n, work)
        figures["pushes"] = results["raw"]["pushes"]
        ceiling = results["ceiling"]["rate"]
        rows = [
            [
                _label(key, args.naive_threads),
                r.get("pushes", ""),
                r.get("seconds", ""),
                r["rate"],
                r["rate"] / ceiling,
                r.get("cpu_us_per_push", ""),
                r.get("duplicates", ""),
                r.get("missed", ""),
            ]
            for key, r in results.items()
        ]
        common.print_table(
            f"Dispatch throughput over {scheme}: {n:,} reminders, {figures['pushes']:,} pushes, {args.sink} sink "
            f"(python -m bench.dispatch_throughput{' --quick' if args.quick else ''} --db {args.db})",
            ["way", "pushes", "seconds", "pushes/s", "x ceiling", "CPU us/push", "dups", "dropped jobs"],
            rows,
        )
        figures.update(figures_for(scheme, results, kinds))
    http = "http" in schemes
    prefixes = [""] if http else ["https_"]
    figures["targets"] = {
        "ours_per_s>=3000": all(figures[f"{p}ours_{k}_per_s"] >= 3000 for p in prefixes for k in kinds),
        "ours_over_ceiling>=0.8": all(figures[f"{p}ours_{k}_over_ceiling"] >= 0.8 for p in prefixes for k in kinds),
        "ours_over_naive>=5": all(figures[f"{p}ours_{k}_over_naive"] >= 5 for p in prefixes for k in kinds),
        "webpush_per_s>=2000": all(
            figures.get(f"{p}ours_{k}_web_per_s", 2000) >= 2000 for p in prefixes for k in kinds
        ),
        "mixed_over_blend>=0.95": all(
            figures.get(f"{p}ours_{k}_mixed_over_blend", 1) >= 0.95 for p in prefixes for k in kinds
        ),
        "ours_cpu_us_per_push<=350": all(
            figures[f"{p}ours_{k}_cpu_us_per_push"] <= 350 for p in prefixes for k in kinds
        ),
    }
    figures["load_average_after"] = round(os.getloadavg()[0], 2)  # other work on the machine skews every figure
    common.emit_json(figures)


if __name__ == "__main__":
    main()
