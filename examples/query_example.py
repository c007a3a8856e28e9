"""Sort-key queries: a partition read in key order. Run: python examples/query_example.py"""

import tempfile

from persidict import FileDirDict


def main() -> None:
    d = FileDirDict(tempfile.mkdtemp(prefix="persidict_query_"), file_type="json")

    # The partition is the key prefix ("orders", customer); the rest is the sort key.
    for day, amount in [("2024-05-30", 12), ("2024-06-01", 40), ("2024-06-15", 7),
                        ("2024-06-28", 95), ("2024-07-02", 30)]:
        d["orders", "alice", day] = {"day": day, "amount": amount}
    d["orders", "alice", "2024-06-15", "refund"] = {"day": "2024-06-15", "amount": -7}
    d["orders", "bob", "2024-06-03"] = {"day": "2024-06-03", "amount": 5}

    # Items of one month, in sort-key order: ("2024-06-15",) < ("2024-06-15", "refund").
    june = [(key[2:], order["amount"])
            for key, order in d.query(("orders", "alice"), starts_with="2024-06")]
    print("alice in June:", june)
    assert june == [(("2024-06-01",), 40), (("2024-06-15",), 7),
                    (("2024-06-15", "refund"), -7), (("2024-06-28",), 95)]

    # start is inclusive, stop exclusive; reverse and limit give "the latest two".
    latest = list(d.query_keys(("orders", "alice"), stop="2024-07", reverse=True, limit=2))
    print("alice's last two before July:", latest)
    assert latest == [("orders", "alice", "2024-06-28"),
                      ("orders", "alice", "2024-06-15", "refund")]

    # where filters values; limit counts what is returned.
    big = [key[-1] for key, _ in d.query(("orders", "alice"), where=lambda o: o["amount"] > 20)]
    print("alice's orders over 20:", big)
    assert big == ["2024-06-01", "2024-06-28", "2024-07-02"]

    # filter and first go over the whole dict in key order.
    first_small = d.first(lambda o: o["amount"] < 10)
    print("first small order:", first_small)
    assert first_small == {"day": "2024-06-15", "amount": 7}
    assert len(list(d.filter(lambda o: o["day"].startswith("2024-06")))) == 5


if __name__ == "__main__":
    main()
