// Node's `ws` (8.x) as a client, for benches/deflate.rs: the reference that wsync is measured
// against, doing the same work in a process of its own.
//
//     NODE_PATH=target/peers/node_modules node tests/peers/client_ws.js MODE URL N [--deflate on|off]
//
// MODE recv: connects and receives N messages (the server's feed), then closes.
// MODE send: connects and sends N text messages, marketMessage(i % 4096) of market.js (made
//   before the clock starts), waiting for `ws` to have written them every 1000 messages, as
//   echo_ws.js's feed does; then waits for the server's "done BYTES" (echo_ws.js --sink N),
//   checks BYTES, and closes.
// --deflate: `ws`'s client offers permessage-deflate with its defaults (on, the default:
//   zlib's level, memLevel 8 and windows of 15 bits unless the server limits them) or not.
//
// The clock and the process's CPU time (`process.cpuUsage()`: every thread of the process,
// zlib's work on libuv's thread pool included) start just before the connection is opened and
// stop when the N-th message has arrived (recv) or the server's "done" has (send). Prints one
// line: `RESULT n=N bytes=B secs=S user_us=U sys_us=Y ext=EXTENSIONS` (EXTENSIONS, the
// negotiated Sec-WebSocket-Extensions, runs to the end of the line), and exits 0; or a reason
// on standard error, and exits 1.
'use strict';

const WebSocket = require('ws');
const { marketMessage } = require('./market');

const DISTINCT = 4096;

function fail(why) {
  process.stderr.write(`client_ws.js: ${why}\n`);
  process.exit(1);
}

// The negotiated permessage-deflate parameters, as a header value ("" when none).
function negotiated(ws) {
  const pmd = ws._extensions && ws._extensions['permessage-deflate'];
  if (!pmd) return '';
  const params = Object.entries(pmd.params).map(([k, v]) => (v === true ? k : `${k}=${v}`));
  return ['permessage-deflate', ...params].join('; ');
}

function main() {
  const argv = process.argv.slice(2);
  if (argv.length !== 3 && argv.length !== 5) fail('usage: MODE URL N [--deflate on|off]');
  const [mode, url, nArg] = argv;
  const n = Number(nArg);
  if (!Number.isInteger(n) || n <= 0) fail(`N must be a positive whole number, got ${nArg}`);
  let deflate = true;
  if (argv.length === 5) {
    if (argv[3] !== '--deflate' || (argv[4] !== 'on' && argv[4] !== 'off')) {
      fail(`expected --deflate on|off, got ${argv[3]} ${argv[4]}`);
    }
    deflate = argv[4] === 'on';
  }
  if (mode !== 'recv' && mode !== 'send') fail(`MODE is recv or send, got ${mode}`);

  const messages = mode === 'send' ? Array.from({ length: DISTINCT }, (_, i) => marketMessage(i)) : [];
  let expected = 0;
  for (let i = 0; i < n && mode === 'send'; i++) expected += Buffer.byteLength(messages[i % DISTINCT]);

  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let done = false;
  const report = (bytes) => {
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    done = true;
    process.stdout.write(
      `RESULT n=${n} bytes=${bytes} secs=${secs} user_us=${cpu.user} sys_us=${cpu.system} ` +
        `ext=${negotiated(ws)}\n`
    );
  };

  const ws = new WebSocket(url, { perMessageDeflate: deflate });
  ws.on('error', (err) => fail(`${mode}: ${err.message}`));
  ws.on('close', (code, reason) => {
    if (!done) fail(`${mode}: closed (${code} ${reason}) before the end`);
    process.exit(0);
  });

  if (mode === 'recv') {
    let count = 0;
    let bytes = 0;
    ws.on('message', (data) => {
      count += 1;
      bytes += data.length;
      if (count === n) {
        report(bytes);
        ws.close(1000);
      }
    });
    return;
  }

  ws.on('message', (data) => {
    const text = data.toString();
    if (text !== `done ${expected}`) fail(`send: the server said ${text}, expected done ${expected}`);
    report(expected);
    ws.close(1000);
  });
  ws.on('open', async () => {
    for (let i = 0; i < n; i++) {
      const m = messages[i % DISTINCT];
      if (i % 1000 === 999 || i === n - 1) {
        await new Promise((resolve, reject) => ws.send(m, (err) => (err ? reject(err) : resolve())));
      } else {
        ws.send(m);
      }
    }
  });
}

main();
