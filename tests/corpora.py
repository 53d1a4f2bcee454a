"""The hostile-input corpora the tests run, kept in `tests/data/` inside the checkout.

Every test that needs a corpus names its file here, so the repository alone is enough
to run the suite; `tests/data/README.md` says where each file came from.
"""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
XSS_VECTORS_FILE = DATA / "xss-vectors.txt"
SSRF_TARGETS_FILE = DATA / "ssrf-targets.txt"
PRODUCT_004_PROPERTY_FILE = DATA / "compat" / "product-004-property.json"
PRODUCT_003_RECORD_FILE = DATA / "compat" / "product-003-record.json"
