"""XOR by direct weight search: the (1+1)-ES with the 1/5 rule and restarts on a 2-2-1 tanh net.

Copy and edit the settings below, then run from the repository root:

    python experiments/xor_es.py

It prints one row per seed and writes ``results/xor_es/es_seed<N>.png``: the parent's loss and
the step size sigma over evaluations for one run (the first seed that needed a restart, so the
plot shows one), with the restarts marked.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: write files, never open a window
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

from evohpo import tasks, weights  # noqa: E402

# -- settings to edit -------------------------------------------------------------------------
TASK = "xor"
HIDDEN = [2]  # hidden widths, e.g. [8, 8]
ACTIVATION = "tanh"
SEEDS = range(10)
BUDGET = 5000  # evaluations per seed
OUT = Path("results/xor_es")
SAVE_MODEL = False  # True: also save the plotted run's network as a .keras file (imports TF)


def plot_run(run: weights.WeightRun, path: Path) -> None:
    """Loss (log scale) and sigma over evaluations, restarts as dashed lines."""
    hist = run.history
    evals = hist.evals
    fig, (ax_loss, ax_sigma) = plt.subplots(2, 1, sharex=True, figsize=(9, 5.5))
    ax_loss.plot(evals, hist.loss, color="tab:blue", label="parent loss (MSE)")
    ax_loss.axhline(
        weights.DEFAULT_MSE_TARGET, color="tab:green", linestyle=":", label="MSE target"
    )
    ax_sigma.plot(evals, hist.sigma, color="tab:orange", label="step size $\\sigma$")
    for i, restart in enumerate(hist.restarts[1:]):
        for ax in (ax_loss, ax_sigma):
            ax.axvline(
                restart.eval, color="grey", linestyle="--", linewidth=1,
                label="restart" if i == 0 else None,
            )
    ax_loss.set_yscale("log")
    ax_sigma.set_yscale("log")
    ax_loss.set_ylabel("loss (MSE, log scale)")
    ax_sigma.set_ylabel("$\\sigma$ (log scale)")
    ax_sigma.set_xlabel("evaluations")
    state = f"solved after {run.evals} evaluations" if run.solved else "not solved"
    ax_loss.set_title(
        f"(1+1)-ES on {run.task}, {'-'.join(map(str, run.sizes))} net, seed {run.seed}: {state}"
    )
    for ax in (ax_loss, ax_sigma):  # beside the axes, so it never hides a curve
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    task = tasks.get(TASK)
    runs = [weights.search_weights(task, HIDDEN, ACTIVATION, seed, BUDGET) for seed in SEEDS]
    print(f"{'seed':>4} {'solved':>6} {'evals':>6} {'restarts':>8} {'loss':>10} {'ms':>7}")
    for r in runs:
        print(
            f"{r.seed:>4} {r.solved!s:>6} {r.evals:>6} {r.restarts:>8} {r.loss:>10.2e} "
            f"{1000 * r.seconds:>7.1f}"
        )
    summary = weights.summarise_es(runs, sum(r.seconds for r in runs))
    print(
        f"solved {summary['solved']}/{summary['runs']}, median {summary['median_evals']} "
        f"evaluations, p90 {summary['p90_evals']}, {summary['seconds']:.2f} s"
    )

    OUT.mkdir(parents=True, exist_ok=True)
    shown = next((r for r in runs if r.restarts), runs[0])
    path = OUT / f"es_seed{shown.seed}.png"
    plot_run(shown, path)
    print(f"plot of seed {shown.seed}: {path}")
    if SAVE_MODEL:
        model_path = OUT / f"es_seed{shown.seed}.keras"
        weights.run_model(shown, task).save(model_path)
        print(f"model: {model_path}")


if __name__ == "__main__":
    main()
