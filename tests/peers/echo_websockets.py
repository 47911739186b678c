"""An echo server on Python's `websockets` (17.x), for wsync's tests against real peers.

Run it with the interpreter of the virtualenv that scripts/peers.sh installs:

    target/peers/venv/bin/python tests/peers/echo_websockets.py [options]

It listens on 127.0.0.1 on a port the system picks and prints that port, alone, on its first
line of standard output. Each connection echoes every message, text as text and binary as
binary, until the client closes; with --feed it sends messages of its own instead. The server
exits when its standard input closes (so it never outlives the test that started it) or on
SIGTERM or SIGINT.

permessage-deflate is negotiated unless --deflate off. The options set what the server
demands; what the client offers still applies (an offer of server_no_context_takeover is
honoured without --server-no-context-takeover, for instance). Without any window option the
server lets the client choose both windows, unlike `websockets`' own default, which is
--default-deflate.
"""

import argparse
import asyncio
import os
import signal
import sys
import threading

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--deflate", choices=["on", "off"], default="on",
                   help="negotiate permessage-deflate (default on)")
    p.add_argument("--default-deflate", action="store_true",
                   help="websockets' own default settings: windows of 12 bits for both sides")
    p.add_argument("--server-no-context-takeover", action="store_true")
    p.add_argument("--client-no-context-takeover", action="store_true")
    p.add_argument("--server-max-window-bits", type=int, metavar="N",
                   help="9 to 15: websockets refuses 8 for its own window")
    p.add_argument("--client-max-window-bits", type=int, metavar="N", help="8 to 15")
    p.add_argument("--fragments", type=int, default=1, metavar="N",
                   help="echo each message in N fragments (default 1: unfragmented)")
    p.add_argument("--feed", type=int, metavar="N",
                   help="send N JSON messages (see feed_message), then close with 1000")
    p.add_argument("--feed-shape", choices=["tick", "market"], default="tick",
                   help="the --feed messages: tick (feed_message, ~190 B, the default) or "
                        "market (market_message, ~530 B, for the benchmarks)")
    return p.parse_args()


def feed_message(i):
    """The i-th message of --feed: a market-data tick, the same bytes as echo_ws.js sends."""
    price = 5_000_000 + (i * 7919) % 100_000
    size = 1 + (i * 104_729) % 10_000
    side = "buy" if i % 3 else "sell"
    return (
        '{"type":"ticker","sequence":%d,"product_id":"BTC-USD","price":"%d.%02d",'
        '"size":"0.%04d","side":"%s","time":"2026-01-01T00:00:%02d.%06dZ"}'
        % (i, price // 100, price % 100, size, side, i // 1_000_000 % 60, i % 1_000_000)
    )


def _mix(i, k):
    """A 32-bit hash of (i, k), as market.js's `mix`."""
    m = 0xFFFFFFFF
    x = (i * 0x9E3779B1 + (k + 1) * 0x85EBCA77) & m
    x ^= x >> 16
    x = (x * 0x7FEB352D) & m
    x ^= x >> 15
    x = (x * 0x846CA68B) & m
    return x ^ (x >> 16)


def _dec(v, scale):
    """`v` / 10^scale with `scale` decimals."""
    return "%d.%0*d" % (v // 10**scale, scale, v % 10**scale)


def market_message(i):
    """The i-th message of --feed-shape market: a ticker message of ~530 B, the same bytes as
    marketMessage in market.js (which describes it) and `market` in benches/deflate.rs."""
    price = 6_500_000 + _mix(i, 0) % 20_000
    bid = price - 1 - _mix(i, 1) % 5
    ask = price + 1 + _mix(i, 2) % 5

    def level(at, k):
        return '["%s","%s"]' % (_dec(at, 2), _dec(_mix(i, k) % 300_000_000, 8))

    bids = ",".join(level(bid - j * (1 + _mix(i, 10 + j) % 3), 30 + j) for j in range(2))
    asks = ",".join(level(ask + j * (1 + _mix(i, 20 + j) % 3), 35 + j) for j in range(2))
    return (
        '{"type":"ticker","sequence":%d,"product_id":"BTC-USD","price":"%s",'
        '"open_24h":"64210.55","volume_24h":"%s","low_24h":"63877.01","high_24h":"65312.99",'
        '"volume_30d":"%s","best_bid":"%s","best_bid_size":"%s","best_ask":"%s",'
        '"best_ask_size":"%s","side":"%s","time":"2026-01-01T%02d:%02d:%02d.%06dZ",'
        '"trade_id":%d,"last_size":"%s","bids":[%s],"asks":[%s]}'
    ) % (
        37_475_248_783 + i, _dec(price, 2),
        _dec(1_200_000_000_000 + i * 7919 % 100_000_000, 8),
        _dec(98_000_000_000_000 + i * 104_729 % 1_000_000_000, 8),
        _dec(bid, 2), _dec(_mix(i, 3) % 300_000_000, 8),
        _dec(ask, 2), _dec(_mix(i, 4) % 300_000_000, 8),
        "buy" if _mix(i, 5) & 1 else "sell",
        i // 3_600_000 % 24, i // 60_000 % 60, i // 1000 % 60,
        i % 1000 * 1000 + _mix(i, 6) % 1000,
        370_843_401 + i, _dec(_mix(i, 7) % 100_000_000, 8), bids, asks,
    )


def fragments(message, n):
    """`message` cut into `n` pieces of nearly equal length (fewer if it is shorter than n,
    one empty piece if it is empty)."""
    if n <= 1 or len(message) <= 1:
        return [message]
    step = -(-len(message) // n)
    return [message[i:i + step] for i in range(0, len(message), step)]


async def main():
    args = parse_args()
    if args.deflate == "off":
        compression, extensions = None, None
    elif args.default_deflate:
        compression, extensions = "deflate", None
    else:
        compression = None
        extensions = [ServerPerMessageDeflateFactory(
            server_no_context_takeover=args.server_no_context_takeover,
            client_no_context_takeover=args.client_no_context_takeover,
            server_max_window_bits=args.server_max_window_bits,
            client_max_window_bits=args.client_max_window_bits,
        )]

    async def handler(ws):
        try:
            if args.feed is not None:
                make = market_message if args.feed_shape == "market" else feed_message
                for i in range(args.feed):
                    await ws.send(make(i))
                await ws.close(1000, "feed done")
                return
            async for message in ws:
                if args.fragments > 1:
                    await ws.send(fragments(message, args.fragments))
                else:
                    await ws.send(message)
        except ConnectionClosed:
            pass

    loop = asyncio.get_running_loop()
    stop = loop.create_future()

    def request_stop():
        if not stop.done():
            stop.set_result(None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop)

    def watch_stdin():
        # Returns at end of file: the test that started us has dropped its end, or died.
        while os.read(sys.stdin.fileno(), 4096):
            pass
        loop.call_soon_threadsafe(request_stop)

    threading.Thread(target=watch_stdin, daemon=True).start()

    server = await serve(
        handler,
        "127.0.0.1",
        0,
        compression=compression,
        extensions=extensions,
        max_size=None,
        max_queue=None,
        ping_interval=None,
        close_timeout=1,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await stop
    # Open connections are closed with 1001, each waiting at most 1 s for its client.
    server.close()
    try:
        await asyncio.wait_for(server.wait_closed(), 2)
    except asyncio.TimeoutError:
        pass

if __name__ == "__main__":
    asyncio.run(main())
