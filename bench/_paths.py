"""Imported first by the S3 benches: the checkout's package and ``tests/`` (for the
test endpoint) on ``sys.path``, and fake AWS credentials, since moto answers."""

from __future__ import annotations

import os
import sys

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[1:1] = [_REPO, os.path.join(_REPO, "tests")]
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                  AWS_DEFAULT_REGION="us-east-1")
