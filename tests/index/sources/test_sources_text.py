"""Decoding and cleaning shared by all readers."""

from __future__ import annotations

import unicodedata

import pytest

from index.sources import DecodeError, clean_text, decode_bytes

TEXT = "Hà Nội mưa to\nĐường phố ngập sâu"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        TEXT.encode("utf-8-sig"),
        TEXT.encode("utf-16"),  # with a byte-order mark
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),  # no mark: told apart by where the NULs sit
        TEXT.encode("utf-16-be"),
    ],
)
def test_decode_bytes_encodings(data: bytes) -> None:
    assert decode_bytes(data) == TEXT


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (bytes(range(256)), "binary file (NUL bytes)"),
        (b"\x00\x01\x02\x03" * 64, "binary file (NUL bytes)"),  # NULs in one column only
        ("Cà phê".encode("latin-1"), "not UTF-8 or UTF-16 text (byte 0xe0 at offset 1)"),
    ],
)
def test_decode_bytes_refuses(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as error:
        decode_bytes(data)
    assert str(error.value) == reason
    assert isinstance(error.value, ValueError)


def test_clean_text() -> None:
    raw = unicodedata.normalize(
        "NFD", "  Hà\u200b Nội\u200d\r\n\r\n\xa0 \n\tTrời\x07 mưa\ufeff\u00a0\rTab\there "
    )
    assert clean_text(raw) == "Hà Nội\nTrời mưa\nTab\there"
    assert unicodedata.is_normalized("NFC", clean_text(raw))
    assert clean_text(" \n\u200b\n") == ""
