"""Guess a text file's encoding and delimiter from its first bytes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

SAMPLE_BYTES = 256 * 1024
DELIMITERS = ",;\t|"
_BOM_UTF16 = (b"\xff\xfe", b"\xfe\xff")


def read_sample(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as such, else charset-normalizer's guess.

    Chinese text that is not UTF-8 is reported as gb18030, the superset of GBK and GB2312 that
    Excel's "CSV" export produces on Chinese Windows.
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if sample.startswith(_BOM_UTF16):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if len(sample) >= SAMPLE_BYTES and exc.start >= len(sample) - 3:  # cut by the sample's end
            return "utf-8"
        if _utf8_text(sample[: exc.start]):  # read as UTF-8, the reader names the column that is not
            return "utf-8"
    if _mostly_chinese(sample):
        return "gb18030"
    import charset_normalizer  # 0.1 s to import; most files are UTF-8 and never get here

    best = charset_normalizer.from_bytes(sample).best()
    guess = best.encoding if best else "gb18030"
    if guess.startswith(("utf_16", "utf_32")) and b"\x00" not in sample:
        return "gb18030"  # UTF-16 text without a BOM is full of NULs; short GBK is misread as it
    return "gb18030" if guess in ("gbk", "gb2312", "hz", "big5hkscs") else guess


def _utf8_text(prefix: bytes) -> bool:
    """Valid UTF-8 holding four or more CJK characters (or eight accented ones): GBK bytes are
    never that by chance, so a file going on in another encoding mixes two (concatenated exports)."""
    return len(prefix) - len(prefix.decode("utf-8")) >= 8


def _mostly_chinese(sample: bytes) -> bool:
    """Decodes strictly as GB18030 and most non-ASCII characters are CJK ideographs or punctuation.

    Short samples give charset detectors too little to go on; this is the case that matters here.
    """
    try:
        text = sample.decode("gb18030")
    except UnicodeDecodeError as exc:
        if len(sample) < SAMPLE_BYTES or exc.start < len(sample) - 4:
            return False
        text = sample[: exc.start].decode("gb18030", errors="ignore")
    wide = [c for c in text if ord(c) > 127]
    chinese = [c for c in wide if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"]
    return bool(wide) and len(chinese) >= 0.8 * len(wide)


def sniff_delimiter(text: str) -> str:
    """The most consistent of `, ; tab |` over the first lines; comma when nothing stands out."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        counts = [len(row) - 1 for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]
        if counts and min(counts) > 0 and len(set(counts)) == 1 and counts[0] > best_score:
            best, best_score = delimiter, counts[0]
    return best
