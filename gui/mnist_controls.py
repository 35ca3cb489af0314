"""The control panel's "MNIST" box: the network and training settings of the MNIST task and the
dataset the runs train on, read as one MnistSettings and shown from one.

Text that is refused (hidden sizes that are not a list of sizes in range, a weight init that is
neither a scheme nor a standard deviation in range) is marked red with the reason in its tooltip;
the last valid value is kept for lenient reads (keeping a session, applying a preset).
"""
from __future__ import annotations

import os
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget)

from nncore import ranges
from nncore.mlp import ACTIVATIONS, WEIGHT_INITS
from nncore.settings import MnistSettings

from .form_widgets import keyed_combo, number_field, select_key
from .number_box import NumberBox, parse_number

WEIGHT_INIT_CHOICES = ("he", "xavier")


def valid_weight_init(text: str) -> bool:
    """True for a weight init the settings accept: a named scheme or a std in its range."""
    if text in WEIGHT_INITS:
        return True
    value = parse_number(text)
    return value is not None and ranges.WEIGHT_INIT_STD.contains(value)


class MnistControls(QGroupBox):
    """Iterations, batch size, hidden sizes, activation, weight init and decay, seed, repeats,
    evaluation interval, same initial weights, and the dataset. ``changed`` fires on every
    edit (also when a value is written by ``set_values``: the owner tells them apart)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("MNIST", parent)
        defaults = MnistSettings()
        self._data_dir: str | None = None
        self._valid_hidden_sizes = defaults.hidden_sizes
        """The last hidden sizes and weight init that were valid (kept for the session)."""
        self._valid_weight_init = defaults.weight_init
        self.iterations_spin = number_field("iterationsSpin", "Training iterations (minibatches)",
                                            ranges.ITERATIONS, 100)
        self.batch_size_spin = number_field("batchSizeSpin", "Images per minibatch",
                                            ranges.BATCH_SIZE, 16)
        self.hidden_edit = QLineEdit()
        self.hidden_edit.setObjectName("hiddenSizesEdit")
        self.hidden_edit.textChanged.connect(self._check_hidden_sizes)
        self.activation_combo = keyed_combo("activationCombo", "Activation of the hidden layers",
                                            {key: key for key in ACTIVATIONS})
        self.weight_init_combo = QComboBox()
        self.weight_init_combo.setObjectName("weightInitCombo")
        self.weight_init_combo.setToolTip("Initial weight scale: he, xavier, or a standard "
                                          "deviation such as 0.01")
        self.weight_init_combo.setEditable(True)
        self.weight_init_combo.addItems(WEIGHT_INIT_CHOICES)
        self.weight_decay_spin = number_field("weightDecaySpin", "L2 weight decay lambda added "
                                              "to the loss", ranges.WEIGHT_DECAY, 0.001)
        self.seed_spin = number_field("seedSpin", "Seed of the initial weights and the minibatches",
                                      ranges.SEED)
        self.eval_interval_spin = number_field("evalIntervalSpin", "Test accuracy every so many "
                                               "iterations (0: only at the end)",
                                               ranges.EVAL_INTERVAL, 50)
        self.repeats_spin = number_field("repeatsSpin", "Train every entry this many times, from "
                                         "seeds seed, seed + 1, ...: curves show the mean with a "
                                         "band", ranges.REPEATS)
        self.same_init_check = QCheckBox("Same initial weights")
        self.same_init_check.setObjectName("sameInitCheck")
        self.same_init_check.setToolTip("Every optimizer starts from the same weights (fair comparison)")
        form = QFormLayout(self)
        form.addRow("Iterations", self.iterations_spin)
        form.addRow("Batch size", self.batch_size_spin)
        form.addRow("Hidden sizes", self.hidden_edit)
        form.addRow("Activation", self.activation_combo)
        form.addRow("Weight init", self.weight_init_combo)
        form.addRow("Weight decay", self.weight_decay_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Repeats", self.repeats_spin)
        form.addRow("Eval interval", self.eval_interval_spin)
        form.addRow(self.same_init_check)
        self._add_dataset_rows(form)
        for spin in (self.iterations_spin, self.batch_size_spin, self.seed_spin,
                     self.eval_interval_spin, self.weight_decay_spin, self.repeats_spin):
            spin.valueChanged.connect(self.changed)
        self.hidden_edit.textEdited.connect(self.changed)
        self.activation_combo.currentIndexChanged.connect(self.changed)
        self.weight_init_combo.currentTextChanged.connect(self._check_weight_init)
        self.weight_init_combo.currentTextChanged.connect(self.changed)
        self.same_init_check.toggled.connect(self.changed)

    def _add_dataset_rows(self, form: QFormLayout) -> None:
        """The dataset in use, a button to choose a folder and one back to the bundled MNIST."""
        self.dataset_label = QLabel()
        self.dataset_label.setObjectName("datasetLabel")
        self.dataset_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dataset_label.setMinimumWidth(10)
        choose = QPushButton("Choose\u2026")
        choose.setObjectName("chooseDatasetButton")
        choose.setToolTip("Train on the MNIST-format IDX files of a folder")
        choose.clicked.connect(self._choose_data_dir)
        self.bundled_button = QPushButton("Use bundled MNIST")
        self.bundled_button.setObjectName("bundledDatasetButton")
        self.bundled_button.setToolTip("Train on the MNIST copy that comes with Optimizer Lab")
        self.bundled_button.clicked.connect(lambda: self.set_data_dir(None))
        buttons = QHBoxLayout()
        buttons.addWidget(choose)
        buttons.addWidget(self.bundled_button)
        form.addRow("Dataset", self.dataset_label)
        form.addRow(buttons)

    # -- reading and writing -----------------------------------------------------------------
    def hidden_sizes(self) -> tuple[int, ...]:
        """The hidden layer sizes typed in; ValueError naming the range of a size or of the
        number of layers, or the text, if it is not such a list (nothing is cut or rounded)."""
        text = self.hidden_edit.text()
        parts = [part.strip() for part in text.split(",")]
        if parts and not parts[-1]:
            parts.pop()  # "100,100," while typing the next size
        if not parts or not all(part.isdigit() and part.isascii() for part in parts):
            raise ValueError(f"hidden sizes must be whole numbers in {ranges.HIDDEN_SIZE.text()} "
                             f"separated by commas, got {text!r}")
        ranges.HIDDEN_LAYERS.check(len(parts))
        return tuple(ranges.HIDDEN_SIZE.check(int(part)) for part in parts)

    def settings(self, number: Callable[[NumberBox], float], lenient: bool = False) -> MnistSettings:
        """The MnistSettings shown. ``number`` reads a box (its checked or its last valid value);
        refused hidden sizes raise ValueError, or with ``lenient`` give the last valid ones (as
        does a refused weight init)."""
        try:
            hidden_sizes = self.hidden_sizes()
        except ValueError:
            if not lenient:
                raise
            hidden_sizes = self._valid_hidden_sizes
        weight_init = self.weight_init_combo.currentText().strip()
        if lenient and not valid_weight_init(weight_init):
            weight_init = self._valid_weight_init
        return MnistSettings(iterations=number(self.iterations_spin),
                             batch_size=number(self.batch_size_spin),
                             hidden_sizes=hidden_sizes,
                             activation=self.activation_combo.currentData(),
                             weight_init=weight_init,
                             weight_decay=number(self.weight_decay_spin),
                             seed=number(self.seed_spin),
                             eval_interval=number(self.eval_interval_spin),
                             same_initial_weights=self.same_init_check.isChecked(),
                             data_dir=self._data_dir,
                             repeats=number(self.repeats_spin))

    def set_values(self, m: MnistSettings) -> None:
        """Show ``m`` in every control, exactly (a value outside its range is marked refused)."""
        self.iterations_spin.setValue(m.iterations)
        self.batch_size_spin.setValue(m.batch_size)
        self.hidden_edit.setText(",".join(str(size) for size in m.hidden_sizes))
        select_key(self.activation_combo, m.activation)
        self.weight_init_combo.setCurrentText(str(m.weight_init))
        self.weight_decay_spin.setValue(m.weight_decay)
        self.seed_spin.setValue(m.seed)
        self.eval_interval_spin.setValue(m.eval_interval)
        self.same_init_check.setChecked(m.same_initial_weights)
        self.repeats_spin.setValue(m.repeats)
        self._show_data_dir(m.data_dir)

    # -- refused text ------------------------------------------------------------------------
    def _check_hidden_sizes(self) -> None:
        """Mark the hidden sizes red, the reason in the tooltip, when they are refused."""
        tip = (f"Sizes of the hidden layers, comma-separated, e.g. 100,100,100,100; each in "
               f"{ranges.HIDDEN_SIZE.text()}, {ranges.HIDDEN_LAYERS.text()} layers")
        try:
            self._valid_hidden_sizes = self.hidden_sizes()
        except ValueError as error:
            self.hidden_edit.setToolTip(f"Refused: {error}\n{tip}")
            self.hidden_edit.setStyleSheet("QLineEdit { background: #ffd6d6; }")
        else:
            self.hidden_edit.setToolTip(tip)
            self.hidden_edit.setStyleSheet("")

    def _check_weight_init(self, text: str) -> None:
        """Mark the weight init red, the reason in the tooltip, when it is refused."""
        tip = (f"Initial weight scale: {', '.join(WEIGHT_INIT_CHOICES)}, or a standard deviation "
               f"in {ranges.WEIGHT_INIT_STD.text()} such as 0.01")
        if valid_weight_init(text.strip()):
            self._valid_weight_init = text.strip()
            self.weight_init_combo.setToolTip(tip)
            self.weight_init_combo.setStyleSheet("")
        else:
            self.weight_init_combo.setToolTip(f"Refused: {text.strip()!r} is none of these\n{tip}")
            self.weight_init_combo.setStyleSheet("QComboBox { background: #ffd6d6; }")

    # -- dataset -----------------------------------------------------------------------------
    @property
    def data_dir(self) -> str | None:
        """The MNIST folder of the run (None: the bundled MNIST)."""
        return self._data_dir

    def set_data_dir(self, directory: str | None) -> None:
        """Train on the IDX files in ``directory`` (None: the bundled MNIST)."""
        self._show_data_dir(directory)
        self.changed.emit()

    def _show_data_dir(self, directory: str | None) -> None:
        """Show which dataset the run uses; a folder that does not exist is said to be missing."""
        self._data_dir = directory
        self.bundled_button.setEnabled(directory is not None)
        if directory is None:
            self.dataset_label.setText("Bundled MNIST")
            self.dataset_label.setStyleSheet("")
            self.dataset_label.setToolTip("The MNIST copy that comes with Optimizer Lab")
            return
        missing = not os.path.isdir(directory)
        name = os.path.basename(os.path.normpath(directory)) or directory
        self.dataset_label.setText(f"{name} (missing)" if missing else name)
        self.dataset_label.setStyleSheet("color: #b00020;" if missing else "")
        self.dataset_label.setToolTip(f"{directory}\n" + (
            "This folder does not exist: choose another or use the bundled MNIST" if missing
            else "IDX files of the dataset the runs train on"))

    def _choose_data_dir(self) -> None:
        directory = QFileDialog.getExistingDirectory(self, "MNIST folder (IDX files)",
                                                     self._data_dir or "")
        if directory:
            self.set_data_dir(directory)
