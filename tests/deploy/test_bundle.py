"""The deployable zip holds what the instances run and nothing else.

scripts/build_bundle.sh zips a git tree with `git archive`, which drops every path that
.gitattributes marks export-ignore: the same rules `eb deploy` applies when it zips HEAD. The
bundle is built here from a tree of the working copy (tracked and untracked files, minus
.gitignore), written through a temporary index so the real index, HEAD and the working files
are left untouched; on a fresh clone that tree is HEAD's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_bundle.sh"

# Files committed by mistake must still stay out of the bundle.
MISTAKES = (".env", ".env.production", "careervp/local.sqlite3", "var/careervp.sqlite3")

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)


def git(*args: str, index: Path | None = None, stdin: str | None = None) -> str:
    env = os.environ | ({"GIT_INDEX_FILE": str(index)} if index else {})
    result = subprocess.run(
        ["git", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def working_tree(tmp_path: Path, *, extra_paths: tuple[str, ...] = ()) -> str:
    """A tree object of the working copy, plus `extra_paths` as if they had been committed."""
    index = tmp_path / "index"
    git("read-tree", "HEAD", index=index)
    git("add", "--all", index=index)
    blob = git("hash-object", "-w", "--stdin", stdin="not for the bundle\n")
    for path in extra_paths:
        git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", index=index)
    return git("write-tree", index=index)


def build(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    tmp_path = tmp_path_factory.mktemp("bundle")
    output = tmp_path / "bundle.zip"
    result = build(working_tree(tmp_path, extra_paths=MISTAKES), str(output))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(output)
    return zipfile.ZipFile(output)


def top_level(bundle: zipfile.ZipFile) -> set[str]:
    return {name.split("/", 1)[0] + ("/" if "/" in name else "") for name in bundle.namelist()}


def test_bundle_has_the_app_its_requirements_and_the_platform_configuration(
    bundle: zipfile.ZipFile,
):
    names = set(bundle.namelist())

    assert {
        "manage.py",
        "requirements.txt",
        "Procfile",
        "gunicorn.conf.py",
        "careervp/settings.py",
        "careervp/wsgi.py",
        "careervp/asgi.py",
        "vpr_jobs/apps.py",
        "vpr_jobs/migrations/0001_initial.py",
        ".platform/nginx/conf.d/elasticbeanstalk/healthz.conf",
        ".platform/nginx/conf.d/elasticbeanstalk/events.conf",
        ".platform/hooks/postdeploy/50_stream_worker_log.sh",
        ".platform/confighooks/postdeploy/50_stream_worker_log.sh",
    } <= names
    assert {f".ebextensions/{p.name}" for p in (ROOT / ".ebextensions").glob("*.config")} <= names


def test_bundle_leaves_out_tests_docs_tooling_and_local_state(bundle: zipfile.ZipFile):
    assert top_level(bundle) == {
        ".ebextensions/",
        ".platform/",
        "careervp/",
        "vpr_jobs/",
        "Procfile",
        "gunicorn.conf.py",
        "manage.py",
        "requirements.txt",
    }


def test_bundle_never_carries_env_files_or_databases(bundle: zipfile.ZipFile):
    names = bundle.namelist()

    assert not [n for n in names if Path(n).name.startswith(".env") or n.endswith(".sqlite3")]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_platform_hooks_stay_executable_in_the_bundle(bundle: zipfile.ZipFile):
    hooks = [i for i in bundle.infolist() if i.filename.endswith(".sh")]

    assert hooks
    for info in hooks:
        assert (info.external_attr >> 16) & 0o111, f"{info.filename} lost its executable bit"


def test_default_bundle_is_built_from_head_under_var():
    head_is_deployable = (
        subprocess.run(["git", "cat-file", "-e", "HEAD:Procfile"], cwd=ROOT, check=False)
    ).returncode == 0

    result = build()

    if not head_is_deployable:
        # Deploy files not committed yet: the script refuses rather than ship a broken zip.
        assert result.returncode == 1
        assert "Procfile is missing from" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    output = ROOT / result.stdout.strip()
    try:
        assert output.parent == ROOT / "var" / "bundle"
        short_tree = git("rev-parse", "--short", "HEAD^{tree}")
        assert output.name == f"careervp-vpr-jobs-{short_tree}.zip"
        assert "Procfile" in zipfile.ZipFile(output).namelist()
    finally:
        output.unlink(missing_ok=True)


def test_unknown_tree_ish_is_refused():
    result = build("no-such-revision")

    assert result.returncode == 2
    assert "not a commit or tree" in result.stderr
