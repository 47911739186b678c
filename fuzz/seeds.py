#!/usr/bin/env python3
"""Writes the committed seed corpora, fuzz/corpus/<target>/, from the cases of the crate's tests.

Each target reads its settings from the first bytes of an input (see src/fuzzing.rs); the seeds
put valid settings in front of the tests' frames, replies, URLs and payloads, so that the fuzzer
starts from inputs that reach deep into each parser. Run it again after changing an input format.
"""
import hashlib
import pathlib
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"


def frame(fin, op, payload, rsv=0, mask=None):
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n <= 0xFFFF:
        head = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += bytes(mask)
    return head + payload


def deflate(messages, bits=15):
    """permessage-deflate payloads, context taken over: a sync flush each, trailer removed."""
    c = zlib.compressobj(6, zlib.DEFLATED, -bits)
    out = []
    for m in messages:
        z = c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH)
        assert z.endswith(b"\x00\x00\xff\xff")
        out.append(z[:-4])
    return out


def write(target, seeds):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.iterdir():
        old.unlink()
    for s in seeds:
        (d / hashlib.sha1(s).hexdigest()).write_bytes(s)


TEXT, BINARY, CLOSE, PING, PONG, CONT = 1, 2, 8, 9, 10, 0
BIG = 0xFE  # the 1 MiB limit
NOCUTS = bytes([0])


def decoder_seeds():
    mixed = (frame(True, TEXT, b"hi") + frame(True, BINARY, b"\x00\x01\x02") + frame(True, PING, b"p")
             + frame(True, PONG, b"") + frame(True, CLOSE, b"\x03\xe8ok"))
    fragments = (frame(False, TEXT, b"Hel") + frame(True, PING, b"x") + frame(False, CONT, b"")
                 + frame(True, CONT, b"lo"))
    long = frame(True, BINARY, bytes(range(256)) * 130)
    violations = (frame(False, TEXT, "κ".encode()) + frame(True, CONT, b"\xce\x41\x41"))
    limits = bytes([6, 9]) + bytes([2, 3, 7]) + frame(False, BINARY, b"\x00" * 90) + frame(True, CONT, b"\x00" * 60)
    return [
        bytes([BIG, BIG]) + NOCUTS + mixed,
        bytes([BIG, BIG, 3, 1, 2, 5]) + fragments,
        bytes([BIG, BIG, 4, 3, 1, 7, 9]) + long + mixed,
        bytes([BIG, BIG]) + NOCUTS + violations,
        limits,
        bytes([BIG, BIG, 1, 1]) + frame(True, TEXT, b"abc\xffdef"),
        bytes([BIG, BIG]) + NOCUTS + frame(True, TEXT, b"a", mask=[1, 2, 3, 4]),
    ]


def decoder_deflate_seeds():
    a, b = b'{"price": 101.5, "qty": 3}', b'{"price": 101.6, "qty": 3}'
    za, zb = deflate([a, b])
    text = "ünïcödé ".encode() * 50
    (zt,) = deflate([text])
    third = len(zt) // 3
    fragmented = (frame(False, TEXT, zt[:third], rsv=4) + frame(True, PING, b"x")
                  + frame(False, CONT, zt[third:2 * third]) + frame(True, CONT, zt[2 * third:]))
    (bomb,) = deflate([bytes(200_000)])
    return [
        bytes([7, BIG, BIG]) + NOCUTS + frame(True, TEXT, za, rsv=4) + frame(True, BINARY, b"plain")
        + frame(True, BINARY, zb, rsv=4),
        bytes([7, BIG, BIG, 3, 5, 2, 9]) + fragmented,
        bytes([0x87, 40, 40]) + NOCUTS + frame(True, BINARY, bomb, rsv=4),
        bytes([7, BIG, BIG]) + NOCUTS + frame(True, TEXT, bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]), rsv=4),
        bytes([7, BIG, BIG]) + NOCUTS + frame(True, BINARY, b"\xff\xff\xff", rsv=4),
    ]


ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def reply(*extra):
    lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Accept: {ACCEPT}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def handshake_seeds():
    return [
        bytes([BIG]) + reply(),
        bytes([BIG]) + reply("Sec-WebSocket-Protocol: chat") + frame(True, TEXT, b"hi"),
        bytes([BIG]) + reply("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10"),
        bytes([BIG]) + reply("Connection: keep-alive, upgrade", "Sec-WebSocket-Extensions: permessage-deflate; "
                              "server_no_context_takeover, x-other"),
        bytes([BIG]) + b"HTTP/1.1 301 Moved Permanently\r\nLocation: ws://other/\r\n\r\n",
        bytes([8]) + reply("X-Long: " + "a" * 200),
    ]


def url_seeds():
    return [bytes([i % 2]) + u.encode() for i, u in enumerate([
        "ws://example.com/chat", "wss://[::1]:8443/a?b=c", "http://user:pw@host:80/", "https://h.example",
        "ws://h:6000/", "ws://192.168.0.1:9000/x", "ws://h/#frag", "ftp://h/",
    ])]


def close_seeds():
    return [b"", b"\x03\xe8ok", b"\x03", b"\x03\xed", b"\x0f\xa0" + "reason ✓".encode(), b"\x03\xe9\xff"]


def negotiation_seeds():
    nv = 2 << 3  # client_max_window_bits offered without a value
    return [
        bytes([nv, 0]) + b"permessage-deflate",
        bytes([nv | 1, 0]) + b"permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
        bytes([4 | nv, 2]) + b'permessage-deflate; server_max_window_bits="10"',
        bytes([(1 << 3) | 2, 0x20]) + b"permessage-deflate; client_max_window_bits=9\npermessage-deflate",
        bytes([nv, 0]) + b"x-webkit-deflate-frame",
        bytes([0, 0]) + b"permessage-deflate; client_max_window_bits=15; server_max_window_bits=8",
    ]


def inflater_seeds():
    hello = bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
    a, b = deflate([b"Hello", b"Hello"])
    stored = bytes([0x00, 0x05, 0x00, 0xFA, 0xFF]) + b"Hello"
    (bomb,) = deflate([bytes(100_000)])
    (text,) = deflate([b"the quick brown fox " * 10], bits=9)

    def msgs(*ms):
        return b"".join(bytes([len(m)]) + m for m in ms)

    return [
        bytes([7, BIG]) + msgs(hello),
        bytes([7, BIG]) + msgs(a, b),
        bytes([0x87, BIG]) + msgs(stored, hello),
        bytes([7, 3]) + msgs(bomb[:255]),
        bytes([1, BIG]) + msgs(text),
        bytes([7, BIG]) + msgs(b"\xff\xff\xff", hello),
    ]


def proxy_seeds():
    return [
        bytes([0, BIG]) + b"HTTP/1.1 200 Connection established\r\n\r\n" + frame(True, TEXT, b"x"),
        bytes([0, BIG]) + b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nVia: p\r\n\r\n",
        bytes([0, BIG]) + b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="p"\r\n\r\n',
        bytes([1, 1, 5, 2]),
        bytes([1, 0, 5, 0xFF]),
        bytes([2, 0, 1, 0]),
        bytes([3, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0x1F, 0x90]),
        bytes([3, 0, 5, 0, 0, 3, 9]) + b"proxy.lan" + bytes([0, 80]),
        bytes([3, 0, 5, 0, 0, 4]) + bytes(16) + bytes([0, 80]),
        bytes([3, 0, 5, 5]),
        bytes([4]) + b"http://user:p%40ssw0rd-long@proxy.corp:3128",
        bytes([4]) + b"socks5h://[::1]:1080",
        bytes([5, 8]) + b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        bytes([5, 8]) + b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 300\r\n\r\nnope",
    ]


def header_seeds():
    return [frame(True, TEXT, b"")[:2], frame(True, BINARY, b"x" * 300)[:4], frame(True, BINARY, b"x" * 70000)[:10],
            frame(True, TEXT, b"a", mask=[1, 2, 3, 4])[:6], bytes([0x89, 0x00]), bytes([0x82, 0x7E, 0x00, 0x10])]


def main():
    write("frame_header", header_seeds())
    write("decoder", decoder_seeds())
    write("decoder_deflate", decoder_deflate_seeds())
    write("handshake_response", handshake_seeds())
    write("url", url_seeds())
    write("close_payload", close_seeds())
    write("deflate_negotiation", negotiation_seeds())
    write("inflater", inflater_seeds())
    write("proxy_replies", proxy_seeds())


if __name__ == "__main__":
    main()
