"""Tables of the finetune-settings study from results/*.json: per data set and learning-rate /
weight-decay setting, the MAE of the fine-tuned and from-scratch single networks over the 15
test folds (fold seeds 0-2), paired per-fold differences against the old default
(lr 1e-3, weight decay 1e-4) and of fine-tuned against from scratch, and each setting's MAE relative to the Magpie random forest on
the same folds, averaged over the four sets.

    python3 experiments/finetune-settings/summarise.py
"""
import json
import statistics as st
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
EXPERIMENTS = HERE.parent
SETS = [("steels", "MPa"), ("perovskites", "eV"), ("log_kvrh", "log10 GPa"), ("log_gvrh", "log10 GPa")]
SETTINGS = [("1e-3", "1e-4"), ("1e-3", "1e-2"), ("3e-3", "1e-4"), ("3e-3", "1e-2")]
ARMS = [("fine-tuned from base", "fine-tuned"), ("from scratch", "from scratch")]
RF = "Magpie + random forest"
DEFAULT = SETTINGS[0]


def folds(name, lr, wd):
    out = []
    for s in (0, 1, 2):
        p = RESULTS / f"{name}-lr{lr}-wd{wd}-seed{s}.json"
        if p.exists():
            out += json.loads(p.read_text())["folds"]
    return out


def ensemble_files(name, wd):
    """The ensemble runs at lr 3e-3 and weight decay `wd` (1e-2: the earlier studies' files)."""
    if wd == "1e-4":
        return [RESULTS / f"{name}-ensembles-lr3e-3-wd1e-4-seed{s}.json" for s in (0, 1, 2)]
    if name == "steels":
        return [EXPERIMENTS / f"finetune-steels/round4/ens-seed{s}.json" for s in (0, 1, 2)]
    stem = "perovskites_castelli" if name == "perovskites" else name
    r = EXPERIMENTS / "transfer-small-data/results"
    return [r / f"{stem}-ensembles{'' if s == 0 else f'-seed{s}'}.json" for s in (0, 1, 2)]


def load(paths):
    return [f for p in paths if p.exists() for f in json.loads(p.read_text())["folds"]]


def diff(a, b):
    d = [x - y for x, y in zip(a, b)]
    se = st.stdev(d) / len(d) ** 0.5 if len(d) > 1 else 0.0
    return f"{st.mean(d):+.3g} (s.e. {se:.2g}; lower in {sum(x < 0 for x in d)}/{len(d)})"


def main():
    rel = {(s, arm): [] for s in SETTINGS for arm, _ in ARMS}
    for name, unit in SETS:
        base = folds(name, *DEFAULT)
        print(f"\n### {name}, MAE in {unit}\n")
        print("| lr, weight decay | arm | folds | MAE | − default (lr 1e-3, wd 1e-4) | MAE / forest's | − from scratch |")
        print("|---|---|---|---|---|---|---|")
        for lr, wd in SETTINGS:
            f = folds(name, lr, wd)
            if not f:
                continue
            for arm, label in ARMS:
                m = [x[arm] for x in f]
                r = [x[arm] / x[RF] for x in f]
                rel[((lr, wd), arm)].append(st.mean(r))
                d = diff(m, [x[arm] for x in base[: len(m)]]) if base else "—"
                sd = st.stdev(m) if len(m) > 1 else 0.0
                vs = diff(m, [x[ARMS[1][0]] for x in f]) if arm == ARMS[0][0] else ""
                print(f"| {lr}, {wd} | {label} | {len(m)} | {st.mean(m):.4g} ± {sd:.2g} | {d} | {st.mean(r):.3f} | {vs} |")
        if base:
            rf = [x[RF] for x in base]
            print(f"| — | Magpie random forest | {len(rf)} | {st.mean(rf):.4g} ± {st.stdev(rf):.2g} | | 1 | |")
    print("\n### Mean over the sets of MAE / forest's MAE\n")
    print("| lr, weight decay | fine-tuned | from scratch | sets |")
    print("|---|---|---|---|")
    for s in SETTINGS:
        a, b = rel[(s, ARMS[0][0])], rel[(s, ARMS[1][0])]
        if a:
            print(f"| {s[0]}, {s[1]} | {st.mean(a):.3f} | {st.mean(b):.3f} | {len(a)} |")


def ensembles():
    arms = [("fine-tuned from base, deep ensemble", "fine-tuned"), ("from scratch, deep ensemble", "from scratch")]
    print("\n### Deep ensembles of 5 (seeds, same rows), lr 3e-3\n")
    print("| set | weight decay | arm | folds | MAE | − weight decay 1e-2 | − from scratch | − forest | NLL recal. | 1σ / 2σ |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, _ in SETS:
        ref = load(ensemble_files(name, "1e-2"))
        for wd in ("1e-4", "1e-2"):
            f = load(ensemble_files(name, wd))
            if not f:
                continue
            for arm, label in arms:
                m = [x[arm] for x in f]
                d = diff(m, [x[arm] for x in ref[: len(m)]]) if wd == "1e-4" else ""
                vs = diff(m, [x[arms[1][0]] for x in f]) if arm == arms[0][0] else ""
                rf = diff(m, [x[RF] for x in f])
                key = f"{arm.removesuffix(', deep ensemble')}: ensemble, recalibrated on validation"
                cal = [x["calibration"][key] for x in f if key in x.get("calibration", {})]
                nll = st.mean(c[0] for c in cal) if cal else float("nan")
                cov = f"{100 * st.mean(c[1] for c in cal):.0f} % / {100 * st.mean(c[2] for c in cal):.0f} %" if cal else ""
                print(f"| {name} | {wd} | {label} | {len(m)} | {st.mean(m):.4g} ± {st.stdev(m):.2g} | {d} | {vs} | {rf} | {nll:.3g} | {cov} |")


def rotated():
    """Ensembles whose members early-stop on their own validation parts (--rotate-val), paired
    with the same ensembles on one shared split (lr 3e-3, weight decay 1e-4)."""
    arms = [("fine-tuned from base, deep ensemble", "fine-tuned"), ("from scratch, deep ensemble", "from scratch")]
    print("\n### Deep ensembles of 5 with rotated validation parts, lr 3e-3, weight decay 1e-4\n")
    print("| set | arm | folds | MAE | − shared split | − from scratch | − forest | NLL recal. | 1σ / 2σ | shared split: NLL recal. | 1σ / 2σ |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    rel = {a: [] for a, _ in arms}
    for name, _ in SETS:
        f = load([RESULTS / f"{name}-rotated-lr3e-3-wd1e-4-seed{s}.json" for s in (0, 1, 2)])
        ref = load(ensemble_files(name, "1e-4"))
        if not f:
            continue
        for arm, label in arms:
            m = [x[arm] for x in f]
            shared = [x[arm] for x in ref[: len(m)]]
            rel[arm].append(st.mean(m) / st.mean(shared))
            vs = diff(m, [x[arms[1][0]] for x in f]) if arm == arms[0][0] else ""
            key = f"{arm.removesuffix(', deep ensemble')}: ensemble, recalibrated on validation"

            def cal(rows):
                c = [x["calibration"][key] for x in rows if key in x.get("calibration", {})]
                if not c:
                    return "", ""
                cov = f"{100 * st.mean(v[1] for v in c):.0f} % / {100 * st.mean(v[2] for v in c):.0f} %"
                return f"{st.mean(v[0] for v in c):.3g}", cov

            (n1, c1), (n2, c2) = cal(f), cal(ref[: len(m)])
            print(f"| {name} | {label} | {len(m)} | {st.mean(m):.4g} ± {st.stdev(m):.2g} | {diff(m, shared)} | {vs} | {diff(m, [x[RF] for x in f])} | {n1} | {c1} | {n2} | {c2} |")
    for arm, label in arms:
        if rel[arm]:
            print(f"\n{label}: MAE rotated / shared, mean over {len(rel[arm])} sets: {st.mean(rel[arm]):.3f}")


def gpmean():
    """Ensembles (one shared split) scored with each member's own GP mean (--member-gp-own),
    paired with the same ensembles' network means, and the calibration of both."""
    arms = [("fine-tuned from base", "fine-tuned"), ("from scratch", "from scratch")]
    print("\n### Deep ensembles of 5: each member's GP mean against network means\n")
    print("| set | arm | folds | MAE, GP means | − network means | − forest | NLL recal. | 1σ / 2σ | network means: NLL recal. | 1σ / 2σ |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, _ in SETS:
        f = load([RESULTS / f"{name}-gpmean-lr3e-3-wd1e-4-seed{s}.json" for s in (0, 1, 2)])
        if not f:
            continue
        for arm, label in arms:
            gp = [x[f"{arm}, deep ensemble, GP mean per member (own rows)"] for x in f]
            net = [x[f"{arm}, deep ensemble"] for x in f]

            def cal(key):
                c = [x["calibration"][key] for x in f if key in x.get("calibration", {})]
                cov = f"{100 * st.mean(v[1] for v in c):.0f} % / {100 * st.mean(v[2] for v in c):.0f} %"
                return f"{st.mean(v[0] for v in c):.3g}", cov

            n1, c1 = cal(f"{arm}: ensemble, GP mean per member (own rows), recalibrated")
            n2, c2 = cal(f"{arm}: ensemble, recalibrated on validation")
            print(f"| {name} | {label} | {len(gp)} | {st.mean(gp):.4g} ± {st.stdev(gp):.2g} | {diff(gp, net)} | {diff(gp, [x[RF] for x in f])} | {n1} | {c1} | {n2} | {c2} |")


def descgp():
    """Ensembles with the Magpie + fractions branch (one shared split), with network means and
    each member's own GP mean, against the plain ensembles (no branch, network means, the
    product's default) on the same folds, with the calibration; and fine-tuned minus from
    scratch for each."""
    print("\n### Deep ensembles of 5 with the Magpie + fractions branch, network and GP means per member\n")
    print("| set | arm | mean | folds | MAE | − plain ensemble | − forest | − from scratch (same) | NLL recal. | 1σ / 2σ |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, _ in SETS:
        if name == "steels":  # the same runs on the steels: round 7 of experiments/finetune-steels
            paths = [EXPERIMENTS / f"finetune-steels/round7/own-shared-seed{s}.json" for s in (0, 1, 2)]
        else:
            paths = [RESULTS / f"{name}-descgp-lr3e-3-wd1e-4-seed{s}.json" for s in (0, 1, 2)]
        f = load(paths)
        plain = load(ensemble_files(name, "1e-4"))
        if not f or len(plain) != len(f):
            continue
        for arm, label in (("fine-tuned", "fine-tuned"), ("from scratch", "from scratch")):
            key = "fine-tuned + descriptors" if arm == "fine-tuned" else "from scratch + descriptors"
            other = "from scratch + descriptors" if arm == "fine-tuned" else None
            ref = [x[f"{'fine-tuned from base' if arm == 'fine-tuned' else 'from scratch'}, deep ensemble"] for x in plain]
            for mean, suffix, calkey in (
                ("network", ", deep ensemble", ": ensemble, recalibrated on validation"),
                ("GP per member", ", deep ensemble, GP mean per member (own rows)",
                 ": ensemble, GP mean per member (own rows), recalibrated"),
            ):
                v = [x[key + suffix] for x in f]
                c = [x["calibration"][key + calkey] for x in f]
                vs = diff(v, [x[other + suffix] for x in f]) if other else ""
                cov = f"{100 * st.mean(x[1] for x in c):.0f} % / {100 * st.mean(x[2] for x in c):.0f} %"
                print(f"| {name} | {label} | {mean} | {len(v)} | {st.mean(v):.4g} ± {st.stdev(v):.2g} | {diff(v, ref)} "
                      f"| {diff(v, [x[RF] for x in f])} | {vs} | {st.mean(x[0] for x in c):.3g} | {cov} |")


if __name__ == "__main__":
    main()
    ensembles()
    rotated()
    gpmean()
    descgp()
