"""The command line of issue 9: --quadratic, noise flags, --task map/basins and their checks."""
import pytest

from nncore.cli import InstrumentRequest, UsageError, parse_command_line


def test_quadratic_flag_selects_the_rotated_quadratic_and_its_start():
    invocation = parse_command_line(["--quadratic", "0.1,2,45", "--steps", "30"])
    p = invocation.settings.paths
    assert (p.function, p.quadratic_lambda1, p.quadratic_lambda2, p.quadratic_angle) == (
        "quadratic", 0.1, 2.0, 45.0)
    assert p.start == pytest.approx((-6.363961030678928, -3.535533905932737))
    assert invocation.settings_given
    kept = parse_command_line(["--quadratic", "1,4,90", "--start", "-1,1"]).settings.paths
    assert kept.start == (-1.0, 1.0)
    # A value starting with '-' reads as the flag's value, not as an option.
    assert parse_command_line(["--quadratic", "0.5,2,-30"]).settings.paths.quadratic_angle == -30.0
    with pytest.raises(UsageError, match=r"curvature \(lambda\) must be a number in \(0, 1000000\], got -0.5"):
        parse_command_line(["--quadratic", "-0.5,2,30"])


@pytest.mark.parametrize("argv, message", [
    (["--quadratic", "0.1,2"], "expected three numbers L1,L2,THETA"),
    (["--quadratic", "0,2,0"], r"quadratic curvature \(lambda\) must be a number in \(0, 1000000\]"),
    (["--noise", "-1"], r"gradient noise sigma must be a number in \[0, 1000000\]"),
    (["--cloud", "2000"], r"cloud size \(paths\) must be a whole number in \[0, 1000\]"),
    (["--task", "map"], "add --headless --out DIR"),
    (["--map-size", "10"], "--map-size needs --task map or --task basins"),
    (["--headless", "--out", "x", "--task", "map", "--map-optimizer", "SGD", "--map-y", "momentum"],
     "--map-y: SGD has no hyperparameter 'momentum'; it has lr or none"),
    (["--headless", "--out", "x", "--task", "map", "--map-size", "1"],
     r"--map-size: map size \(cells per side\) must be a whole number in \[2, 1000\]"),
    (["--headless", "--out", "x", "--task", "basins", "--map-x", "lr"], "--map-x and --map-y are for --task map"),
    (["--headless", "--out", "x", "--task", "map", "--map-x", "lr", "--map-y", "lr"], "both 'lr'"),
])
def test_bad_instrument_flags_are_refused_with_one_line(argv, message):
    with pytest.raises(UsageError, match=message):
        parse_command_line(argv)


def test_map_and_basin_tasks_run_the_2d_settings():
    invocation = parse_command_line(["--headless", "--out", "x", "--task", "map",
                                     "--map-optimizer", "adam", "--map-size", "20"])
    assert invocation.settings.task == "paths"
    assert invocation.instrument == InstrumentRequest("map", "Adam", "lr", "beta1", 20)
    curve = parse_command_line(["--headless", "--out", "x", "--task", "map", "--optimizers", "SGD"])
    assert curve.instrument == InstrumentRequest("map", "SGD", "lr", None, 100)
    basins = parse_command_line(["--headless", "--out", "x", "--task", "basins",
                                 "--function", "himmelblau"])
    assert basins.instrument == InstrumentRequest("basins", "SGD", "lr", None, 128)
    assert parse_command_line(["--noise", "0.5", "--noise-seed", "9", "--cloud", "7"]).settings.paths.cloud == 7
