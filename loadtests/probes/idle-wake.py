#!/usr/bin/env python3
"""Concurrency-1 latency through each target, back to back and with an idle gap before every request.

What an idle core costs on a VM: with GAP seconds of nothing between requests, every core the request crosses has gone
idle and must be woken (a cross-core wake-up on a virtual CPU can cost hundreds of microseconds), which is what a
streaming client's first frame meets after a stream's pacing. Raw sockets and HTTP/1.1 keep-alive, one connection per
target, interleaved rounds; the median round's p50 and p99 are printed.

  python3 loadtests/probes/idle-wake.py [GAP_SECONDS] [REQUESTS_PER_ROUND] [ROUNDS] name=port[:key] ...
  e.g. python3 loadtests/probes/idle-wake.py 0.02 100 5 direct=19000 yarp=19001 massrouter=19003:$KEY

Targets serve POST /v1/chat/completions with model "bench" (the board's mock, plain YARP and MassRouter as
loadtests/run-benchmark.sh starts them); pin the probe beside the mock (taskset -c 0) as the board pins its generator.
"""
import json
import re
import socket
import statistics
import sys
import time

gap, per_round, rounds = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
targets = []
for spec in sys.argv[4:]:
    name, rest = spec.split("=", 1)
    port, _, key = rest.partition(":")
    targets.append((name, int(port), key))

body = json.dumps({"model": "bench", "stream": False, "messages": [{"role": "user", "content": "Benchmark request: answer briefly."}]}).encode()


def request(port, key):
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nx-sim-tokens: 16\r\nx-sim-ttft-ms: 0\r\nx-sim-itl-ms: 0\r\n")
    if key:
        head += f"Authorization: Bearer {key}\r\n"
    return head.encode() + b"\r\n" + body


sockets = {}


def once(name, port, key):
    s = sockets.get(name)
    if s is None:
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sockets[name] = s
    payload = request(port, key)
    start = time.perf_counter_ns()
    s.sendall(payload)
    buf = b""
    while True:
        data = s.recv(65536)
        if not data:
            raise ConnectionError(f"{name} closed the connection")
        buf += data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            continue
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", buf[:end])
        if (length and len(buf) - end - 4 >= int(length.group(1))) or (not length and buf.endswith(b"0\r\n\r\n")):
            elapsed = (time.perf_counter_ns() - start) / 1000
            break
    if gap:
        time.sleep(gap)
    return elapsed


for name, port, key in targets:
    for _ in range(20):
        once(name, port, key)

results = {name: [] for name, _, _ in targets}
for _ in range(rounds):
    for name, port, key in targets:
        samples = sorted(once(name, port, key) for _ in range(per_round))
        results[name].append((samples[len(samples) // 2], samples[int(len(samples) * 0.99)]))

for name, _, _ in targets:
    p50 = statistics.median(a for a, _ in results[name])
    p99 = statistics.median(b for _, b in results[name])
    print(f"{name:12s} p50 {p50:7.0f} us  p99 {p99:7.0f} us  rounds' p50 {[round(a) for a, _ in results[name]]}")
