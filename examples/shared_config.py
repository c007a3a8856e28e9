"""Shared configuration with history: change, audit, revert.
Run: python examples/shared_config.py [--endpoint-url URL --bucket NAME]

Without arguments it starts moto's S3 server on 127.0.0.1 (``pip install -e ".[dev]"``)
and talks to it over HTTP, as services would talk to S3; with them, it uses any
S3-compatible endpoint with boto3's usual credentials.
"""

import argparse
import contextlib
import logging
import os
import time
from collections.abc import Iterator

from persidict import S3Dict
from persidict.history import ABSENT


@contextlib.contextmanager
def s3_endpoint(endpoint_url: str | None) -> Iterator[str]:
    if endpoint_url:
        yield endpoint_url
        return
    from moto.server import ThreadedMotoServer  # only needed without an endpoint

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "example")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "example")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def shown(value: object) -> object:
    return "(none)" if value is ABSENT else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url")
    parser.add_argument("--bucket", default="persidict-config-example")
    args = parser.parse_args()
    with s3_endpoint(args.endpoint_url) as url:
        # JSON values (readable in the S3 console); every change is recorded in the
        # bucket, beside the settings, under config/#history/.
        config = S3Dict(args.bucket, region="us-east-1", root_prefix="config", base_dir=None,
                        file_type="json", endpoint_url=url, history=True)
        config.clear()
        start = time.time()
        config.set_many({"retries": 3, "timeout": 30, "banner": "hello"})

        # A service in this process reloads on every change...
        reloads = []
        config.subscribe(lambda change: reloads.append(change.key))
        # ...and one elsewhere follows the change feed (here: the same bucket, polled).
        feed = config.watch(poll=0.1)

        config["timeout"] = 300  # someone's bad change
        del config["banner"]
        print("service reloaded for:", [key.strings for key in reloads])
        seen = next(feed)
        print("watcher saw:", seen.key.strings, seen.op, seen.new_value)
        feed.close()

        # Audit: what changed since the start, by whom, from what to what.
        for change in config.changes(since=start):
            by = "this process" if change.who.pid == os.getpid() else str(change.who)
            print("audit:", change.key.strings, change.op, shown(change.old_value), "->",
                  shown(change.new_value), "| by", by)

        # Put the bad change back: only if nobody changed timeout since (etag).
        bad = config.history("timeout")[0]
        config.revert("timeout", bad)
        print("timeout after revert:", config["timeout"])
        print("timeout history:", [(shown(c.old_value), c.new_value)
                                   for c in config.history("timeout")])
        config.revert("banner", config.history("banner")[0])
        print("banner restored:", config["banner"])
        print("newest keys:", [key.strings for key in config.newest_keys(2)])
        print("records pruned:", config.prune_history(before=time.time() + 1))
        config.clear()


if __name__ == "__main__":
    main()
