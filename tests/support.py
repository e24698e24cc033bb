"""Constants and small helpers shared by tests (fixtures live in conftest.py)."""

from pathlib import Path

PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "papers" / "fixtures"  # example reading lists and bad input
ARTIFACTS = Path(__file__).parent / "artifacts"
