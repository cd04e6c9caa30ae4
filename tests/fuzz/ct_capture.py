#!/usr/bin/env python3
# Capture ctnetlink replies as the kernel sends them, one file per recv() buffer, for the
# seed corpus of fuzz_conntrack_parse and the parser's unit tests: the SNAT dump (status
# filter as twtest sends it), the per-CPU statistics and the global statistics. Run as
# root inside the network namespace to capture: ct_capture.py OUTDIR
import os, socket, struct, sys

NETLINK_NETFILTER = 12
out = sys.argv[1]
os.makedirs(out, exist_ok=True)

def request(msg, flags, attrs=b""):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    body = struct.pack("BBH", 0, 0, 0) + attrs  # nfgenmsg: AF_UNSPEC, NFNETLINK_V0
    hdr = struct.pack("=IHHII", 16 + len(body), (1 << 8) | msg, 1 | flags, 1, 0)
    s.send(hdr + body)
    bufs = []
    while True:
        b = s.recv(65536)
        bufs.append(b)
        off, end = 0, False
        while off + 16 <= len(b):
            ln, typ = struct.unpack_from("=IH", b, off)
            if typ in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
                end = True
            off += (ln + 3) & ~3
        if end:
            return bufs

def be32attr(t, v):
    return struct.pack("=HH", 8, t) + struct.pack(">I", v)

IPS_SRC_NAT = 1 << 4
for name, bufs in (("snat", request(1, 0x300, be32attr(3, IPS_SRC_NAT) + be32attr(26, IPS_SRC_NAT))),
                   ("stats_cpu", request(4, 0x300)), ("stats", request(5, 4))):
    for i, b in enumerate(bufs):
        with open(os.path.join(out, "%s.%d" % (name, i)), "wb") as f:
            f.write(b)
    print(name, len(bufs), "buffers", sum(len(b) for b in bufs), "bytes")
