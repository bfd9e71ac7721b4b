"""Per-family figure modules of analysis/figures.py, one per family of
src/families/<id>/, picked by the family id (campaign.h5's attribute
`family_id`, summary.json's campaign.family_id), so that figures.py never
tests a family or preset name. A file written before `family_id` existed is
matched by its preset (`family`) against each module's PRESETS.

A module <id>.py defines what it needs of (defaults in Family below):

  PRESETS                  its presets (what a campaign's `family:` names)
  learned_only(preset)     True: its phase diagram shows the fraction learned
                           (no LC / SP classes)
  axis_labels(preset, x, y)  (xlabel, ylabel) of the phase diagram, or None
  curve_classes(f, preset) (classes per row, names, colours) for
                           curves_by_class, or None for the PSD classes
  free_run_refusal(preset) why free_run does not apply (None: it does)
  simulate(f, k, cfg)      free run of row k from the final weights for the
                           free_run figure: (states, read-outs, dt, cue, T)
  H5_FIGURES               names of figures.py's campaign.h5 figures it gets
  MODEL_FIGURES            model_figures functions (families whose summary
                           has a "model" member)
  render(summary, dir, out, formats)
                           draws ALL of the family's figures itself (returns
                           how many); figures.py then draws nothing else

Adding a family's figures = adding analysis/families/<id>.py.
"""
import importlib
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def ids():
    """Family ids with a figure module, sorted."""
    return sorted(n[:-3] for n in os.listdir(_HERE) if n.endswith(".py") and not n.startswith("_"))


class Family:
    """A family's figure hooks with their defaults."""

    def __init__(self, module=None):
        self.module = module
        self.id = module.__name__.rsplit(".", 1)[-1] if module else ""

    def _get(self, name, default):
        return getattr(self.module, name, default) if self.module else default

    def learned_only(self, preset):
        return self._get("learned_only", lambda p: False)(preset)

    def axis_labels(self, preset, x, y):
        return self._get("axis_labels", lambda p, a, b: None)(preset, x, y)

    def curve_classes(self, f, preset):
        return self._get("curve_classes", lambda f, p: None)(f, preset)

    def free_run_refusal(self, preset):
        return self._get("free_run_refusal", lambda p: None)(preset)

    @property
    def simulate(self):
        return self._get("simulate", None)

    @property
    def h5_figures(self):
        return self._get("H5_FIGURES", ("curves_by_class", "psd_hist", "free_run"))

    @property
    def model_figures(self):
        return self._get("MODEL_FIGURES", None)

    @property
    def render(self):
        return self._get("render", None)


def module_for(family_id="", preset=""):
    """The Family of `family_id`, else the one whose PRESETS has `preset`,
    else Family() (the defaults)."""
    if family_id and family_id in ids():
        return Family(importlib.import_module(f"{__name__}.{family_id}"))
    for i in ids():
        m = importlib.import_module(f"{__name__}.{i}")
        if preset in getattr(m, "PRESETS", ()):
            return Family(m)
    return Family()
