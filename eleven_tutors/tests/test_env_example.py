"""`.env.example` documents exactly the variables the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_variable_the_settings_read_and_no_other():
    source = "\n".join(path.read_text() for path in sorted((ROOT / "eleven_tutors" / "settings").glob("*.py")))
    read = set(re.findall(r'env(?:\.\w+|, )\(?\s*"([A-Z][A-Z0-9_]+)"', source))
    read |= set(re.findall(r'errors\.get\(\s*env\.\w+,\s*"([A-Z][A-Z0-9_]+)"', source))
    scopes = re.search(r"THROTTLE_RATES = \{.*?\n\}", source, re.S).group(0)
    read |= {f"THROTTLE_{scope.upper()}" for scope in re.findall(r'^\s+"(\w+)": "', scopes, re.M)}
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - documented == set(), f"read by settings but not in .env.example: {sorted(read - documented)}"
    assert documented - read == set(), f"in .env.example but never read: {sorted(documented - read)}"
