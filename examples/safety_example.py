"""Values nobody can forge: a JSON format that runs nothing, and signed values.

Run ``python examples/safety_example.py``: it works in a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from persidict import FileDirDict, SignatureError

folder = tempfile.mkdtemp()

# A store others can write: plain JSON, which reading never imports or calls anything.
config = FileDirDict(folder, file_type="plain_json", digest_len=0)
config["service", "api"] = {"retries": 3, "hosts": ["a", "b"]}
with open(os.path.join(folder, "tagged.json"), "w") as f:  # what a stranger wrote
    f.write('{"py/reduce": [{"py/function": "os.system"}, {"py/tuple": ["echo hacked"]}]}')
print("config:", config["service", "api"], "| tagged is data:", sorted(config["tagged"]))
try:
    config["service", "bad"] = {"ids": {1, 2}}
except TypeError as e:
    print("refused:", e)

# Signed values: every read checks an HMAC-SHA256 before anything is unpickled.
results = FileDirDict(os.path.join(folder, "results"), digest_len=0, signing_key=os.urandom(32))
results["run-1", "loss"] = 0.031
results["run-2", "loss"] = 0.5
print("run-1:", results["run-1", "loss"], "| repr shows", repr(results.get_params()["signing_key"]))
shutil.copy(os.path.join(results.base_dir, "run-2", "loss.pkl"),
            os.path.join(results.base_dir, "run-1", "loss.pkl"))  # a value moved to another key
try:
    results["run-1", "loss"]
except SignatureError:
    print("copied value refused: bad signature")
FileDirDict(results.base_dir, digest_len=0)["run-3"] = "written without the key"
try:
    results["run-3"]
except SignatureError:
    print("unsigned value refused: not signed")
