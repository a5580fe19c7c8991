"""Do environment.yml (conda users) and pyproject.toml (pip users) name the same dependencies?

Conda cannot run on the CI machines, so this compares the two files as text: the same
distribution names (case, - and _ normalised, conda-forge names mapped to PyPI names)
and compatible version bounds (conda's lower bound not weaker, upper bounds kept).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

# conda-forge package name -> PyPI distribution name, where they differ.
CONDA_TO_PYPI = {
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "pytorch": "torch",
    "py-opencv": "opencv-python",
}
# Tools of the environment itself, not dependencies of the package.
CONDA_ONLY = {"python", "pip"}

_CONDA_SPEC_RE = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<spec>.*)$")


def conda_requirement(line: str) -> tuple[str, SpecifierSet]:
    """Return the PyPI-normalised name and the specifier of a conda match spec like ``pandas >=2.2,<3``."""
    match = _CONDA_SPEC_RE.match(line.strip())
    assert match, f"unreadable conda spec {line!r}"
    name = canonicalize_name(match["name"])
    spec = match["spec"].replace(" ", "")
    # conda's fuzzy "=1.2" means "1.2.*"
    spec = re.sub(r"(^|,)=(?!=)([^,]+)", lambda m: f"{m[1]}=={m[2]}.*", spec)
    return canonicalize_name(CONDA_TO_PYPI.get(name, name)), SpecifierSet(spec)


def pip_requirement(line: str) -> tuple[str, SpecifierSet]:
    """Return the normalised name and the specifier of a pip requirement."""
    requirement = Requirement(line)
    return canonicalize_name(requirement.name), requirement.specifier


def pyproject_dependencies(path: Path = ROOT / "pyproject.toml") -> dict[str, SpecifierSet]:
    """Return the runtime and dev dependencies of pyproject.toml by normalised name."""
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    lines = project["dependencies"] + project.get("optional-dependencies", {}).get("dev", [])
    return dict(pip_requirement(line) for line in lines)


def environment_dependencies(path: Path = ROOT / "environment.yml") -> dict[str, SpecifierSet]:
    """Return the conda and pip dependencies of environment.yml by normalised name (without python, pip, -e .)."""
    env = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: dict[str, SpecifierSet] = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for line in entry.get("pip", []):
                if not line.startswith(("-", "./")):  # -e . installs this package, ./dir a local build
                    name, spec = pip_requirement(line)
                    found[name] = spec
            continue
        name, spec = conda_requirement(str(entry))
        if name not in CONDA_ONLY:
            assert name not in found, f"{name} listed twice in environment.yml"
            found[name] = spec
    return found


def lower_bound(spec: SpecifierSet) -> Version | None:
    """Return the highest lower bound of a specifier set, or None."""
    bounds = [Version(s.version.rstrip(".*")) for s in spec if s.operator in (">=", ">", "==", "~=", "===")]
    return max(bounds, default=None)


def upper_bound(spec: SpecifierSet) -> Version | None:
    """Return the lowest upper bound of a specifier set, or None."""
    bounds = [Version(s.version.rstrip(".*")) for s in spec if s.operator in ("<", "<=")]
    return min(bounds, default=None)


def compare_dependencies(pyproject: dict[str, SpecifierSet], conda: dict[str, SpecifierSet]) -> list[str]:
    """Return every difference that matters between the two dependency lists (empty when in step)."""
    problems = [f"{name}: only in pyproject.toml" for name in sorted(pyproject.keys() - conda.keys())]
    problems += [f"{name}: only in environment.yml" for name in sorted(conda.keys() - pyproject.keys())]
    for name in sorted(pyproject.keys() & conda.keys()):
        pip_spec, conda_spec = pyproject[name], conda[name]
        pip_low, conda_low = lower_bound(pip_spec), lower_bound(conda_spec)
        if pip_low is not None and (conda_low is None or conda_low < pip_low):
            problems.append(f"{name}: conda lower bound {conda_spec or 'none'} is weaker than {pip_spec}")
        elif conda_low is not None and not pip_spec.contains(conda_low, prereleases=True):
            problems.append(f"{name}: conda lower bound {conda_spec} is outside {pip_spec}")
        pip_high, conda_high = upper_bound(pip_spec), upper_bound(conda_spec)
        if pip_high is not None and (conda_high is None or conda_high > pip_high):
            problems.append(f"{name}: conda upper bound {conda_spec or 'none'} is looser than {pip_spec}")
    return problems


def test_files_name_the_same_dependencies_with_compatible_bounds():
    """Do environment.yml and pyproject.toml name the same packages with compatible bounds?"""
    pyproject = pyproject_dependencies()
    assert len(pyproject) >= 10  # the parser really read the list
    assert compare_dependencies(pyproject, environment_dependencies()) == []


def test_comparison_catches_mismatches():
    """Does the comparison flag a package added to one file only, a weaker lower bound and a dropped upper bound?"""
    pyproject = {
        "pandas": SpecifierSet(">=2.2"),
        "seaborn": SpecifierSet(">=0.13.2,<0.14"),
        "numpy": SpecifierSet(">=1.26"),
        "tqdm": SpecifierSet(">=4.66"),
    }
    conda = {
        "pandas": SpecifierSet(">=2.0"),  # weaker
        "seaborn": SpecifierSet(">=0.13.2"),  # upper bound dropped
        "numpy": SpecifierSet(">=1.26"),
        "scipy": SpecifierSet(">=1.12"),  # only in conda; tqdm only in pyproject
    }
    problems = compare_dependencies(pyproject, conda)
    assert len(problems) == 4, problems
    for needle in (
        "tqdm: only in pyproject",
        "scipy: only in environment",
        "pandas: conda lower",
        "seaborn: conda upper",
    ):
        assert any(p.startswith(needle) for p in problems), (needle, problems)


def test_comparison_accepts_stricter_conda_bounds():
    """Is a stricter conda lower bound inside the pip range accepted, and one outside it refused?"""
    assert (
        compare_dependencies({"numpy": SpecifierSet(">=1.26,<3")}, {"numpy": SpecifierSet(">=2.0,<3")}) == []
    )
    assert compare_dependencies({"numpy": SpecifierSet(">=1.26,<2")}, {"numpy": SpecifierSet(">=2.1,<2")})


@pytest.mark.parametrize(
    ("conda_line", "pip_line"),
    [
        ("pyyaml >=6", "PyYAML>=6"),
        ("matplotlib-base >=3.8", "matplotlib>=3.8"),
        ("jupyterlab_language_pack_zh_tw >=4.2", "jupyterlab-language-pack-zh-TW>=4.2"),
        ("pandas =2.2", "pandas==2.2.*"),
    ],
)
def test_names_and_specs_are_normalised(conda_line, pip_line):
    """Are conda and PyPI spellings of the same package and bound seen as equal?"""
    assert conda_requirement(conda_line) == pip_requirement(pip_line)


def test_environment_installs_this_package_from_conda_forge():
    """Does environment.yml use conda-forge only, the project's Python floor, and install this package with pip?"""
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    pip_section = next(entry["pip"] for entry in env["dependencies"] if isinstance(entry, dict))
    assert "-e ." in pip_section
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    python = next(conda_requirement(e)[1] for e in env["dependencies"] if str(e).startswith("python "))
    assert lower_bound(python) == lower_bound(SpecifierSet(project["requires-python"]))
