"""Validates Endure's /openapi.json with openapi-spec-validator (PyPI).

Usage: python3 validate_openapi.py http://127.0.0.1:PORT
"""

import json
import sys
import urllib.request

from openapi_spec_validator import validate

with urllib.request.urlopen(sys.argv[1] + "/openapi.json") as r:
    doc = json.load(r)
validate(doc)
print(f"openapi: all checks passed ({len(doc['paths'])} paths)")
