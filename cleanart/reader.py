"""Stage 1, read: turn an input's bytes into text, and say which encoding was used.

Order of evidence: a byte-order mark, then a declared charset (``<meta charset>``,
``http-equiv`` content type or an XML declaration), then strict UTF-8, then detection
with charset-normalizer.  GBK and GB2312 are decoded as GB18030 (its superset, as
the WHATWG Encoding Standard does), so a file labelled gb2312 that uses GBK
characters still decodes.  Bytes that do not decode become U+FFFD and the caller
gets a warning: never a crash, never silent garbage.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

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


@dataclass
class Decoded:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def canonical(name: str) -> str:
    """The codec Python should use for an encoding label, or raise LookupError."""
    label = name.strip().lower()
    label = ALIASES.get(label, label)
    codec = codecs.lookup(label).name
    return ALIASES.get(codec, codec)


def declared_encoding(data: bytes) -> str | None:
    """An encoding declared in the first 4 KB of markup, if Python knows it."""
    match = DECLARED.search(data[:4096])
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
    declared = declared_encoding(data)
    if declared:
        return _decode_as(data, declared)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    guess = detect(data)
    if guess and guess != "utf-8":
        try:
            return Decoded(data.decode(guess), guess)
        except UnicodeDecodeError:
            pass
    # Mostly UTF-8 with a few broken bytes (a truncated scrape) is still UTF-8.
    if guess is None or guess == "utf-8" or bad_at > len(data) // 2:
        return _decode_as(data, "utf-8")
    return _decode_as(data, guess)


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
            warnings.append(
                f"{bad - genuine} undecodable byte sequence(s) replaced with U+FFFD "
                f"(decoded as {codec}; use --encoding to choose another)"
            )
    return Decoded(text, codec, warnings)
