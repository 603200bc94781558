"""The one explicit registry of rules: stable ids, titles, default impact, help.

Never reuse an id for another meaning. Thresholds do not live here: see ``detectors.profiles``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from detectors.model import Impact

_DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
HELP_BASE_ENV = "SPLASHCHECK_HELP_BASE"
"""Set to e.g. the docs/rules.md URL on your code host so report links work off this machine."""


def help_base() -> str:
    """Base of rule help links: ``$SPLASHCHECK_HELP_BASE`` or the local ``docs/rules.md``."""
    return os.environ.get(HELP_BASE_ENV) or (_DOC.as_uri() + "#")


@dataclass(frozen=True)
class RuleSpec:
    id: str
    title: str
    question: str
    impact: Impact
    kind: Literal["static", "dynamic"]
    """``static``: judged from one frame; ``dynamic``: needs a device (timeline, taps, shakes)."""
    sources: str

    @property
    def help_url(self) -> str:
        return help_base() + self.id


RULES: dict[str, RuleSpec] = {
    r.id: r
    for r in (
        RuleSpec("close-button-present", "Close button present",
                 "Does every splash/pop-up window show a close or skip control?",
                 Impact.CRITICAL, "static", "MIIT 2021 No. 292 (1)4; MIIT 2023 No. 26; SAMR 2023 Art. 10"),
        RuleSpec("close-button-size", "Close button size",
                 "Is the close control big enough to find and hit?",
                 Impact.SERIOUS, "static", "MIIT 2021 No. 292 (1)4; ATF TouchTargetSizeCheck; WCAG 2.2 SC 2.5.8"),
        RuleSpec("close-button-contrast", "Close button contrast",
                 "Can the close control be seen against its surroundings?",
                 Impact.SERIOUS, "static", "MIIT 2021 No. 292 (1)4; WCAG 2.2 SC 1.4.11 / 1.4.3; ATF ContrastSwatch"),
        RuleSpec("close-button-placement", "Close button placement",
                 "Is the close control where users look, reachable and clear of jump triggers?",
                 Impact.MODERATE, "static", "MIIT 2021 No. 292 (1)4; Xiaomi ad rules"),
        RuleSpec("close-button-delay", "Close button delay",
                 "Is the close control there from the moment the window appears?",
                 Impact.SERIOUS, "dynamic", "SAMR 2023 Art. 10; Kuaishou ad rules"),
        RuleSpec("close-button-works", "Close button works with one tap",
                 "Does one tap on the close control close the window without jumping?",
                 Impact.CRITICAL, "dynamic", "SAMR 2023 Art. 10; MIIT 2021 No. 292 (1)4"),
        RuleSpec("fullscreen-jump-link", "No full-screen jump link",
                 "Is the whole window a tap-to-jump area?",
                 Impact.CRITICAL, "dynamic", "MIIT 2021 No. 292 (1)4; MIIT 2023 No. 26"),
        RuleSpec("shake-sensitivity", "Shake sensitivity",
                 "Does a gentle motion below T/TAF 078.7 thresholds trigger a jump?",
                 Impact.SERIOUS, "dynamic", "MIIT 2023 No. 26; T/TAF 078.7-2022"),
        RuleSpec("splash-duration", "Splash duration",
                 "Does the splash ad end on its own in time?",
                 Impact.MODERATE, "dynamic", "Xiaomi ad rules; Tencent GDT"),
        RuleSpec("popup-reappears", "Pop-up does not come back",
                 "Does a closed pop-up come back on the same page?",
                 Impact.SERIOUS, "dynamic", "SAMR 2023 Art. 10"),
    )
}


def rule(rule_id: str) -> RuleSpec:
    """Look up a rule, with an error that lists the known ids."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}; known: {', '.join(RULES)}") from None
