"""Break each guarantee on purpose and check that a test fails (a hand-picked mutation run).

    .venv/bin/python tools/break_guards.py            # every mutant
    .venv/bin/python tools/break_guards.py scope       # the mutants whose name contains "scope"

Each mutant replaces one line of app/security or app/workflow that a guarantee rests on (a scope
filter, a role check, a state check, a rule) in a throw-away git worktree of HEAD, then runs the
tests that should notice. A mutant that survives (its tests still pass) names a line the suite does
not protect: exit code 1. The working tree is never touched.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


ISOLATION = ("tests/test_isolation.py", "tests/test_scope_matrix.py")
WORKFLOW = ("tests/workflow/test_transitions.py", "tests/workflow/test_commands.py")

MUTANTS = (
    Mutant("scope: reviewer region filter dropped", "app/security/scope.py",
           "        return _in_region(model.region_code, s)\n", "        return None\n", ISOLATION),
    Mutant("scope: institution admin sees every application", "app/security/scope.py",
           "    if model in (Department, Application, Assessment, SecurityEvent):\n        return model.institution_id == inst",
           "    if model in (Department, Application, Assessment, SecurityEvent):\n        return None", ISOLATION),
    Mutant("scope: physician sees every registration", "app/security/scope.py",
           "        return model.physician_id == own\n", "        return None\n", ISOLATION),
    Mutant("scope: unknown role gets everything", "app/security/scope.py",
           "    return false() if rule is None else rule(model, scope)", "    return None if rule is None else rule(model, scope)",
           ISOLATION),
    Mutant("guard: assessment of a physician outside the scope", "app/security/guards.py",
           "    if not _in_scope(Physician, physician_id):", "    if False:", ("tests/test_isolation.py",)),
    Mutant("workflow: role of a transition not checked", "app/workflow/transitions.py",
           "    if transition.role not in roles:", "    if False:", WORKFLOW),
    Mutant("workflow: source state not checked", "app/workflow/transitions.py",
           "    if S(status) not in transition.sources:", "    if False:", WORKFLOW),
    Mutant("workflow: reason not required", "app/workflow/transitions.py",
           "    if transition.needs_reason and not (reason or \"\").strip():", "    if False:", WORKFLOW),
    Mutant("workflow: buttons offered to every role", "app/workflow/transitions.py",
           "if state in t.sources and t.role in roles]", "if state in t.sources]", WORKFLOW),
    Mutant("workflow: commands load applications unscoped", "app/workflow/commands.py",
           "    statement = scoped(select(Application).where(Application.id == application_id), Application, actor.scope)",
           "    statement = select(Application).where(Application.id == application_id)", WORKFLOW),
    Mutant("rules: inactive account may file", "app/workflow/rules.py",
           "    if physician.status != AccountStatus.ACTIVE:", "    if False:", WORKFLOW),
    Mutant("rules: military institution accepted", "app/workflow/rules.py",
           "    if institution.is_military:", "    if False:", WORKFLOW),
    Mutant("rules: suspended registration may change", "app/workflow/rules.py",
           "    if registration.status != RegistrationStatus.ACTIVE and kind != ApplicationType.CANCEL:", "    if False:",
           WORKFLOW),
    Mutant("rules: registration window not checked", "app/workflow/rules.py",
           "    _rule(check_window, qualification.exam_year, _windows(session, province_of(location.code)), today)",
           "    pass", WORKFLOW),
)


def run(mutant: Mutant, tree: Path) -> bool:
    """Apply ``mutant`` in ``tree``, run its tests, restore; True when a test failed (killed)."""
    target = tree / mutant.path
    original = target.read_text(encoding="utf-8")
    if original.count(mutant.old) != 1:
        raise SystemExit(f"{mutant.name}: the line to break is not found exactly once in {mutant.path}")
    target.write_text(original.replace(mutant.old, mutant.new), encoding="utf-8")
    try:
        result = subprocess.run(
            [str(ROOT / ".venv/bin/pytest"), "-x", "-p", "no:randomly", "-p", "no:cacheprovider", "-m", "not browser",
             *mutant.tests],
            cwd=tree, capture_output=True, text=True,
        )
    finally:
        target.write_text(original, encoding="utf-8")
    return result.returncode != 0


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTANTS if not argv or any(word in m.name for word in argv)]
    with tempfile.TemporaryDirectory(prefix="break-guards-") as temp:
        tree = Path(temp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), "HEAD"], cwd=ROOT, check=True)
        try:
            (tree / ".venv").symlink_to(ROOT / ".venv")
            subprocess.run([str(ROOT / ".venv/bin/pybabel"), "-q", "compile", "-d", "translations"], cwd=tree, check=True)
            survivors = []
            for mutant in chosen:
                killed = run(mutant, tree)
                print(f"{'killed  ' if killed else 'SURVIVED'}  {mutant.name}", flush=True)
                if not killed:
                    survivors.append(mutant)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    print(f"{len(chosen) - len(survivors)}/{len(chosen)} mutants killed")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
