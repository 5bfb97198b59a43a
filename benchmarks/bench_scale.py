"""Benchmark: N synthetic reports through `coopwh run`, and one more after them.

Writes N realistic reports of this genre (a county, prefecture or province each, with its
counties named, growth, levels, coverage and before/after pairs; shares and coverage within
0-100%; lengths varied) into the inbox of a built copy of the project, runs `coopwh run` under
/usr/bin/time -v, then drops one more report in and runs again. Prints time and peak memory
per phase (read, extract, validate, load, plan and apply, audit, publish, export) from the run's
own record, and the whole run's wall time and peak memory: of its largest process (what
/usr/bin/time reports) and of all its processes together (sampled from /proc). Usage:

    .venv/bin/python benchmarks/bench_scale.py 100 [--size 60000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from coopwh.records import PROJECT_PARTS

ROOT = Path(__file__).resolve().parent.parent
METRICS = [
    ("销售总额", "亿元"),
    ("利润总额", "万元"),
    ("农产品销售额", "亿元"),
    ("电商销售额", "亿元"),
    ("农资销售额", "亿元"),
    ("所有者权益", "亿元"),
    ("资产总额", "亿元"),
]
FILLER = [
    "坚持为农服务根本宗旨，深化供销合作社综合改革，推动系统高质量发展。",
    "围绕乡村振兴战略，加快构建综合性、规模化、可持续的为农服务体系。",
    "强化基层组织建设，推动基层社由流通服务向生产、生活、信用服务拓展。",
    "加强社有资产监管，完善联合社治理结构，提升社有企业经营效益。",
    "各级社积极争取党委政府支持，将供销合作社工作纳入地方经济社会发展总体布局。",
    "持续推进联合社机关、社有企业和基层社之间的联合合作，形成上下贯通、整体协同的格局。",
    "加快发展农村电子商务，推动农产品上行和工业品下行，畅通城乡双向流通渠道。",
    "深化与农民专业合作社、家庭农场等新型经营主体的合作，密切与农民的利益联结。",
    "健全“三会”制度，规范社员代表大会、理事会、监事会运行，提升治理能力。",
    "完善农资供应网络，保障春耕秋种农资供应，稳定农资市场价格。",
]
FILLERS_PER_PARAGRAPH = 6


def regions() -> list[dict]:
    with open(ROOT / "seeds" / "regions.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def report(number: int, rng: random.Random, places: list[dict], size: int) -> str:
    """One report of about size characters about a random prefecture and its counties."""
    by_parent: dict[str, list[dict]] = {}
    for place in places:
        by_parent.setdefault(place["parent_code"], []).append(place)
    prefectures = [
        p for p in places if p["level"] == "prefecture" and p["region_code"] in by_parent
    ]
    unit = rng.choice(prefectures)
    counties = by_parent[unit["region_code"]]
    year = rng.choice([2020, 2021, 2022, 2023])
    lines = [f"{unit['full_name']}供销合作社{year}年综合改革工作报告（第{number}号）", ""]
    section = 0
    while sum(len(line) for line in lines) < size:
        section += 1
        metric, unit_word = rng.choice(METRICS)
        level = round(rng.uniform(1, 400), 1)
        paragraph = [
            f"{'一二三四五六七八九十'[section % 10]}、工作进展。"
            + "".join(rng.sample(FILLER, FILLERS_PER_PARAGRAPH)),
            f"全市供销系统实现{metric}{level}{unit_word}，同比增长{rng.uniform(1, 30):.1f}%，"
            f"比2016年增长{rng.uniform(5, 150):.1f}%。",
            f"基层社乡镇覆盖率由2016年的{rng.randint(30, 70)}%提高到{rng.randint(71, 100)}%，"
            f"新建改造基层社{rng.randint(1, 60)}个，领办农民专业合作社{rng.randint(10, 900)}家。",
        ]
        named = rng.sample(counties, min(3, len(counties)))
        if len(named) >= 2:
            values = "、".join(f"{rng.uniform(2, 90):.1f}%" for _ in named)
            paragraph.append(
                "、".join(c["full_name"] for c in named) + f"供销社{metric}分别增长{values}。"
            )
        county = rng.choice(counties)
        paragraph.append(
            f"{county['full_name']}电商销售额{rng.uniform(0.1, 9):.2f}亿元，是2016年的"
            f"{rng.uniform(1.1, 4):.1f}倍，带动农户{rng.uniform(0.1, 5):.1f}万户，服务网点覆盖全县"
            f"{rng.randint(40, 99)}%的行政村。"
        )
        narrative = "".join(rng.sample(FILLER, len(FILLER)))  # the 2019 report prints a figure
        lines += ["".join(paragraph), "", narrative, ""]  # every 250 bytes or so; this, 200
    return "\n".join(lines)


def copy_project(target: Path) -> None:
    target.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("inbox", "held"))
        else:
            shutil.copy2(source, target / part)
    (target / "tests").mkdir()
    for yaml_test in (ROOT / "tests").glob("test_*.yaml"):
        shutil.copy2(yaml_test, target / "tests" / yaml_test.name)


def timed_run(project: Path) -> tuple[float, float, float, str]:
    """coopwh run under /usr/bin/time -v: wall seconds, peak MB of its largest process, peak MB
    of all its processes together (GX worker, readers, workbook writers), and its output."""
    command = [sys.executable, "-m", "coopwh.cli", "--project", str(project), "run"]
    wrapper = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    started = time.perf_counter()
    process = subprocess.Popen(
        [*wrapper, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    together = [0]
    sampler = threading.Thread(target=_sample_tree, args=(process, together), daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"coopwh run failed:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    largest = int(peak.group(1)) / 1024 if peak else float("nan")
    return seconds, largest, together[0] / 2**20, stdout


def _sample_tree(process: subprocess.Popen, peak: list[int]) -> None:
    """Twice a second, the memory of process and all its descendants together, as
    proportional set size (a page shared by forks counted once in all), kept in peak[0] at its
    highest. Linux only (/proc); elsewhere nothing is sampled."""
    while process.poll() is None:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit():
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    parents[int(entry.name)] = int(stat[1])
            except OSError:
                continue
        tree, grew = {process.pid}, True
        while grew:
            more = {pid for pid, parent in parents.items() if parent in tree} - tree
            tree |= more
            grew = bool(more)
        total = 0
        for pid in tree:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            pss = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
            total += int(pss.group(1)) * 1024 if pss else 0
        peak[0] = max(peak[0], total)
        time.sleep(0.5)


def phases(project: Path) -> dict:
    record = project / "warehouse" / "build" / "last_run.json"
    return json.loads(record.read_text(encoding="utf-8")).get("phases", {})


def show(title: str, seconds: float, peak: float, together: float, measured: dict) -> None:
    print(
        f"\n{title}: {seconds:.1f} s wall, peak {peak:.0f} MB "
        f"(largest process; all processes together {together:.0f} MB)"
    )
    for name, values in measured.items():
        print(f"  {name:<16} {values['seconds']:7.2f} s   peak so far {values['peak_mb']:6.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="how many reports")
    parser.add_argument(
        "--size", type=int, default=20_000, help="characters per report (about 60 KB)"
    )
    parser.add_argument("--keep", help="build in this directory and keep it")
    args = parser.parse_args()
    scratch = Path(args.keep or tempfile.mkdtemp(prefix="bench-scale-"))
    project = scratch / "project"
    if project.exists():
        shutil.rmtree(project)
    copy_project(project)
    coopwh = [sys.executable, "-m", "coopwh.cli", "--project", str(project)]
    subprocess.run([*coopwh, "build"], check=True, capture_output=True)
    rng = random.Random(20261130)
    places = regions()
    inbox = project / "reports" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    total = 0
    for number in range(1, args.n + 1):
        text = report(number, rng, places, rng.randint(args.size // 2, args.size * 3 // 2))
        total += len(text.encode("utf-8"))
        (inbox / f"synthetic-{number:05d}.txt").write_text(text, encoding="utf-8")
    print(f"{args.n} reports, {total / 1e6:.1f} MB, into a built copy at {project}")
    seconds, peak, together, _ = timed_run(project)
    show(f"coopwh run with {args.n} new reports", seconds, peak, together, phases(project))
    text = report(args.n + 1, rng, places, args.size)
    (inbox / f"synthetic-{args.n + 1:05d}.txt").write_text(text, encoding="utf-8")
    seconds, peak, together, _ = timed_run(project)
    one_more = f"coopwh run with one more report (now {args.n + 1})"
    show(one_more, seconds, peak, together, phases(project))
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
