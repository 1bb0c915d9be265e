"""`kit-import sandbox`: serve the local Kit emulator, and the parsers of its options."""

from __future__ import annotations

import math

import click

from importer.cli.output import friendly_errors
from importer.cli.target import SEEDED
from importer.errors import ImporterError
from importer.outputs.words import plural
from importer.sandbox import FIELD_MODES, SAMPLE_FIELDS, SAMPLE_FORMS, SAMPLE_SEQUENCES, Behaviour, KitStore, Sandbox
from importer.settings.declaration import Invalid, parse_rate_limit


MAX_LATENCY = 60.0  # seconds: longer than clients wait; rehearse lost answers with --faults drop= instead


def parse_latency(ctx: click.Context | None, param: click.Parameter | None, value: str) -> tuple[float, float]:
    """--latency SECONDS or MIN-MAX, 0 <= MIN <= MAX <= 60, as a (min, max) range."""
    usage = f"give SECONDS or MIN-MAX with 0 <= MIN <= MAX <= {MAX_LATENCY:g}, e.g. 0.3-1.5."
    if value.strip().startswith("-"):
        raise click.BadParameter(f"{value!r} is negative; {usage}", ctx, param)
    lo, dash, hi = value.strip().partition("-")
    try:
        span = (float(lo), float(hi if dash else lo))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number of seconds; {usage}", ctx, param) from None
    if not all(math.isfinite(x) and 0 <= x <= MAX_LATENCY for x in span):
        raise click.BadParameter(f"{value!r} is out of range; {usage}", ctx, param)
    if span[0] > span[1]:
        raise click.BadParameter(f"{value!r} has MIN above MAX; {usage}", ctx, param)
    return span


FAULT_KINDS = {"5xx": "errors", "drop": "drops", "413": "queue_full"}  # --faults kind -> Behaviour attribute


def parse_faults(ctx: click.Context | None, param: click.Parameter | None, value: str) -> dict[str, float]:
    """--faults KIND=SHARE,... as Behaviour's share per attribute; shares in [0, 1], summing to at most 1."""
    usage = "give KIND=SHARE,... with KIND 5xx, drop or 413 and shares from 0 to 1, e.g. 5xx=0.05,drop=0.02."
    shares: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        kind, equals, text = (x.strip() for x in part.partition("="))
        if kind not in FAULT_KINDS or not equals:
            raise click.BadParameter(f"{part!r} is not a fault; {usage}", ctx, param)
        if FAULT_KINDS[kind] in shares:
            raise click.BadParameter(f"{kind} is given twice; {usage}", ctx, param)
        try:
            share = float(text)
        except ValueError:
            raise click.BadParameter(f"{part!r} has no share; {usage}", ctx, param) from None
        if not 0 <= share <= 1:  # also refuses nan
            raise click.BadParameter(f"{part!r} is not a share from 0 to 1; {usage}", ctx, param)
        shares[FAULT_KINDS[kind]] = share
    if sum(shares.values()) > 1:
        raise click.BadParameter(f"the shares of {value!r} add up to {sum(shares.values()):g}, more than every "
                                 "request; make them add up to 1 at most.", ctx, param)
    return shares


def parse_sandbox_rate_limit(ctx: click.Context | None, param: click.Parameter | None,
                             value: str | None) -> tuple[int, float] | None:
    """--rate-limit N[/SECONDS] as (requests, window seconds), or None for no limit."""
    if value is None:
        return None
    try:
        return parse_rate_limit(value)
    except Invalid:
        raise click.BadParameter(f"{value!r} is not REQUESTS or REQUESTS/SECONDS with at least 1 request in "
                                 "more than 0 seconds; give e.g. 600 or 600/60.",
                                 ctx, param) from None


@click.command("sandbox")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default="a free port",
              help="Port on 127.0.0.1 to serve on.")
@click.option("--account-id", type=click.IntRange(min=1), metavar="N",
              help="The account's id (default: a new random one each start, so a state file made against an "
                   "earlier sandbox is refused as another account's).")
@click.option("--field-mode", type=click.Choice(FIELD_MODES), default="key-error", show_default=True,
              help="How the one-subscriber upsert reads `fields` (Kit's pages differ; see the README).")
@click.option("--latency", metavar="MIN-MAX", default="0", show_default=True, callback=parse_latency,
              help=f"Seconds each answer takes, uniformly drawn, e.g. 0.3-1.5 as Kit's do (at most {MAX_LATENCY:g}).")
@click.option("--rate-limit", metavar="N[/SECONDS]", callback=parse_sandbox_rate_limit,
              help="Answer 429 'Retry later' past N requests per rolling window per credential, e.g. 600/60.")
@click.option("--faults", metavar="KIND=SHARE,...", default="", callback=parse_faults,
              help="Inject faults: 5xx=0.05 (server errors), drop=0.02 (connection dropped after the "
                   "request was applied), 413=0.01 (bulk queue full). Shares add up to 1 at most.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for latency and faults.")
@click.option("--subscriber-limit", type=click.IntRange(min=0), metavar="N",
              help="The plan's subscriber limit: creating subscriber N+1 is refused with Kit's 403 (default: none).")
@click.option("--max-value-length", type=click.IntRange(min=1), metavar="N",
              help="Refuse custom field values longer than N characters, as a stricter Kit might "
                   "(default: every length is kept; Kit's pages state no limit).")
@click.option("--list-lag", type=click.FloatRange(0, 3600), default=0, show_default=True, metavar="SECONDS",
              help="Make Kit's lists lag writes by this long, as Kit's do (eventual consistency): the "
                   "subscriber list and a subscriber's tags show each subscriber as it was SECONDS ago; a "
                   "read by id is always current.")
@friendly_errors
def sandbox_command(port: int, account_id: int | None, field_mode: str, latency: tuple[float, float],
                    rate_limit: tuple[int, float] | None, faults: dict[str, float], seed: int,
                    subscriber_limit: int | None, max_value_length: int | None, list_lag: float) -> None:
    """Serve the local Kit emulator on 127.0.0.1 until Ctrl-C.

    Each start is a new, empty account with the sample fields (Last name, Company, Postal
    code), a single opt-in form (Newsletter), a sequence (Welcome) and no subscribers; it accepts the credentials
    and the OAuth client id it prints and keeps its state in memory only.

    Examples:

    \b
        kit-import sandbox --port 8080
        kit-import sandbox --latency 0.3-1.5 --rate-limit 600/60
        kit-import sandbox --faults 5xx=0.05,drop=0.02 --seed 1
        kit-import sandbox --list-lag 30
    """
    behaviour = Behaviour(latency=latency, rate_limit=rate_limit, seed=seed, errors=faults.get("errors", 0.0),
                          drops=faults.get("drops", 0.0), queue_full=faults.get("queue_full", 0.0))
    store = KitStore(field_mode=field_mode, account_id=account_id, subscriber_limit=subscriber_limit,
                     max_value_length=max_value_length, list_lag=list_lag)
    try:
        emulator = Sandbox(store, port=port, behaviour=behaviour)
    except OSError as e:
        raise ImporterError(f"Cannot serve on 127.0.0.1:{port}: {e.strerror}.", "Choose another --port.") from None
    emulator.seed_fields(SAMPLE_FIELDS)
    emulator.seed_forms(SAMPLE_FORMS)
    emulator.seed_sequences(SAMPLE_SEQUENCES)
    click.echo(f"Kit sandbox serving on {emulator.url}: account {store.account_id}, {SEEDED} (Ctrl-C stops it). "
               "In another shell:")
    click.echo(f"  export KIT_API_URL={emulator.url}")
    click.echo(f"  export KIT_ACCESS_TOKEN={emulator.access_token}   # or: KIT_API_KEY={emulator.api_key}")
    click.echo(f"OAuth client id: {emulator.client_id}; to rehearse the one-time authorization:")
    click.echo(f"  KIT_CLIENT_ID={emulator.client_id} KIT_API_URL={emulator.url} kit-import auth --no-browser")
    try:
        emulator.server.serve_forever()
    except KeyboardInterrupt:
        click.echo(f"\nStopped; it held {plural(len(emulator.store.subscribers), 'subscriber')}.")
    finally:
        emulator.server.server_close()
