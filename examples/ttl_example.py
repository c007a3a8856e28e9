"""Items that expire (TTL) on a local folder. Run: python examples/ttl_example.py"""

import tempfile
import time

from persidict import FileDirDict


def main() -> None:
    folder = tempfile.mkdtemp(prefix="persidict_ttl_")

    # Every item lives 1 s after its last write (real uses: minutes, hours, days).
    sessions = FileDirDict(folder, file_type="json", ttl=1.0)
    sessions["alice"] = {"token": "a1"}
    sessions["bob"] = {"token": "b2"}
    print("live:", sorted(sessions), "| len:", len(sessions))
    assert len(sessions) == 2

    time.sleep(0.6)
    sessions["bob"] = {"token": "b3"}  # a rewrite starts bob's 1 s again
    time.sleep(0.6)
    # alice is 1.2 s old: absent to every read (get, in, len, iteration, newest...)
    print("after 1.2 s:", sorted(sessions), "| alice:", sessions.get("alice"),
          "| 'alice' in sessions:", "alice" in sessions)
    assert sorted(sessions) == ["bob"]
    assert sessions.get("alice") is None

    # An expired item is absent to the atomic operations too: add() creates over it
    # (replacing exactly the expired version, never a value someone else rewrote).
    assert sessions.add("alice", {"token": "a2"})
    print("alice re-added:", sessions["alice"])

    # Expired files stay on disk until something removes them; purge_expired()
    # deletes each one only if it is still the version it listed.
    time.sleep(1.1)
    on_disk = FileDirDict(folder, file_type="json")  # the same folder, no TTL
    print("files before purge:", len(on_disk), "| purged:", sessions.purge_expired(),
          "| files after:", len(on_disk))
    assert len(on_disk) == 0
    assert len(sessions) == 0

    # Per-item expiry: on a dict opened with item_ttl=True (every handle of the store
    # should be), set(k, v, ttl=...) gives one item its own lifetime, stored in the
    # value's bytes. Items written without one never expire here (no dict-wide ttl).
    cache = FileDirDict(folder, file_type="json", item_ttl=True)
    cache.set("short", "gone soon", ttl=0.5)
    cache["kept"] = "no expiry"
    print("expires in about", round(cache.expires_at("short") - time.time(), 1), "s;",
          "kept expires:", cache.expires_at("kept"))
    assert cache.expires_at("kept") is None
    time.sleep(0.7)
    print("after 0.7 s:", sorted(cache), "| len:", len(cache))
    assert sorted(cache) == ["kept"]


if __name__ == "__main__":
    main()
