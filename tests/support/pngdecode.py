"""Decode an 8-bit RGB/RGBA PNG (what Chromium's --screenshot writes) with zlib only, so
the report test needs no imaging library."""

from __future__ import annotations

import struct
import zlib

CHANNELS = {2: 3, 6: 4}  # PNG colour type → bytes per pixel at 8 bits


def chunks(data: bytes) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        found[kind] = found.get(kind, b"") + data[at + 8 : at + 8 + length]
        at += 12 + length
    return found


def pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and the RGB pixels, row by row."""
    parts = chunks(data)
    width, height, depth, colour = struct.unpack(">IIBB", parts[b"IHDR"][:10])
    if depth != 8 or colour not in CHANNELS:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}")
    bpp = CHANNELS[colour]
    raw = zlib.decompress(parts[b"IDAT"])
    stride = width * bpp
    previous = bytearray(stride)
    out: list[tuple[int, int, int]] = []
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        row = unfilter(line[0], bytearray(line[1:]), previous, bpp)
        out.extend((row[i], row[i + 1], row[i + 2]) for i in range(0, stride, bpp))
        previous = row
    return width, height, out


def unfilter(kind: int, row: bytearray, above: bytearray, bpp: int) -> bytearray:
    for i in range(len(row)):
        left = row[i - bpp] if i >= bpp else 0
        up, corner = above[i], above[i - bpp] if i >= bpp else 0
        row[i] = (row[i] + predict(kind, left, up, corner)) & 0xFF
    return row


def predict(kind: int, left: int, up: int, corner: int) -> int:
    if kind == 0:
        return 0
    if kind == 1:
        return left
    if kind == 2:
        return up
    if kind == 3:
        return (left + up) // 2
    guess = left + up - corner  # 4: Paeth
    near = min((abs(guess - left), 0), (abs(guess - up), 1), (abs(guess - corner), 2))
    return (left, up, corner)[near[1]]
