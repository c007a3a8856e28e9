"""persidict on S3. Run: python examples/s3_example.py [--endpoint-url URL --bucket NAME]

Without arguments it runs against moto's in-process S3 (``pip install -e ".[dev]"``);
with them, against any S3-compatible endpoint, using boto3's usual credentials.
"""

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterator

from persidict import S3Dict


@contextlib.contextmanager
def s3_or_mock(endpoint_url: str | None) -> Iterator[None]:
    if endpoint_url:
        yield
        return
    from moto import mock_aws  # only needed without an endpoint

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "example")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "example")
    with mock_aws():
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url")
    parser.add_argument("--bucket", default="persidict-example")
    args = parser.parse_args()
    with s3_or_mock(args.endpoint_url):
        cache = tempfile.mkdtemp(prefix="persidict_s3_cache_")
        # Objects are "<root_prefix><key parts joined by />.<file_type>"; the bucket
        # is created if missing. base_dir is a local cache of the values.
        d = S3Dict(args.bucket, region="us-east-1", root_prefix="example", base_dir=cache,
                   file_type="json", endpoint_url=args.endpoint_url)
        d["config", "retries"] = 3
        print("object:", d.get_subdict("config").base_url + "retries.json")

        # Bulk reads and writes run max_workers requests at a time.
        d.set_many({("scores", f"run-{i:03d}"): i / 100 for i in range(50)})
        scores = d.get_subdict("scores")
        print("runs:", len(scores), "| best:", max(scores.values()))

        # Conditional requests make these atomic across machines.
        print("jobs:", d.incr(("counters", "jobs")), d.incr(("counters", "jobs")))
        print("first add wins:", d.add("owner", "alice"), d.add("owner", "bob"), d["owner"])
        with d.lock("report", timeout=10):  # a lease object, renewed while held
            d["report"] = f"{len(d)} items"
        print("report:", d["report"])

        # Unchanged cached values are revalidated, not downloaded again.
        print("config again:", d["config", "retries"])
        d.clear()


if __name__ == "__main__":
    main()
