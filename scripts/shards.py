"""Splits the test files `nameko test` runs into N groups of about equal time, for
scripts/test.sh to run at once (issue 12: the suite under 15 minutes on 2 cores).

A file's time is its number of tests times what a test of its folder takes here (an API test
starts seven services and walks a journey; a unit test is a function call), or the seconds
measured for it in tests/durations.json when they are known (the sum of its tests' set-up,
call and teardown in `scripts/test.sh <paths> --durations=0`, on a quiet machine). The longest files are dealt
first, each to the group with the least so far (longest processing time first).

    python scripts/shards.py 2 1 tests --ignore=tests/browser   # the first of two groups
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Seconds a test of each folder takes on this machine, when the file's own are not known.
PER_TEST_S = {"api": 6.0, "service": 3.0, "system": 20.0, "gateway": 0.8, "unit": 0.15}
TEST = re.compile(r"^\s*def test_", re.MULTILINE)


def weights(paths: list[str], ignored: list[str]) -> dict[str, float]:
    measured = {}
    durations = ROOT / "tests" / "durations.json"
    if durations.exists():
        measured = json.loads(durations.read_text(encoding="utf-8"))
    files = {}
    for path in paths:
        found = [path] if path.endswith(".py") else sorted(
            str(p.relative_to(ROOT)) for p in (ROOT / path).rglob("test_*.py"))
        for name in found:
            if any(name.startswith(prefix.rstrip("/")) for prefix in ignored):
                continue
            folder = Path(name).parts[1] if len(Path(name).parts) > 2 else "unit"
            count = len(TEST.findall((ROOT / name).read_text(encoding="utf-8")))
            files[name] = measured.get(name, count * PER_TEST_S.get(folder, 1.0))
    return files


def shards(files: dict[str, float], count: int) -> list[list[str]]:
    groups = [([], 0.0) for _ in range(count)]
    for name, seconds in sorted(files.items(), key=lambda item: (-item[1], item[0])):
        index = min(range(count), key=lambda i: groups[i][1])
        groups[index] = (groups[index][0] + [name], groups[index][1] + seconds)
    return [names for names, _ in groups]


def main(argv: list[str]) -> None:
    count, which = int(argv[0]), int(argv[1])
    paths = [arg for arg in argv[2:] if not arg.startswith("--ignore=")]
    ignored = [arg.split("=", 1)[1] for arg in argv[2:] if arg.startswith("--ignore=")]
    print("\n".join(shards(weights(paths, ignored), count)[which - 1]))


if __name__ == "__main__":
    main(sys.argv[1:])
