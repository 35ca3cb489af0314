"""The side panel: every setting of a run as a control, read and written as one Settings object.

The optimizer list and the hyperparameter spin boxes are built from nncore's declarations
(``OPTIMIZERS[name].hyperparameters``: range, step, decimals, log scale), so a new optimizer
or hyperparameter appears here without GUI changes. Each optimizer has separate values for the
2D task and for MNIST, shown side by side for the optimizer selected in the list.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget)

from nncore import ranges
from nncore.functions import FUNCTIONS, QUADRATIC, get_function, quadratic_key
from nncore.entries import entries_from_tables
from nncore.optimizers import BOOK_OPTIMIZERS, OPTIMIZERS, Hyperparameter, path_defaults
from nncore.ranges import Range
from nncore.path_defaults import function_path_defaults
from nncore.settings import TASKS, PathSettings, Settings

from .entry_list import EntryList, display_labels
from .form_widgets import keyed_combo, number_field, select_key
from .hyperparameter_editor import HyperparameterEditor
from .mnist_controls import MnistControls
from .schedule_editor import ScheduleEditor
from .instrument_controls import NoiseControls, QuadraticControls
from .number_box import NumberBox, hyperparameter_range

TASK_LABELS = {"both": "2D paths + MNIST", "paths": "2D paths only", "mnist": "MNIST only"}
DEFAULT_ANIMATION_SPEED = 10
"""Path steps revealed per second."""
VISIBLE_ENTRY_ROWS = 6
"""Rows of the entry list shown without scrolling (17 would push the hyperparameters off a
640-pixel-high window)."""
ANIMATION_SPEED = Range("animation speed", 1, 1000, integer=True)
"""Path steps revealed per second (a view option, not a setting of the run)."""


class HyperparameterSpinBox(NumberBox):
    """A number box for one declared hyperparameter: its valid range (exclusive bounds stay
    exclusive), its step and log scale (learning rates step along the 1-2-5 ladder). It takes
    each valid value while it is typed, so the live 2D paths follow the typing."""

    def __init__(self, hp: Hyperparameter, parent: QWidget | None = None) -> None:
        super().__init__(hyperparameter_range(hp), hp.step, hp.description, parent)
        self.hp = hp
        self.setValue(hp.default)
        self.set_live()


class ControlPanel(QWidget):
    """All run settings plus Start / Stop / Reset.

    ``settings()`` returns the Settings the controls describe (ValueError for text that does
    not parse, e.g. hidden sizes); ``set_settings`` shows a Settings. ``settingsChanged`` fires
    on every user edit.
    """

    settingsChanged = Signal()
    optimizerSelected = Signal(str)
    """The optimizer of the entry selected in the list (whose hyperparameters are shown)."""
    entrySelected = Signal(str)
    """The label of the entry selected in the list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controlPanel")
        self._updating = False
        self._function_key: str | None = None
        self._per_function: dict[str, tuple] = {}
        """Function key -> (start, steps, 2D hyperparameters) the user left it with."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self._build_run_box())
        layout.addWidget(self._build_optimizer_box())
        layout.addWidget(self._build_hyperparameter_box())
        layout.addWidget(self._build_paths_box())
        self.mnist = MnistControls()
        self.mnist.changed.connect(self._edited)
        layout.addWidget(self.mnist)
        layout.addStretch(1)
        self.set_settings(Settings())
        self.entry_list.select(0)

    # -- construction ------------------------------------------------------------------------
    def _build_run_box(self) -> QGroupBox:
        box = QGroupBox("Run")
        self.task_combo = keyed_combo("taskCombo", "Which experiments Start runs", TASK_LABELS)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startButton")
        self.start_button.setToolTip("Start the run with these settings (Ctrl+Return)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip("Stop the run, keeping what was computed (Esc)")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("resetButton")
        self.reset_button.setToolTip("Stop any run and clear all curves and paths (Ctrl+R)")
        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.reset_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(box)
        layout.addWidget(self.task_combo)
        layout.addLayout(buttons)
        self.task_combo.currentIndexChanged.connect(self._edited)
        return box

    def _build_optimizer_box(self) -> QGroupBox:
        box = QGroupBox("Entries")
        box.setToolTip("The entries of the comparison: an optimizer with its values, schedule, "
                       "label and colour; several entries may use the same optimizer")
        self.entry_list = EntryList()
        self.optimizer_list = self.entry_list.list
        row_height = max(self.optimizer_list.fontMetrics().height(), 16) + 6
        self.optimizer_list.setFixedHeight(row_height * VISIBLE_ENTRY_ROWS + 6)  # more scroll
        self._page_rows: dict[str, int] = {}
        self._storing = False
        """Optimizer -> the row of the entry its hyperparameter page shows."""
        self.entry_list.entriesChanged.connect(self._entries_edited)
        self.entry_list.entrySelected.connect(self._entry_selected)
        layout = QVBoxLayout(box)
        layout.addWidget(self.entry_list)
        return box

    def _build_hyperparameter_box(self) -> QGroupBox:
        self.hyperparameter_box = QGroupBox("Hyperparameters")
        self.hyperparameter_pages = QStackedWidget()
        self.hyperparameter_pages.setObjectName("hyperparameterPages")
        self.hp_spins: dict[tuple[str, str, str], HyperparameterSpinBox] = {}
        for name, cls in OPTIMIZERS.items():
            page = QWidget()
            grid = QGridLayout(page)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.addWidget(QLabel("<b>2D paths</b>"), 0, 1)
            grid.addWidget(QLabel("<b>MNIST</b>"), 0, 2)
            for row, hp in enumerate(cls.hyperparameters, start=1):
                label = QLabel(hp.name)
                label.setToolTip(hp.description)
                grid.addWidget(label, row, 0)
                for column, (task, task_label) in enumerate((("paths", "2D"), ("mnist", "MNIST")), 1):
                    spin = HyperparameterSpinBox(hp)
                    spin.setObjectName(f"hp_{task}_{name}_{hp.name}")
                    spin.set_tooltip(f"{name} {hp.name} for {task_label}: {hp.description}")
                    spin.valueChanged.connect(lambda _value, n=name: self._spin_edited(n))
                    if task == "paths":  # live 2D paths: react while typing, and a slider
                        spin.setKeyboardTracking(True)
                        grid.addWidget(HyperparameterEditor(spin), row, column)
                    else:
                        grid.addWidget(spin, row, column)
                    self.hp_spins[(task, name, hp.name)] = spin
            self.hyperparameter_pages.addWidget(page)
        self.book_defaults_button = QPushButton("Reset to book defaults")
        self.book_defaults_button.setObjectName("bookDefaultsButton")
        self.book_defaults_button.setToolTip("Set this optimizer's hyperparameters (2D and MNIST) "
                                             "to the book's values; Presets \u25b8 Book defaults "
                                             "resets every control")
        self.book_defaults_button.clicked.connect(self.reset_shown_hyperparameters)
        self.schedule_editor = ScheduleEditor()
        self.schedule_editor.scheduleEdited.connect(self._schedule_edited)
        layout = QVBoxLayout(self.hyperparameter_box)
        layout.addWidget(self.hyperparameter_pages)
        layout.addWidget(self.schedule_editor)
        layout.addWidget(self.book_defaults_button)
        return self.hyperparameter_box

    def _build_paths_box(self) -> QGroupBox:
        self.paths_box = QGroupBox("2D paths")
        self.function_combo = keyed_combo("functionCombo", "The 2D test function the paths run on",
                                     {key: fn.name for key, fn in FUNCTIONS.items()})
        self.start_x_spin = number_field("startXSpin", "x of the start point (or click the plot)",
                                    ranges.START_COORDINATE, 0.1)
        self.start_y_spin = number_field("startYSpin", "y of the start point (or click the plot)",
                                    ranges.START_COORDINATE, 0.1)
        self.steps_spin = number_field("stepsSpin", "Number of updates per path (the book shows 29)",
                                  ranges.STEPS)
        for box in (self.start_x_spin, self.start_y_spin, self.steps_spin):
            box.set_live()  # the live 2D paths follow the typing
        self.animation_spin = number_field("animationSpeedSpin", "Path steps drawn per second",
                                      ANIMATION_SPEED)
        self.animation_spin.setValue(DEFAULT_ANIMATION_SPEED)
        start = QHBoxLayout()
        start.addWidget(self.start_x_spin)
        start.addWidget(self.start_y_spin)
        form = QFormLayout(self.paths_box)
        form.addRow("Function", self.function_combo)
        form.addRow("Start x, y", start)
        form.addRow("Steps", self.steps_spin)
        form.addRow("Steps/s", self.animation_spin)
        self._add_instrument_rows(form)
        self.function_combo.currentIndexChanged.connect(self._function_chosen)
        for spin in (self.start_x_spin, self.start_y_spin, self.steps_spin):
            spin.setKeyboardTracking(True)  # the 2D paths follow every keystroke
            spin.valueChanged.connect(self._edited)
        return self.paths_box

    def _add_instrument_rows(self, form: QFormLayout) -> None:
        """Issue 9's rows: the quadratic's parameters (shown for the quadratic) and gradient noise."""
        self.paths_form = form
        self.quadratic_controls = QuadraticControls()
        self.noise_controls = NoiseControls()
        form.addRow("λ₁, λ₂, θ", self.quadratic_controls)
        form.addRow("Noise", self.noise_controls)
        self.quadratic_controls.changed.connect(self._quadratic_edited)
        self.noise_controls.changed.connect(self._edited)
        self.function_combo.currentIndexChanged.connect(self._show_quadratic_row)
        self._show_quadratic_row()

    def _show_quadratic_row(self) -> None:
        self.paths_form.setRowVisible(self.quadratic_controls,
                                      self.function_combo.currentData() == QUADRATIC)

    def _quadratic_edited(self) -> None:
        """New curvatures or angle from the user: start from the rotated book start."""
        if self._updating:
            return
        if self.function_combo.currentData() == QUADRATIC:
            self._updating = True
            try:
                self.set_start(*get_function(self.function_key()).start)
            finally:
                self._updating = False
        self._edited()

    def function_key(self) -> str:
        """The key of the chosen function (the quadratic's names its parameters)."""
        key = self.function_combo.currentData()
        if key != QUADRATIC:
            return key
        values = self.quadratic_controls.values()
        return quadratic_key(values["quadratic_lambda1"], values["quadratic_lambda2"],
                             values["quadratic_angle"])

    def selected_optimizer(self) -> str:
        """The optimizer of the entry selected in the list, whose hyperparameters are shown."""
        entry = self.entry_list.selected_entry()
        return entry.optimizer if entry is not None else next(iter(OPTIMIZERS))

    def selected_label(self) -> str | None:
        """The label the selected entry shows (None without entries)."""
        row = self.entry_list.selected()
        return display_labels(list(self.entry_list.entries()))[row] if row >= 0 else None

    def set_path_hyperparameters(self, name: str, values: dict[str, float]) -> None:
        """Set optimizer ``name``'s 2D hyperparameters (a map click, Snap to optimal); ValueError
        naming the hyperparameter and its range for a value a spin box cannot hold."""
        for key, value in values.items():
            spin = self.hp_spins[("paths", name, key)]
            if not spin.minimum() <= value <= spin.maximum():
                raise ValueError(f"{name} {key} = {value:g} is outside {spin.hp.range_text()}")
        self._updating = True
        try:
            for key, value in values.items():
                self.hp_spins[("paths", name, key)].setValue(value)
        finally:
            self._updating = False
        if not (name in self._page_rows and self._store_page(name)):
            self.settingsChanged.emit()  # a stored page was announced as an entry edit

    # -- reactions ---------------------------------------------------------------------------
    def _edited(self, *_args) -> None:
        if not self._updating:
            self.settingsChanged.emit()

    def _function_chosen(self) -> None:
        """A new function from the user: load its start, steps and 2D hyperparameters (its
        defaults, or what the user last set for it in this session)."""
        if self._updating:
            self._function_key = self.function_combo.currentData()
            return
        if self._function_key is not None:
            self._per_function[self._function_key] = self._function_values()
        key = self._function_key = self.function_combo.currentData()
        function = get_function(self.function_key())  # a quadratic's start turns with it
        start, steps, table = self._per_function.get(key, (
            function.start, function.steps,
            {name: function_path_defaults(key, name) for name in OPTIMIZERS}))
        self._updating = True
        try:
            self.set_start(*start)
            self.steps_spin.setValue(steps)
            for (task, name, hp_name), spin in self.hp_spins.items():
                if task == "paths":
                    spin.setValue(table[name][hp_name])
            # Every entry takes the function's 2D values of its optimizer.
            entries = [replace(entry, path_hyperparameters=dict(table[entry.optimizer]))
                       for entry in self.entry_list.entries()]
            self.entry_list.set_entries(entries, self.entry_list.selected())
        finally:
            self._updating = False
        self.settingsChanged.emit()

    def _function_values(self) -> tuple[tuple[float, float], int, dict[str, dict[str, float]]]:
        """(start, steps, 2D hyperparameters) shown now: what a function keeps for the session."""
        return (self.path_settings().start, self.steps_spin.value(), self.path_hyperparameters())

    # -- entries ---------------------------------------------------------------------------
    def _entry_selected(self, row: int) -> None:
        """Show the selected entry's hyperparameters (its optimizer's page) and schedule."""
        entry = self.entry_list.selected_entry()
        if entry is None:
            return
        page = list(OPTIMIZERS).index(entry.optimizer)
        # Size the stack to the shown page, not to the optimizer with the most hyperparameters.
        for index in range(self.hyperparameter_pages.count()):
            policy = QSizePolicy.Policy.Preferred if index == page else QSizePolicy.Policy.Ignored
            self.hyperparameter_pages.widget(index).setSizePolicy(policy, policy)
        self.hyperparameter_pages.setCurrentIndex(page)
        self.hyperparameter_pages.adjustSize()
        self._page_rows[entry.optimizer] = row
        self._load_page(entry)
        self.schedule_editor.set_schedule(entry.schedule)
        label = self.selected_label()
        self.hyperparameter_box.setTitle(f"Hyperparameters: {label}")
        self.optimizerSelected.emit(entry.optimizer)
        self.entrySelected.emit(label)

    def _load_page(self, entry) -> None:
        """Show ``entry``'s values in its optimizer's page (no signals)."""
        updating, self._updating = self._updating, True
        try:
            for task in ("paths", "mnist"):
                for hp_name, value in entry.hyperparameters(task).items():
                    self.hp_spins[(task, entry.optimizer, hp_name)].setValue(value)
        finally:
            self._updating = updating

    def _refresh_pages(self) -> None:
        """Each optimizer's page shows its selected entry, else its first entry in the list."""
        entries = self.entry_list.entries()
        selected = self.entry_list.selected()
        self._page_rows = {}
        for row, entry in enumerate(entries):
            if entry.optimizer not in self._page_rows or row == selected:
                self._page_rows[entry.optimizer] = row
        for optimizer, row in self._page_rows.items():
            self._load_page(entries[row])

    def _store_page(self, optimizer: str) -> bool:
        """Write the values of ``optimizer``'s page (last valid ones) into the entry it shows
        (which announces the edit); False if the page shows no entry."""
        row = self._page_rows.get(optimizer)
        entries = self.entry_list.entries()
        if row is None or row >= len(entries) or entries[row].optimizer != optimizer:
            return False
        values = {task: {hp.name: self.hp_spins[(task, optimizer, hp.name)].value()
                         for hp in OPTIMIZERS[optimizer].hyperparameters} for task in ("paths", "mnist")}
        self._storing = True  # the boxes hold these values already: no reload (keeps typed text)
        try:
            self.entry_list.replace_entry(row, replace(entries[row], path_hyperparameters=values["paths"],
                                                       mnist_hyperparameters=values["mnist"]))
        finally:
            self._storing = False
        return True

    def _spin_edited(self, optimizer: str) -> None:
        if self._updating:
            return
        if not self._store_page(optimizer):  # a stored value is announced once, as an entry edit
            self._edited()

    def _schedule_edited(self, spec) -> None:
        row = self.entry_list.selected()
        if row >= 0:
            self.entry_list.replace_entry(row, replace(self.entry_list.entries()[row], schedule=spec))

    def _entries_edited(self) -> None:
        """An entry was added, removed, moved, renamed, ticked or given new values."""
        if self._updating:
            return
        if not self._storing:
            self._refresh_pages()
        self.hyperparameter_box.setTitle(f"Hyperparameters: {self.selected_label()}")
        self._edited()

    def path_entries(self) -> dict:
        """Label -> RunEntry of the ticked entries, as the live 2D paths draw them (labels as
        the list shows them, so two identical entries are both drawn)."""
        entries = list(self.entry_list.entries())
        labels = display_labels(entries)
        return {label: entry for label, entry in zip(labels, entries) if entry.enabled}

    # -- settings ----------------------------------------------------------------------------
    def checked_optimizers(self) -> tuple[str, ...]:
        """The optimizers of the ticked entries, each once, in list order."""
        return tuple(dict.fromkeys(entry.optimizer for entry in self.entry_list.entries() if entry.enabled))

    def set_checked_optimizers(self, names) -> None:
        """One entry per optimizer of ``names`` (registry order), with the values the pages
        hold: the list as it was before entries existed."""
        tables = self._tables()
        ordered = [name for name in OPTIMIZERS if name in names]
        self.entry_list.set_entries(entries_from_tables(ordered, tables["paths"], tables["mnist"]))
        self._entries_edited()

    def _tables(self) -> dict[str, dict[str, dict[str, float]]]:
        """Task -> optimizer -> the values its page shows (last valid ones)."""
        tables: dict[str, dict[str, dict[str, float]]] = {"paths": {}, "mnist": {}}
        for (task, name, hp_name), spin in self.hp_spins.items():
            tables[task].setdefault(name, {})[hp_name] = spin.value()
        return tables

    def path_hyperparameters(self) -> dict[str, dict[str, float]]:
        """The 2D hyperparameters shown, optimizer name -> {name: value} (last valid values)."""
        table: dict[str, dict[str, float]] = {}
        for (task, name, hp_name), spin in self.hp_spins.items():
            if task == "paths":
                table.setdefault(name, {})[hp_name] = spin.value()
        return table

    def path_settings(self, number: Callable[[NumberBox], float] | None = None) -> PathSettings:
        """The 2D task's settings shown; reads no MNIST control. ``number`` reads a box: by
        default its last valid value, so the live paths never fail on a half-typed box."""
        read = number or NumberBox.value
        return PathSettings(function=self.function_combo.currentData(),
                            start=(read(self.start_x_spin), read(self.start_y_spin)),
                            steps=read(self.steps_spin),
                            **self.quadratic_controls.values(), **self.noise_controls.values())

    def settings(self, lenient: bool = False) -> Settings:
        """The Settings these controls describe (not validated).

        A control whose text is refused raises ValueError naming its range, or with
        ``lenient`` gives its last valid value (to keep a session or apply a preset).
        """
        def number(box: NumberBox):
            return box.value() if lenient else box.checked_value()

        tables = {"paths": {}, "mnist": {}}
        for (task, name, hp_name), spin in self.hp_spins.items():
            try:
                tables[task].setdefault(name, {})[hp_name] = number(spin)
            except ValueError as error:
                if name in self.checked_optimizers() and name in self._page_rows:
                    raise ValueError(f"{name} ({'2D' if task == 'paths' else 'MNIST'}): {error}") from None
                tables[task].setdefault(name, {})[hp_name] = spin.value()  # not run: last valid
        return Settings(
            task=self.task_combo.currentData(),
            optimizers=self.checked_optimizers(),
            path_hyperparameters=tables["paths"],
            mnist_hyperparameters=tables["mnist"],
            entries=self.entry_list.entries(),
            paths=self.path_settings(number),
            mnist=self.mnist.settings(number, lenient)).canonical()

    def set_settings(self, settings: Settings) -> None:
        """Show ``settings`` in every control, exactly (emits settingsChanged once). A value
        outside its range is shown as it is and marked refused, never clamped.

        All or nothing: if showing any field fails, every control gets its previous value back
        and the exception propagates.
        """
        previous = self.settings(lenient=True)
        try:
            self._show_settings(settings)
        except BaseException:
            self._show_settings(previous)
            raise
        finally:
            self._updating = False
        self.settingsChanged.emit()

    def _show_settings(self, settings: Settings) -> None:
        """Write ``settings`` into the controls, without signals (see set_settings)."""
        self._updating = True
        select_key(self.task_combo, settings.task if settings.task in TASKS else "both")
        for (task, name, hp_name), spin in self.hp_spins.items():
            table = settings.path_hyperparameters if task == "paths" else settings.mnist_hyperparameters
            spin.setValue({**(path_defaults(name) if task == "paths" else OPTIMIZERS[name].defaults()),
                           **table.get(name, {})}[hp_name])
        selected = self.entry_list.selected()
        self.entry_list.set_entries(settings.all_entries(), max(selected, 0))
        self._refresh_pages()
        p = settings.paths
        select_key(self.function_combo, p.function)
        self._function_key = p.function
        self.set_start(*p.start)
        self.steps_spin.setValue(p.steps)
        self.quadratic_controls.set_values(p)
        self.noise_controls.set_values(p)
        self.mnist.set_values(settings.mnist)

    def set_start(self, x: float, y: float) -> None:
        """Set the 2D start point (shown exactly; a point outside the range is marked refused)."""
        self.start_x_spin.setValue(x)
        self.start_y_spin.setValue(y)

    def reset_to_defaults(self) -> None:
        """Every control back to the book's settings, the bundled MNIST included."""
        self.set_settings(replace(Settings(), optimizers=BOOK_OPTIMIZERS))
        self.animation_spin.setValue(DEFAULT_ANIMATION_SPEED)

    def reset_shown_hyperparameters(self) -> None:
        """The hyperparameters (2D and MNIST) of the selected entry back to the book's values;
        every other control keeps its value."""
        row = self.entry_list.selected()
        if row < 0:
            return
        entry = self.entry_list.entries()[row]
        defaults = Settings()
        self.entry_list.replace_entry(row, replace(
            entry, path_hyperparameters=defaults.hyperparameters("paths", entry.optimizer),
            mnist_hyperparameters=defaults.hyperparameters("mnist", entry.optimizer)))
        self._load_page(self.entry_list.entries()[row])

    @property
    def animation_speed(self) -> int:
        """Path steps revealed per second."""
        return self.animation_spin.value()

    def set_running(self, running: bool) -> None:
        """Lock the controls that define a run while one is going; Stop only works during one."""
        self.entry_list.set_locked(running)  # the list stays readable: an entry can be selected
        self.schedule_editor.set_locked(running)
        for widget in (self.task_combo, self.hyperparameter_pages,
                       self.book_defaults_button, self.function_combo, self.start_x_spin,
                       self.start_y_spin, self.steps_spin, self.mnist,
                       self.quadratic_controls, self.noise_controls):
            widget.setEnabled(not running)
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
