"""The book's MNIST optimizer comparison written the way a PyTorch user would: the reference
that bench/mnist_speed.py times Optimizer Lab against.

Workload (the same as ``main.py --headless --task mnist``): a 784-100-100-100-100-10 ReLU
network with He-normal weights and zero biases, one copy per optimizer (SGD, Momentum, AdaGrad,
Adam with their book defaults in PyTorch's spelling), batch 128, the same minibatch for every
optimizer in each iteration, the training loss of every iteration recorded, test accuracy on all
10,000 test images before training, every ``--eval-interval`` iterations and at the end (the
project's default schedule). float32 on the CPU, eager mode, ``torch.set_num_threads(--threads)``.

Prints one JSON line on stdout: threads, iterations, train_seconds (the training loop alone),
final test accuracy, number of evaluations and mean loss of the last 100 iterations per optimizer. The caller measures
the whole process (import torch included) from outside.

Usage: python bench/torch_reference.py --threads 1 [--iterations 2000] [--eval-interval 100]
Needs torch (``pip install optimizer-lab[bench]``); never imported by the application.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nncore.data import load_mnist  # noqa: E402  (the project's IDX reader: same bytes in)
from nncore.settings import MnistSettings  # noqa: E402

HIDDEN = (100, 100, 100, 100)
BATCH_SIZE = 128


def make_network(generator: torch.Generator) -> nn.Sequential:
    """784-100x4-10 ReLU MLP, weights N(0, 2 / fan_in) (He), biases 0."""
    sizes = (784, *HIDDEN, 10)
    layers: list[nn.Module] = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out)
        with torch.no_grad():
            linear.weight.normal_(0.0, (2.0 / fan_in) ** 0.5, generator=generator)
            linear.bias.zero_()
        layers.append(linear)
        if index < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def make_optimizers(networks: list[nn.Sequential]) -> dict[str, torch.optim.Optimizer]:
    """The book's four optimizers with its default hyperparameters, in torch's spelling.

    torch's momentum SGD (v = mu v + g; p -= lr v) is the book's Momentum for a constant lr;
    epsilon 1e-7 as in the book. torch's Adam adds eps after the bias correction of v, the book
    before it: a difference of eps / sqrt(1 - beta2^t), irrelevant to speed.
    """
    sgd, momentum, adagrad, adam = (list(n.parameters()) for n in networks)
    return {
        "SGD": torch.optim.SGD(sgd, lr=0.01),
        "Momentum": torch.optim.SGD(momentum, lr=0.01, momentum=0.9),
        "AdaGrad": torch.optim.Adagrad(adagrad, lr=0.01, eps=1e-7),
        "Adam": torch.optim.Adam(adam, lr=0.001, betas=(0.9, 0.999), eps=1e-7),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--eval-interval", type=int, default=MnistSettings().eval_interval,
                        help="test accuracy every N iterations (0: only at the end)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    (x_train, t_train), (x_test, t_test) = load_mnist()
    x_train, x_test = torch.from_numpy(x_train.copy()), torch.from_numpy(x_test.copy())
    t_train, t_test = torch.from_numpy(t_train.astype(np.int64)), torch.from_numpy(t_test.astype(np.int64))

    generator = torch.Generator().manual_seed(args.seed)
    first = make_network(generator)
    networks = [first] + [make_network(generator) for _ in range(3)]
    for network in networks[1:]:  # identical initial weights, as the project's default
        network.load_state_dict(first.state_dict())
    optimizers = make_optimizers(networks)
    loss_fn = nn.CrossEntropyLoss()
    losses = np.empty((len(networks), args.iterations))
    x_eval = x_test.float().div_(255.0)
    accuracy: dict[str, list[tuple[int, float]]] = {name: [] for name in optimizers}

    def evaluate(iteration: int) -> None:
        with torch.inference_mode():
            for name, network in zip(optimizers, networks):
                correct = (network(x_eval).argmax(1) == t_test).float().mean()
                accuracy[name].append((iteration, float(correct)))

    started = time.perf_counter()
    if args.eval_interval:
        evaluate(0)
    for iteration in range(1, args.iterations + 1):
        index = torch.randint(0, len(x_train), (BATCH_SIZE,), generator=generator)
        x = x_train[index].float().div_(255.0)
        t = t_train[index]
        for row, (network, optimizer) in enumerate(zip(networks, optimizers.values())):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(network(x), t)
            loss.backward()
            optimizer.step()
            losses[row, iteration - 1] = loss.item()
        if iteration == args.iterations or (args.eval_interval and iteration % args.eval_interval == 0):
            evaluate(iteration)
    train_seconds = time.perf_counter() - started

    print(json.dumps({
        "threads": args.threads, "iterations": args.iterations, "train_seconds": train_seconds,
        "test_accuracy": {name: points[-1][1] for name, points in accuracy.items()},
        "evaluations": len(accuracy["SGD"]),
        "final_loss": {name: float(losses[row, -100:].mean()) for row, name in enumerate(optimizers)},
    }))


if __name__ == "__main__":
    main()
