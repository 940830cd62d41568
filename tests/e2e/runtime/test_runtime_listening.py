"""Every socket the runtime and its children listen on is on the loopback interface (issue 20, item 2).

DynamoDB Local has no host option and used to listen on every interface with no authentication. The test
reads the kernel's own tables (/proc/<pid>/fd and /proc/net/tcp{,6}) for the runtime's whole process group,
so a child that listens anywhere else — whatever it is — fails it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc")]


def _group(pgid: int) -> dict[int, str]:
    """pid -> command name of every process in the process group (the runtime and its children)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    found[int(entry.name)] = (entry / "comm").read_text().strip()
            except (ProcessLookupError, PermissionError, FileNotFoundError):
                continue
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def _listening() -> dict[str, tuple[str, int]]:
    """inode -> (address, port) of every listening TCP socket on the machine."""
    out = {}
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A":  # TCP_LISTEN
                continue
            address_hex, port_hex = fields[1].split(":")
            raw = bytes.fromhex(address_hex)
            # The kernel prints the address as 32-bit words in host byte order.
            packed = b"".join(struct.pack("=I", struct.unpack(">I", raw[i:i + 4])[0]) for i in range(0, len(raw), 4))
            out[fields[9]] = (socket.inet_ntop(family, packed), int(port_hex, 16))
    return out


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def test_the_runtime_and_every_child_listen_on_loopback_only(runtime: RuntimeProcess) -> None:
    processes = _group(runtime.process.pid)
    listening = _listening()
    sockets = {pid: [listening[i] for i in _socket_inodes(pid) if i in listening] for pid in processes}
    seen = {f"{processes[pid]}[{pid}]": where for pid, where in sockets.items() if where}

    assert any(port == runtime.port for where in sockets.values() for _, port in where), seen
    dynamodb_port = int(runtime.env["AWS_ENDPOINT_URL_DYNAMODB"].rsplit(":", 1)[1])
    assert any(port == dynamodb_port for pid, where in sockets.items() if pid != runtime.process.pid
               for _, port in where), f"DynamoDB Local (a child) not found listening: {seen}"
    everywhere = {name: where for name, where in seen.items() if not all(_is_loopback(a) for a, _ in where)}
    assert not everywhere, f"listening beyond the loopback interface: {everywhere}"
