#!/usr/bin/env python3
"""Every C# block of the docs, as a new user meets it: in a fresh project per page that references only the packages
the page's install lines name (`dotnet add package X`), taken from the packed packages (artifacts/packages).

Each block must build as pasted. A block that says what it prints is run, and its output compared: the expected
output is the run of `// ` comment lines right after the statement (or the loop) that prints it, and a `// ...` line
ends a partial listing. Blocks that start a host or need a PostgreSQL server are built, not run (.ci/fresh-apps runs
the Hosting README's worker); every other block is run too, and must exit 0.

Usage: .ci/doc-blocks.py [page.md ...]   (default: README.md, docs/*.md and src/*/README.md)
"""
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEED = os.path.join(ROOT, "artifacts", "packages")
VERSION = re.search(r"<Version>(.*?)</Version>", open(os.path.join(ROOT, "Directory.Build.props")).read()).group(1)
BLOCK = re.compile(r"```csharp\n(.*?)```", re.S)
INSTALL = re.compile(r"dotnet add package ([A-Za-z0-9_.]+)")
# What a block cannot do on a CI machine by itself: run until stopped, or reach a database server it is not given.
BUILD_ONLY = re.compile(r"Host\.Create|\.RunAsync\(|\bNpgsql|Host=|UseNpgsql|AddPostgreSql|RunConformance")


def expected_output(lines):
    """The comment lines right after each line that writes to the console (or a `}` that closes a loop that does), in
    order; None when the block says nothing of what it prints."""
    expected = None
    for i, line in enumerate(lines):
        if not line.startswith("// ") or i == 0:
            continue
        before = lines[i - 1]
        if "Console.Write" in before or (before.strip() == "}" and any("Console.Write" in l for l in lines[:i])):
            expected = expected or []
            for l in lines[i:]:
                if not l.startswith("//"):
                    break
                expected.append(l[3:] if l.startswith("// ") else "")
    return expected


def is_program(code):
    """Top-level statements (a console program), not a file of types (a library's or a test project's file)."""
    for line in code.split("\n"):
        s = line.strip()
        if not s or s.startswith("//") or s.startswith("using ") and s.endswith(";") and "(" not in s and "=" not in s:
            continue
        return not re.match(r"(\[|public |internal |sealed |static class |file |namespace |abstract |partial |record |class )", s)
    return False


def sh(args, cwd, timeout=600):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def main(pages):
    work = tempfile.mkdtemp(prefix="doc-blocks-")
    # The feed's packages, not an earlier build's of the same version left in the global cache.
    cache = os.environ.get("NUGET_PACKAGES", os.path.expanduser("~/.nuget/packages"))
    for old in glob.glob(os.path.join(cache, "customerlifecycle.*")):
        subprocess.run(["rm", "-rf", old], check=True)
    with open(os.path.join(work, "nuget.config"), "w") as f:
        f.write(f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="{FEED}" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
""")
    failures, built, ran = [], 0, 0
    started = time.time()
    for page in pages:
        rel = os.path.relpath(page, ROOT)
        text = open(page).read()
        blocks = [(text[: m.start()].count("\n") + 1, m.group(1)) for m in BLOCK.finditer(text)]
        if not blocks:
            continue
        packages = list(dict.fromkeys(INSTALL.findall(text)))
        if not any(p.startswith("CustomerLifecycle") for p in packages):
            failures.append(f"{rel}: has C# blocks but no `dotnet add package CustomerLifecycle.…` line saying what to install")
            continue
        projects = {}

        def project_for(template):
            """One new project per page and template, with the page's install lines run in it as a user would."""
            if template in projects:
                return projects[template]
            project = os.path.join(work, re.sub(r"[^A-Za-z0-9]+", "_", rel) + "_" + template)
            code, out = sh(["dotnet", "new", template, "-o", project, "--no-restore"], work)
            if code != 0:
                failures.append(f"{rel}: dotnet new {template} failed\n{out}")
                projects[template] = None
                return None
            for generated in ("Program.cs", "Worker.cs", "UnitTest1.cs"):
                if os.path.exists(os.path.join(project, generated)):
                    os.remove(os.path.join(project, generated))
            for package in packages:
                version = ["--version", VERSION] if package.startswith("CustomerLifecycle") else []
                code, out = sh(["dotnet", "add", "package", package, *version], project)
                if code != 0:
                    failures.append(f"{rel}: `dotnet add package {package}` failed in a new {template} project\n{out[-2000:]}")
                    projects[template] = None
                    return None
            projects[template] = project
            return project

        print(f"{rel}: {len(blocks)} block(s), with {', '.join(packages)}", flush=True)
        for line, block in blocks:
            where = f"{rel}:{line}"
            program = is_program(block)
            # What a user pastes the block into: a worker's Program.cs (it builds a host), a test project (it is a test
            # class), or a console app.
            template = "worker" if "Host.Create" in block else "xunit" if "using Xunit;" in block else "console"
            project = project_for(template)
            if project is None:
                continue
            for previous in ("Program.cs", "Block.cs"):
                if os.path.exists(os.path.join(project, previous)):
                    os.remove(os.path.join(project, previous))
            with open(os.path.join(project, "Program.cs" if program else "Block.cs"), "w") as f:
                f.write(block)
            kind = [] if program or template != "console" else ["-p:OutputType=Library"]
            code, out = sh(["dotnet", "build", "--no-restore", "-nologo", "-v", "q", "-clp:NoSummary", *kind], project)
            built += 1
            if code != 0:
                errors = "\n".join(l for l in out.splitlines() if ": error " in l) or out[-3000:]
                failures.append(f"{where}: does not build in a new {template} project with {', '.join(packages)}:\n{errors}")
                continue
            if not program or BUILD_ONLY.search(re.sub(r"//.*", "", block)):
                print(f"  {where}: built", flush=True)
                continue
            code, out = sh(["dotnet", "run", "--no-build"], project, timeout=120)
            ran += 1
            if code != 0:
                failures.append(f"{where}: exited {code}:\n{out[-3000:]}")
                continue
            expected = expected_output(block.split("\n"))
            if expected is None:
                print(f"  {where}: built and ran", flush=True)
                continue
            actual = [l.rstrip() for l in out.splitlines()]
            mismatch = None
            for i, want in enumerate(expected):
                if want.strip() == "...":
                    break
                if i >= len(actual) or actual[i] != want.rstrip():
                    mismatch = i
                    break
            if mismatch is None and "..." not in [w.strip() for w in expected] and len(actual) > len(expected):
                mismatch = len(expected)
            if mismatch is None:
                print(f"  {where}: built, ran, and printed what the page says", flush=True)
            else:
                i = mismatch
                want = expected[i] if i < len(expected) else "(nothing more: end the listing with // ... if it is partial)"
                failures.append(f"{where}: prints something else than its comment says, at output line {i + 1}:\n"
                                f"  the page: {want}\n  the run:  {actual[i] if i < len(actual) else '(nothing)'}\n"
                                f"whole output:\n" + "\n".join(actual))
    print(f"{built} block(s) built, {ran} run, in {time.time() - started:.0f} s")
    if failures:
        print("\n\n".join(failures))
        print(f"{len(failures)} doc block(s) fail in a fresh project")
        return 1
    return 0


if __name__ == "__main__":
    pages = [os.path.abspath(p) for p in sys.argv[1:]] or (
        [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
        + sorted(glob.glob(os.path.join(ROOT, "src", "*", "README.md"))))
    sys.exit(main(pages))
