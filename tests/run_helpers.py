"""Helpers shared by the tests of nncore's MNIST runner (pytest puts tests/ on sys.path)."""


def drain(generator):
    """Run a generator to its end: (the list of everything it yielded, the value it returned)."""
    updates = []
    while True:
        try:
            updates.append(next(generator))
        except StopIteration as done:
            return updates, done.value


def result(generator):
    """Run a generator to its end and return the value it returned."""
    return drain(generator)[1]
