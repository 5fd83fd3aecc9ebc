"""The addresses a running process listens on, read from /proc (Linux): its socket inodes, then /proc/net/*.

``listening(pid)`` gives every TCP socket in LISTEN state and every bound UDP socket the process holds, as
``(address, port)``; ``not_loopback(pid)`` those of them that another machine could reach; ``unread_bytes(port)``
what peers have sent to a local port that its process has not read yet (a request waiting on a frozen server).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

_TABLES = {"tcp": "0A", "tcp6": "0A", "udp": "07", "udp6": "07"}  # LISTEN; UDP "unconnected", i.e. bound


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def _address(hex_addr: str) -> str:
    raw = bytes.fromhex(hex_addr)
    # The kernel prints each 32-bit word in host order (little-endian here).
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


def listening(pid: int) -> list[tuple[str, int]]:
    inodes = socket_inodes(pid)
    found = []
    for table, state in _TABLES.items():
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, st, inode = fields[1], fields[3], fields[9]
            if st == state and inode in inodes:
                addr, port = local.split(":")
                found.append((_address(addr), int(port, 16)))
    return found


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def not_loopback(pid: int) -> list[tuple[str, int]]:
    return [(addr, port) for addr, port in listening(pid) if not is_loopback(addr)]


def unread_bytes(port: int) -> int:
    """Bytes waiting in the receive queues of established TCP connections to local ``port`` (this namespace)."""
    total = 0
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, st, queues = fields[1], fields[3], fields[4]
            if st == "01" and int(local.rsplit(":", 1)[1], 16) == port:  # 01: ESTABLISHED
                total += int(queues.split(":")[1], 16)
    return total
