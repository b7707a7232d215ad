#!/usr/bin/env python3
"""test/docker/nxdns.py ADDRESS: a DNS server that knows no names.

Started by rig.sh on the rig bridge's address and given to the private dockerd
as the containers' upstream resolver (--dns). Docker's embedded DNS answers
container and service names itself and forwards every other name upstream.
With no upstream that answers, Docker 20.10 never replies to the container,
and each lookup of an unknown name (or of the AAAA record of an extra_hosts
name) stalls for the resolver timeout: 10 s and more. This server answers
every query at once with NXDOMAIN, so those lookups fail fast, and no DNS
query from a container ever leaves this machine.
"""
import socket
import sys


def answer(query: bytes) -> bytes | None:
    if len(query) < 12 or query[2] & 0x80:  # too short, or itself a response
        return None
    qdcount = int.from_bytes(query[4:6], "big")
    end = 12
    if qdcount:
        # Echo the first question: QNAME labels, then QTYPE and QCLASS.
        while end < len(query) and query[end] != 0:
            if query[end] & 0xC0:  # no compression in a question
                return None
            end += query[end] + 1
        end += 5
        if end > len(query):
            return None
    high = 0x80 | (query[2] & 0x79)  # QR, the query's opcode and RD
    low = 0x80 | 3  # RA, RCODE = NXDOMAIN
    counts = (1 if qdcount else 0).to_bytes(2, "big") + bytes(6)
    return query[:2] + bytes([high, low]) + counts + query[12:end]


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: nxdns.py ADDRESS", file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((sys.argv[1], 53))
    print(f"nxdns: answering NXDOMAIN on {sys.argv[1]}:53", file=sys.stderr, flush=True)
    while True:
        try:
            query, peer = sock.recvfrom(4096)
            reply = answer(query)
            if reply is not None:
                sock.sendto(reply, peer)
        except OSError as err:
            print(f"nxdns: {err}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
