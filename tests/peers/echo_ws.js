// An echo server on Node's `ws` (8.x), for wsync's tests against real peers.
//
//     NODE_PATH=target/peers/node_modules node tests/peers/echo_ws.js [options]
//
// (scripts/peers.sh installs `ws` there.) It listens on 127.0.0.1 on a port the system picks
// and prints that port, alone, on its first line of standard output. Each connection echoes
// every message, text as text and binary as binary, until the client closes; with --feed it
// sends messages of its own instead, and with --sink it counts the client's. The server exits when its standard input closes (so it
// never outlives the test that started it) or on SIGTERM or SIGINT.
//
// Options (as echo_websockets.py's):
//   --deflate on|off                 negotiate permessage-deflate (default on); `ws` compresses
//                                    every message, its threshold set to 0
//   --server-no-context-takeover     demanded of the client's offer or added to the answer
//   --client-no-context-takeover
//   --server-max-window-bits N       8 to 15; `ws` then refuses offers asking for less
//   --client-max-window-bits N       8 to 15; `ws` then refuses offers that cannot be limited
//   --fragments N                    echo each message in N fragments (default 1)
//   --compress-min N                 echo messages shorter than N bytes uncompressed (RSV1
//                                    clear), whatever the context takeover (default 0)
//   --feed N                         send N JSON messages (see feedMessage), then close 1000
//   --feed-shape tick|market         the --feed messages: tick (feedMessage, ~190 B, the
//                                    default) or market (market.js, ~530 B, for benchmarks)
//   --sink N                         echo nothing: count the client's data messages and their
//                                    bytes; once N have come, send the text message
//                                    "done BYTES" and close 1000 (benches/deflate.rs)
// Without a window option `ws` accepts the windows the client asks for.
'use strict';

const { WebSocketServer } = require('ws');
const { marketMessage } = require('./market');

function usage(why) {
  process.stderr.write(`echo_ws.js: ${why}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = {
    deflate: true,
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
    fragments: 1,
    compressMin: 0,
    feed: undefined,
    feedShape: 'tick',
    sink: undefined
  };
  const int = (name, value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) usage(`${name} needs a whole number, got ${value}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--deflate': {
        const v = value();
        if (v !== 'on' && v !== 'off') usage(`--deflate on|off, got ${v}`);
        args.deflate = v === 'on';
        break;
      }
      case '--server-no-context-takeover':
        args.serverNoContextTakeover = true;
        break;
      case '--client-no-context-takeover':
        args.clientNoContextTakeover = true;
        break;
      case '--server-max-window-bits':
        args.serverMaxWindowBits = int(a, value());
        break;
      case '--client-max-window-bits':
        args.clientMaxWindowBits = int(a, value());
        break;
      case '--fragments':
        args.fragments = int(a, value());
        break;
      case '--compress-min':
        args.compressMin = int(a, value());
        break;
      case '--feed':
        args.feed = int(a, value());
        break;
      case '--feed-shape': {
        const v = value();
        if (v !== 'tick' && v !== 'market') usage(`--feed-shape tick|market, got ${v}`);
        args.feedShape = v;
        break;
      }
      case '--sink':
        args.sink = int(a, value());
        break;
      default:
        usage(`unknown option ${a}`);
    }
  }
  return args;
}

// The i-th message of --feed: a market-data tick, the same bytes as echo_websockets.py sends.
function feedMessage(i) {
  const price = 5000000 + ((i * 7919) % 100000);
  const size = 1 + ((i * 104729) % 10000);
  const side = i % 3 ? 'buy' : 'sell';
  const pad = (n, width) => String(n).padStart(width, '0');
  return (
    `{"type":"ticker","sequence":${i},"product_id":"BTC-USD",` +
    `"price":"${Math.floor(price / 100)}.${pad(price % 100, 2)}",` +
    `"size":"0.${pad(size, 4)}","side":"${side}",` +
    `"time":"2026-01-01T00:00:${pad(Math.floor(i / 1000000) % 60, 2)}.${pad(i % 1000000, 6)}Z"}`
  );
}

// Sends `data` in `n` fragments of nearly equal length (fewer if it is shorter than n),
// compressed or not. (`ws` itself applies its `threshold` only without context takeover.)
function sendFragments(ws, data, isBinary, n, compress) {
  if (n <= 1 || data.length <= 1) {
    ws.send(data, { binary: isBinary, compress });
    return;
  }
  const step = Math.ceil(data.length / n);
  for (let at = 0; at < data.length; at += step) {
    const fin = at + step >= data.length;
    ws.send(data.subarray(at, at + step), { binary: isBinary, fin, compress });
  }
}

// Sends the --feed messages, waiting for the socket every 1000 messages so that memory stays
// bounded however many there are, then closes.
async function feed(ws, n, make) {
  for (let i = 0; i < n; i++) {
    if (ws.readyState !== ws.OPEN) return;
    if (i % 1000 === 999) {
      await new Promise((resolve) => ws.send(make(i), resolve));
    } else {
      ws.send(make(i));
    }
  }
  ws.close(1000, 'feed done');
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  // Options left undefined let the client choose: `serverNoContextTakeover: false`, say,
  // would make `ws` refuse (with 400) every offer that asks for server_no_context_takeover.
  const perMessageDeflate = args.deflate && {
    serverNoContextTakeover: args.serverNoContextTakeover || undefined,
    clientNoContextTakeover: args.clientNoContextTakeover || undefined,
    serverMaxWindowBits: args.serverMaxWindowBits,
    clientMaxWindowBits: args.clientMaxWindowBits,
    threshold: 0
  };
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate,
    maxPayload: 256 * 1024 * 1024
  });

  server.on('listening', () => {
    process.stdout.write(`${server.address().port}\n`);
  });
  server.on('error', (err) => {
    process.stderr.write(`echo_ws.js: ${err.stack}\n`);
    process.exit(1);
  });
  server.on('connection', (ws) => {
    ws.on('error', (err) => process.stderr.write(`echo_ws.js: connection: ${err.message}\n`));
    if (args.feed !== undefined) {
      const make = args.feedShape === 'market' ? marketMessage : feedMessage;
      feed(ws, args.feed, make).catch((err) => process.stderr.write(`echo_ws.js: feed: ${err}\n`));
      return;
    }
    if (args.sink !== undefined) {
      let count = 0;
      let bytes = 0;
      ws.on('message', (data) => {
        count += 1;
        bytes += data.length;
        if (count === args.sink) {
          ws.send(`done ${bytes}`);
          ws.close(1000, 'sink done');
        }
      });
      return;
    }
    ws.on('message', (data, isBinary) =>
      sendFragments(ws, data, isBinary, args.fragments, data.length >= args.compressMin)
    );
  });

  // The test that started us has dropped its end of stdin, or died: stop.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}

main();
