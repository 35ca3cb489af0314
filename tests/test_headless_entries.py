"""Headless runs of entries: two Adams side by side, repeats, the summary on standard output."""
import csv
import json

import main

SMALL = ["--iterations", "40", "--hidden", "20,20", "--eval-interval", "20", "--steps", "12"]


def test_two_adam_entries_with_repeats_headless(tmp_path, qapp, capsys):
    out = tmp_path / "run"
    status = main.main(["--headless", "--out", str(out), *SMALL, "--repeats", "2",
                        "--run", "Adam lr=0.001", "--run", "Adam lr=0.01 schedule=cosine"])
    assert status == 0
    assert {p.name for p in out.iterdir()} == {"run.json", "losses.csv", "losses_repeats.csv",
                                               "accuracy.csv", "layers.csv", "summary.csv", "paths.csv",
                                               "losses.png", "paths.png"}
    record = json.loads((out / "run.json").read_text())
    assert record["settings"]["version"] == 2
    assert [e["mnist_hyperparameters"]["lr"] for e in record["settings"]["entries"]] == [0.001, 0.01]
    labels = ["Adam lr=0.001 schedule=constant", "Adam lr=0.01 schedule=cosine"]
    optimizers = record["mnist"]["optimizers"]
    assert list(optimizers) == labels
    assert optimizers[labels[1]]["schedule"]["name"] == "cosine"
    assert optimizers[labels[0]]["loss"][5:] != optimizers[labels[1]]["loss"][5:]
    assert len(optimizers[labels[0]]["repeats"]) == 2
    assert list(record["paths"]["optimizers"]) == labels
    with open(out / "losses.csv", newline="") as stream:
        assert next(csv.reader(stream)) == ["iteration", *labels]
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split()[0] == "entry"
    assert [line.split("  ")[0] for line in printed[1:]] == labels
    assert "\u00b1" in printed[1]  # mean +- std over the two repeats


def test_a_bad_run_text_exits_2_with_one_line(tmp_path, capsys):
    status = main.main(["--headless", "--out", str(tmp_path / "x"), "--run", "Adam lr=big"])
    assert status == 2
    error = capsys.readouterr().err.strip()
    assert error == "optimizer-lab: error: --run 'Adam lr=big': lr must be a number, got 'big'"
