"""Object proxies: field changes saved at once, undo/redo, two writers merged, the
past from the history, a collection. Run: python examples/proxies.py"""

import dataclasses
import os
import tempfile

from persidict import FileDirDict


@dataclasses.dataclass
class Person:
    name: str
    age: int
    city: str = "Oslo"

    def move(self, city: str) -> None:
        self.city = city


def main() -> None:
    folder = tempfile.mkdtemp(prefix="persidict_proxies_")
    people = FileDirDict(folder)
    people["dennis"] = Person("dennis", 41)

    # Each change through the proxy is recorded and saved at once.
    dennis = people.proxy("dennis")
    dennis.age += 1
    dennis.move("Bergen")  # a method that sets attributes
    print("stored:", people["dennis"])
    print("changes:", [(c.field, c.old, c.new) for c in dennis.changes])

    # Undo steps back through this proxy's changes (and saves); it is not a new change.
    dennis.undo()
    print("after undo:", people["dennis"].city, "| changes:", len(dennis.changes))
    dennis.redo()
    print("after redo:", people["dennis"].city)

    # Two writers (think: two machines) change different fields of one object;
    # each save applies its own fields onto the latest stored object.
    a = FileDirDict(folder).proxy("dennis", save_on_change=False)
    b = FileDirDict(folder).proxy("dennis", save_on_change=False)
    a.age = 50
    b.city = "Tromso"
    print("dirty:", a.dirty, b.dirty)
    b.commit()
    a.commit()
    print("merged:", people["dennis"])

    # With history=True, a proxy opened later (another process, another machine)
    # shows the object's whole past, worked out from the recorded values.
    audited = FileDirDict(folder + "/audited", history=True)
    audited["carol"] = Person("carol", 29)
    audited.proxy("carol").age += 1
    later = FileDirDict(folder + "/audited", history=True).proxy("carol")
    print("carol's past:", [(c.field, c.old, c.new) for c in later.changes][-1],
          "| by this process:", all(c.who.pid == os.getpid() for c in later.changes))

    # A collection keys objects by a field and hands out proxies.
    team = FileDirDict(folder + "/team").collection(key=lambda p: p.name)
    team.add(Person("alice", 30))
    bob = team.add(Person("bob", 25, city="Bergen"))
    bob.age += 1
    print("in Bergen:", [p.name for p in team.filter(lambda p: p.city == "Bergen")],
          "| bob:", team["bob"].age, "| 'alice' in team:", "alice" in team)
    try:
        bob.name = "robert"  # would move bob to another key
    except ValueError as e:
        print("refused:", str(e).split(":")[0])


if __name__ == "__main__":
    main()
