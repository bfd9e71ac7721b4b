"""Figures of the toy family (SPEC §4: toy-ghost, toy-cycle): one outcome per
task (learned or not) against α and T; no network, no LC / SP classes."""
PRESETS = ("toy-ghost", "toy-cycle")


def learned_only(preset):
    return True


def axis_labels(preset, x_axis, y_axis):
    return f"{x_axis} T", "lr = α (log-spaced grid)"
