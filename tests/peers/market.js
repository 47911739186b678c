// The market-data feed of the benchmarks (benches/deflate.rs): `marketMessage(i)`, a ticker
// message of ~530 bytes (528.5 on average over the first 10,000) with the fields of a real
// exchange's ticker channel and two levels of the order book. Fields that change from message
// to message are pseudo-random functions of `i`, so that the feed compresses as market data
// does (about 4.2× with zlib at level 6 and context takeover), and every implementation makes
// the same bytes: echo_websockets.py's `market_message` and `market` in benches/deflate.rs
// must stay identical to this.
'use strict';

// A 32-bit hash of (i, k): the low 32 bits of every product, as in Python and Rust.
function mix(i, k) {
  let x = (Math.imul(i, 0x9e3779b1) + Math.imul(k + 1, 0x85ebca77)) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

// `v` / 10^scale with `scale` decimals ("12.34" for 1234, 2).
function dec(v, scale) {
  const unit = 10 ** scale;
  const frac = v % unit;
  return `${(v - frac) / unit}.${String(frac).padStart(scale, '0')}`;
}

const pad = (n, width) => String(n).padStart(width, '0');

function marketMessage(i) {
  const price = 6500000 + (mix(i, 0) % 20000);
  const bid = price - 1 - (mix(i, 1) % 5);
  const ask = price + 1 + (mix(i, 2) % 5);
  const level = (at, k) => `["${dec(at, 2)}","${dec(mix(i, k) % 300000000, 8)}"]`;
  const bids = [0, 1].map((j) => level(bid - j * (1 + (mix(i, 10 + j) % 3)), 30 + j));
  const asks = [0, 1].map((j) => level(ask + j * (1 + (mix(i, 20 + j) % 3)), 35 + j));
  return (
    `{"type":"ticker","sequence":${37475248783 + i},"product_id":"BTC-USD",` +
    `"price":"${dec(price, 2)}","open_24h":"64210.55",` +
    `"volume_24h":"${dec(1200000000000 + ((i * 7919) % 100000000), 8)}",` +
    `"low_24h":"63877.01","high_24h":"65312.99",` +
    `"volume_30d":"${dec(98000000000000 + ((i * 104729) % 1000000000), 8)}",` +
    `"best_bid":"${dec(bid, 2)}","best_bid_size":"${dec(mix(i, 3) % 300000000, 8)}",` +
    `"best_ask":"${dec(ask, 2)}","best_ask_size":"${dec(mix(i, 4) % 300000000, 8)}",` +
    `"side":"${mix(i, 5) & 1 ? 'buy' : 'sell'}",` +
    `"time":"2026-01-01T${pad(Math.floor(i / 3600000) % 24, 2)}:` +
    `${pad(Math.floor(i / 60000) % 60, 2)}:${pad(Math.floor(i / 1000) % 60, 2)}.` +
    `${pad((i % 1000) * 1000 + (mix(i, 6) % 1000), 6)}Z",` +
    `"trade_id":${370843401 + i},"last_size":"${dec(mix(i, 7) % 100000000, 8)}",` +
    `"bids":[${bids.join(',')}],"asks":[${asks.join(',')}]}`
  );
}

module.exports = { marketMessage };
