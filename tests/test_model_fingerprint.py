"""`make run` retrains when anything the model is built from changes, and only then."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from weiquan.paths import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))

from model_fingerprint import component_modules, fingerprint


def test_the_domain_modules_the_components_use_are_inputs_and_the_others_are_not():
    modules = component_modules()
    assert {"weiquan/pinyin.py", "weiquan/jieba_tokens.py", "weiquan/normalize.py"} <= set(modules)
    assert "weiquan/routing.py" not in modules and "weiquan/cases.py" not in modules


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("config.yml", "components", "weiquan", "domain"):
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, root / name)
    return root


def test_changing_a_module_a_component_imports_changes_the_fingerprint(tmp_path):
    root = _copy(tmp_path)
    before = fingerprint(root)
    (root / "weiquan" / "routing.py").write_text("# not part of the model\n", encoding="utf-8")
    assert fingerprint(root) == before
    with (root / "weiquan" / "pinyin.py").open("a", encoding="utf-8") as file:
        file.write("\n# changed\n")
    assert fingerprint(root) != before
