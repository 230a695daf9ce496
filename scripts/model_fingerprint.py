"""Train the model only when what goes into it changed; print the model path."""
from __future__ import annotations

import argparse
import ast
import hashlib
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO / "models"
MODEL_NAME = "weiquan"
# Everything the trained model depends on: Rasa's own fingerprint misses our component code.
INPUTS = (
    "config.yml",
    "domain",
    "data/nlu",
    "data/rules.yml",
    "data/stories.yml",
    "data/jieba",
    "data/patterns/typos.yml",
    "components",
    "requirements.lock",
)
"""Besides these, every `weiquan` module the components import, directly or through each other."""


def component_modules(root: Path = REPO) -> list[str]:
    """The `weiquan/*.py` files that the code under `components/` imports, followed through `weiquan` itself."""
    seen: set[str] = set()
    pending = sorted((root / "components").glob("*.py"))
    while pending:
        tree = ast.parse(pending.pop().read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "weiquan":
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names if alias.name.split(".")[0] == "weiquan"]
            for name in names:
                file = root / (name.replace(".", "/") + ".py")
                relative = str(file.relative_to(root))
                if file.is_file() and relative not in seen:
                    seen.add(relative)
                    pending.append(file)
    return sorted(seen)


def fingerprint(root: Path = REPO) -> str:
    """Hash of every input file's path and content."""
    digest = hashlib.sha256()
    for name in (*INPUTS, *component_modules(root)):
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.exists() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def model_path() -> Path:
    return MODEL_DIR / f"{MODEL_NAME}.tar.gz"


def is_stale() -> bool:
    stamp = MODEL_DIR / f"{MODEL_NAME}.fingerprint"
    return not model_path().exists() or not stamp.exists() or stamp.read_text() != fingerprint()


def train() -> None:
    """Run `rasa train` with the repo's config and record the fingerprint."""
    MODEL_DIR.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain", "--data", "data/nlu", "data/rules.yml",
        "--out", str(MODEL_DIR), "--fixed-model-name", MODEL_NAME, "--force",
    ]
    if (REPO / "data/stories.yml").exists():
        command.insert(command.index("--out"), "data/stories.yml")
    subprocess.run(command, cwd=REPO, check=True)
    (MODEL_DIR / f"{MODEL_NAME}.fingerprint").write_text(fingerprint())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    args = parser.parse_args()
    if args.force or is_stale():
        print("训练模型（配置、领域或数据有变化）…", flush=True)
        train()
    else:
        print("模型是最新的，跳过训练。", flush=True)
    print(model_path())


if __name__ == "__main__":
    main()
