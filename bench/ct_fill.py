#!/usr/bin/env python3
# Fill the conntrack table of the current network namespace with N SNAT'd TCP entries for
# scripts/bench_nat.sh, through ctnetlink (IPCTNL_MSG_CT_NEW with CTA_NAT_SRC: the kernel's
# own NAT setup marks them IPS_SRC_NAT and rewrites the reply tuple), many messages to one
# send, far faster than `conntrack -I` in a loop. Entry i goes from 10.a.b.c:sport toward
# destination 198.19.1.(i % G + 1):80 and is translated to 198.19.0.1, NAT port
# 1024 + i // G (min = max, so unique). States alternate ESTABLISHED / TIME_WAIT; timeout 3600 s.
#   ct_fill.py N G [FROM]  entries FROM..N-1 (FROM default 0), as root inside the namespace
import socket, struct, sys

N, G = int(sys.argv[1]), int(sys.argv[2])
FROM = int(sys.argv[3]) if len(sys.argv) > 3 else 0
if N // G + 1024 > 65535:
    sys.exit("ct_fill: more than 64512 entries per destination")
NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_NEW = 1, 0
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 1, 4, 0x200, 0x400
NESTED = 0x8000

def attr(t, payload):
    a = struct.pack("=HH", 4 + len(payload), t) + payload
    return a + b"\0" * (-len(a) % 4)

def tuple_(t, src, dst, sport, dport):
    ip = attr(1, src) + attr(2, dst)
    proto = attr(1, b"\x06") + attr(2, struct.pack(">H", sport)) + attr(3, struct.pack(">H", dport))
    return attr(t | NESTED, attr(1 | NESTED, ip) + attr(2 | NESTED, proto))

nat_ip = socket.inet_aton("198.19.0.1")
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
BATCH, sent, errors = 256, FROM, 0
while sent < N:
    buf = []
    n = min(BATCH, N - sent)
    for i in range(sent, sent + n):
        src = bytes((10, (i >> 16) & 255, (i >> 8) & 255, i & 255))
        dst = bytes((198, 19, 1, i % G + 1))
        sport = 1024 + (i * 7919) % 60000
        nport = 1024 + i // G
        state = 3 if i % 2 else 7  # TCP_CONNTRACK_ESTABLISHED, TIME_WAIT
        body = (tuple_(1, src, dst, sport, 80) + tuple_(2, dst, src, 80, sport)
                + attr(7, struct.pack(">I", 3600))
                + attr(4 | NESTED, attr(1 | NESTED, attr(1, bytes((state,)))))
                + attr(6 | NESTED, attr(1, nat_ip) + attr(2, nat_ip)
                       + attr(3 | NESTED, attr(1, struct.pack(">H", nport)) + attr(2, struct.pack(">H", nport)))))
        msg = struct.pack("BBH", socket.AF_INET, 0, 0) + body
        hdr = struct.pack("=IHHII", 16 + len(msg), NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW,
                          NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, i + 1, 0)
        buf.append(hdr + msg)
    s.send(b"".join(buf))
    acks = 0
    while acks < n:
        b = s.recv(1 << 20)
        off = 0
        while off + 16 <= len(b):
            ln, typ = struct.unpack_from("=IH", b, off)
            if typ == 2:
                acks += 1
                if struct.unpack_from("=i", b, off + 16)[0] != 0:
                    errors += 1
            off += (ln + 3) & ~3
    sent += n
print("ct_fill: %d entries sent, %d refused" % (N - FROM, errors))
sys.exit(1 if errors else 0)
