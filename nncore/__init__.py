"""Pure-NumPy core of Optimizer Lab: optimizers, test functions, path solver, MLP, MNIST, runner.

Nothing in this package imports Qt, pyqtgraph or the ``gui`` package (a test enforces it).
"""
