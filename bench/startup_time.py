#!/usr/bin/python3
"""bench/startup_time.py -- start-up time of one server start, for bench/run.

Starts COMMAND, polls http://127.0.0.1:PORT/PATH every millisecond (a new
connection each time) until it answers 200, prints the time from just
before the exec to that answer, then stops the server it started (SIGTERM,
SIGKILL after --stop-timeout s) and prints its exit status:

    STARTUP_MS 23.41 RC 0

A curl loop in the shell would cost several milliseconds per try; this
polls cheaply enough to resolve start-ups of a few milliseconds.

usage: startup_time.py --port N [--path /healthz] [--cwd DIR] [--log FILE]
                       [--timeout S] [--stop-timeout S] -- COMMAND...
"""
import argparse
import signal
import socket
import subprocess
import sys
import time


def answers_200(port, path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                       "Connection: close\r\n\r\n" % (path, port)).encode())
            head = s.recv(64)
            return head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200")
    except OSError:
        return False


def stop(proc, timeout):
    """Stops the server this script started; returns its exit status."""
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "timeout"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True, help="port the server listens on (127.0.0.1)")
    ap.add_argument("--path", default="/healthz", help="path that answers 200 once up (default /healthz)")
    ap.add_argument("--cwd", default=None, help="working directory of the server")
    ap.add_argument("--log", default="/dev/null", help="file for the server's stdout and stderr")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the first 200 (default 30)")
    ap.add_argument("--stop-timeout", type=float, default=30.0, help="seconds between SIGTERM and SIGKILL (default 30)")
    ap.add_argument("command", nargs="+", help="the server command line (after --)")
    args = ap.parse_args()

    with open(args.log, "ab") as log:
        t0 = time.monotonic()
        proc = subprocess.Popen(args.command, cwd=args.cwd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        elapsed = None
        try:
            while time.monotonic() - t0 < args.timeout:
                if answers_200(args.port, args.path):
                    elapsed = time.monotonic() - t0
                    break
                if proc.poll() is not None:
                    break
                time.sleep(0.001)
        finally:
            rc = stop(proc, args.stop_timeout)
    if elapsed is None:
        print("STARTUP_MS fail RC %s" % rc)
        return 1
    print("STARTUP_MS %.2f RC %s" % (elapsed * 1000.0, rc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
