"""Stage 1, read: turn an input's bytes into text, and say which encoding was used.

Order of evidence: a byte-order mark, then a declared charset (``<meta charset>``,
``http-equiv`` content type or an XML declaration), then strict UTF-8, then detection
with charset-normalizer.  GBK and GB2312 are decoded as GB18030 (its superset, as
the WHATWG Encoding Standard does), so a file labelled gb2312 that uses GBK
characters still decodes.  Bytes that do not decode become U+FFFD and the caller
gets a warning: never a crash, never silent garbage.

Two guards come before any guessing: bytes that are not text at all (an image, a
run of NULs) are refused as binary input, and UTF-16/32 without a BOM is recognised
from its NUL pattern (it is valid UTF-8, so it would otherwise be read as text full
of NULs).  When nothing decodes cleanly, the text is UTF-8 if most of its non-ASCII
bytes are well-formed UTF-8 (a stray byte in a UTF-8 post), otherwise a legacy
multi-byte encoding that reads cleanly once its few bad bytes are replaced.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from .errors import CleanartWarning, DecodeError

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Chinese legacy encodings all decode as their superset, GB18030.
ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",  # what browsers do: cp1252 is a superset for text
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
}

DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""",
    re.IGNORECASE,
)


# How much of an input is looked at for a declared charset or a UTF-16/32 NUL pattern.
SNIFF_BYTES = 4096


class NotText(DecodeError):
    """The input's bytes are not text in any encoding (an image, an archive, NULs)."""


@dataclass
class Decoded:
    text: str
    encoding: str
    warnings: list[CleanartWarning] = field(default_factory=list)
    # The input's bytes when ``text`` is exactly their UTF-8 (strict, whole, no BOM): the
    # parser reads a page as UTF-8, and encoding a page again is a pass over all of it.
    utf8: bytes | None = None


def canonical(name: str) -> str:
    """The codec Python should use for an encoding label, or raise LookupError."""
    label = name.strip().lower()
    label = ALIASES.get(label, label)
    info = codecs.lookup(label)
    # rot13, base64, zlib and friends are codecs, but they do not turn bytes into text.
    if not getattr(info, "_is_text_encoding", True):
        raise LookupError(f"{name} is not a text encoding")
    return ALIASES.get(info.name, info.name)


def declared_encoding(data: bytes) -> str | None:
    """An encoding declared in the first 4 KB of markup, if Python knows it."""
    match = DECLARED.search(data[:SNIFF_BYTES])
    if not match:
        return None
    try:
        return canonical((match.group(1) or match.group(2)).decode("ascii"))
    except (LookupError, UnicodeDecodeError):
        return None


# When detection ties, the encodings our users' files are most often in come first.
PREFERRED = ("gb18030", "big5hkscs", "cp932", "shift_jis", "euc_jp", "cp949", "cp1252")


def detect(data: bytes) -> str | None:
    """The most plausible encoding, or None.

    UTF-16/32 are not guesses without a BOM unless the bytes hold NULs, and among
    guesses that read equally cleanly GB18030 wins: short GBK text otherwise comes
    out as Korean or UTF-16.
    """
    from charset_normalizer import from_bytes

    guesses = []
    for match in from_bytes(data):
        name = match.encoding.replace("_", "-").lower()
        if name.startswith(("utf-16", "utf-32")) and b"\x00" not in data:
            continue
        try:
            guesses.append((match.chaos, canonical(name)))
        except LookupError:
            continue
    if not guesses:
        return None
    cleanest = min(chaos for chaos, _ in guesses)
    tied = [name for chaos, name in guesses if chaos <= cleanest + 1e-9]
    for name in PREFERRED:
        if name in tied:
            return name
    return tied[0]


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode an input file's bytes. ``encoding`` (the user's --encoding) overrides all."""
    if encoding:
        return _decode_as(data, canonical(encoding), strip_bom=True)
    for bom, name in BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], name)
    wide = wide_encoding(data)
    if wide:
        return _decode_as(data, wide)
    refuse_binary(data)
    declared = declared_encoding(data)
    if declared:
        return _decode_as(data, declared)
    try:
        return Decoded(data.decode("utf-8"), "utf-8", utf8=data)
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if mostly_utf8(data):
        return _decode_as(data, "utf-8")
    guess = detect(data)
    if guess and guess != "utf-8":
        try:
            return Decoded(data.decode(guess), guess)
        except UnicodeDecodeError:
            pass
    legacy = damaged_legacy(data)
    if legacy:
        return _decode_as(data, legacy)
    # Mostly UTF-8 with a few broken bytes (a truncated scrape) is still UTF-8.
    if guess is None or guess == "utf-8" or bad_at > len(data) // 2:
        return _decode_as(data, "utf-8")
    return _decode_as(data, guess)


# File signatures of formats that are never articles (images, archives, documents).
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip file"),
    (b"BZh", None),  # too short to be sure alone; checked with NULs below
    (b"\x7fELF", "a program"),
    (b"RIFF", None),
)
WIDE_SAMPLE = SNIFF_BYTES


def refuse_binary(data: bytes) -> None:
    """Raise NotText for a known binary format or bytes with many NULs.

    Text in any 8-bit or multi-byte encoding has no NUL bytes (UTF-16/32 were
    recognised before this), so more than a few in the first 4 KB mean binary data;
    one stray NUL in a scraped page is still text.
    """
    for magic, kind in SIGNATURES:
        if kind and data.startswith(magic):
            raise NotText(f"binary input ({kind}), not text")
    sample = data[:WIDE_SAMPLE]
    nuls = sample.count(0)
    if nuls > max(8, len(sample) // 100):
        raise NotText("binary input (NUL bytes), not text")


def wide_encoding(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM, recognised by where its NUL bytes fall.

    Latin-script text in UTF-16 LE has a NUL at most odd offsets and almost none at
    even ones (UTF-32 LE: NULs at offsets 1-3 of every 4); a binary file's NULs fall
    anywhere.  The sample must also decode strictly.
    """
    sample = data[: WIDE_SAMPLE - WIDE_SAMPLE % 4]
    if len(sample) < 8 or sample.count(0) < len(sample) // 4:
        return None
    lanes = [sample[i::4].count(0) / len(sample[i::4]) for i in range(4)]
    layouts = (
        ("utf-32-le", (False, True, True, True)),
        ("utf-32-be", (True, True, True, False)),
        ("utf-16-le", (False, True, False, True)),
        ("utf-16-be", (True, False, True, False)),
    )
    for codec, nul_lanes in layouts:
        if all((share > 0.6) if wanted else (share < 0.05) for share, wanted in zip(lanes, nul_lanes)):
            try:
                sample.decode(codec)
            except UnicodeDecodeError:
                continue
            return codec
    return None


def mostly_utf8(data: bytes) -> bool:
    """Whether text that is not valid UTF-8 is still UTF-8 with a few stray bytes.

    A legacy encoding's non-ASCII bytes almost never form well-formed UTF-8
    sequences, so when well-formed multi-byte characters outnumber the bytes that
    do not decode, the file is UTF-8 with damage, not another encoding.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return good > 0 and bad <= good


# Multi-byte legacy encodings, tried when no encoding decodes the file cleanly.
LEGACY = ("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949")


def damaged_legacy(data: bytes) -> str | None:
    """A legacy encoding the file is in, apart from a few bytes that do not decode.

    Detection needs bytes that decode cleanly, so it is asked about the longest run
    of the file between bad bytes: the candidate is the answer only if detection
    agrees on such a run and at most 0.5% of the bytes were bad.
    """
    limit = max(3, len(data) // 200)
    for codec in LEGACY:
        bad = _bad_offsets(data, codec, limit + 1)
        if not bad or len(bad) > limit:
            continue
        edges = [-1, *bad, len(data)]
        runs = sorted(zip(edges, edges[1:]), key=lambda run: run[0] - run[1])[:3]
        # A bad byte inside a character can shift the pairs after it: the longest run
        # may be garbled, so the three longest are asked.
        if any(end - start > 64 and detect(data[start + 1 : end]) == codec for start, end in runs):
            return codec
    return None


def _bad_offsets(data: bytes, codec: str, most: int) -> list[int]:
    """Offsets of up to ``most`` bytes that do not decode in ``codec`` (each skipped alone)."""
    offsets: list[int] = []
    position = 0
    while len(offsets) < most:
        try:
            data[position:].decode(codec)
            break
        except UnicodeDecodeError as exc:
            offsets.append(position + exc.start)
            position += exc.start + 1
    return offsets


def _decode_as(data: bytes, codec: str, strip_bom: bool = False) -> Decoded:
    if strip_bom:
        for bom, name in BOMS:
            if data.startswith(bom) and canonical(name) == codec.replace("_", "-"):
                data = data[len(bom) :]
                break
    text = data.decode(codec, errors="replace")
    warnings = []
    bad = text.count("\ufffd")
    if bad:
        # Only bytes that did not decode count; a U+FFFD present in the source is text.
        genuine = data.count("\ufffd".encode(codec, errors="ignore") or b"\x00\x00\x00\x00")
        if bad > genuine:
            message = (
                f"{bad - genuine} undecodable byte sequence(s) replaced with U+FFFD "
                f"(decoded as {codec}; use --encoding to choose another)"
            )
            warnings.append(CleanartWarning("undecodable", message))
    return Decoded(text, codec, warnings)
