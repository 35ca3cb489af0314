"""The step inspector's formulas with the step's numbers, and its arrows."""
import numpy as np
import pytest

from gui.inspector import StepInspector, explain_step
from nncore import optimizers as O
from nncore.functions import FUNCTIONS
from nncore.paths import trace_path

BOOK = FUNCTIONS["book"]


def _explain(name, step, **hp):
    values = {**O.path_defaults(name), **hp}
    result = trace_path(BOOK, O.create(name, **values), (-7, 2), 29)
    return result, explain_step(name, values, result, step)


def test_momentum_step_two_substitutes_the_issues_numbers():
    result, explanation = _explain("Momentum", 2, lr=0.1)
    assert ("v = 0.9\u00b7(0.07, \u22120.40) \u2212 0.1\u00b7(\u22120.69, 3.20) = (0.13, \u22120.68)"
            in explanation.lines)
    arrows = {label: (dx, dy) for label, dx, dy, *_ in explanation.arrows}
    assert arrows["gradient step \u2212lr\u00b7g"] == pytest.approx((0.0693, -0.32))
    assert arrows["momentum term momentum\u00b7v"] == pytest.approx((0.063, -0.36))
    assert arrows["update taken"] == pytest.approx(tuple(result.updates[1]))
    start = {label: (x, y) for label, _dx, _dy, _c, x, y in explanation.arrows}
    assert start["update taken"] == tuple(result.points[1])


def test_adagrad_shows_the_per_axis_factor():
    result, explanation = _explain("AdaGrad", 1)
    h = result.state["h"][0]  # g^2 after the first step: (0.49, 16)
    factor = 1 / (np.sqrt(h) + 1e-7)
    assert any(line.startswith("factor 1/(\u221ah + \u03b5) = (1.43, 0.25)") for line in explanation.lines)
    arrows = {label: (dx, dy) for label, dx, dy, *_ in explanation.arrows}
    scaled = arrows["scaled step \u2212lr\u00b7g/(\u221ah + \u03b5)"]
    assert scaled == pytest.approx(tuple(-1.5 * result.gradients[0] * factor))
    assert scaled == pytest.approx(tuple(result.updates[0]))


def test_adam_names_its_bias_corrected_rate_and_both_moments():
    result, explanation = _explain("Adam", 3)
    text = "\n".join(explanation.lines)
    assert "t = 3" in text and "m = " in text and "v = " in text
    labels = [label for label, *_ in explanation.arrows]
    assert labels == ["gradient step \u2212lr\u00b7g", "momentum term \u2212lr_t\u00b7m",
                      "scaled step \u2212lr\u00b7m/(\u221av + \u03b5)", "update taken"]


def test_an_optimizer_without_its_own_text_gets_the_generic_one():
    result, explanation = _explain("Nesterov", 2)
    assert explanation.lines[0] == O.Nesterov.__doc__.strip().splitlines()[0]
    assert any(line.startswith("v = (") for line in explanation.lines)
    assert [label for label, *_ in explanation.arrows] == ["gradient step \u2212lr\u00b7g", "update taken"]


def test_inspector_widget_shows_the_text(qtbot):
    inspector = StepInspector()
    qtbot.addWidget(inspector)
    assert inspector.objectName() == "stepInspector"
    _result, explanation = _explain("SGD", 1)
    inspector.show_explanation(explanation)
    assert inspector.text().startswith("SGD, step 1 of 29")
    assert "0.95" in inspector.label.toPlainText()


def test_inspector_keeps_its_text_when_another_path_changed(qtbot):
    inspector = StepInspector()
    qtbot.addWidget(inspector)
    _result, explanation = _explain("SGD", 1)
    inspector.show_explanation(explanation)
    revision = inspector.label.document().revision()
    _result, again = _explain("SGD", 1)  # the same step of the same path, explained anew
    inspector.show_explanation(again)
    assert inspector.label.document().revision() == revision  # not parsed and laid out again
    _result, later = _explain("SGD", 2)
    inspector.show_explanation(later)
    assert inspector.label.document().revision() != revision
    assert "SGD, step 2 of 29" in inspector.label.toPlainText()
    inspector.show_explanation(None)
    assert inspector.label.toPlainText().startswith("Tick an optimizer")
