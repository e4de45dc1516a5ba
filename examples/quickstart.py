"""Train, track, version and register a model, then print where it came from.

Runs on the embedded defaults (a SQLite file and a local folder under ./.tendml):

    python examples/quickstart.py
"""

from __future__ import annotations

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tendml

MODEL = "breast-cancer"


def main() -> None:
    try:
        model_info = tendml.get_model(MODEL)
    except tendml.NotFound:
        model_info = tendml.create_model(
            MODEL,
            task="binary",
            team="diagnostics",
            description="Flags fine-needle aspirates that look malignant for a second reading.",
            objective="Catch malignant cases early without flooding pathologists with false alarms",
            success_criteria=["roc_auc >= 0.95", "accuracy >= 0.90"],
        )
    frame = load_breast_cancer(as_frame=True).frame
    train, holdout = train_test_split(frame, test_size=0.25, random_state=0, stratify=frame["target"])
    features = [c for c in frame.columns if c != "target"]

    with tendml.start_run(experiment="quickstart") as run:
        tendml.log_dataset(train, "breast-cancer-train")
        tendml.log_dataset(holdout, "breast-cancer-holdout", role="holdout")
        params = {"C": 0.5, "max_iter": 5000}
        tendml.log_params(params)
        model = make_pipeline(StandardScaler(), LogisticRegression(**params))
        model.fit(train[features], train["target"])
        proba = model.predict_proba(holdout[features])[:, 1]
        metrics = {
            "roc_auc": roc_auc_score(holdout["target"], proba),
            "accuracy": accuracy_score(holdout["target"], proba >= 0.5),
            "log_loss": log_loss(holdout["target"], proba),
        }
        tendml.log_metrics(metrics)
        version = tendml.log_model(model, MODEL, input_example=train[features].head())

    met = all(c.is_met(metrics[c.metric]) for c in model_info.success_criteria)
    if met:
        tendml.set_alias(MODEL, "champion", version.version, reason="meets every success criterion")
    champion = tendml.load_model(f"models:/{MODEL}@champion") if met else tendml.load_model(version)
    print(f"run {run.id}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    print(
        f"registered {MODEL} version {version.version}" + (" as champion" if met else " (criteria not met)")
    )
    print(f"champion predicts {champion.predict(holdout[features].head(3)).tolist()} for 3 holdout rows")

    lineage = tendml.lineage(MODEL, version.version)
    print(f"\nlineage of models:/{MODEL}/{version.version}")
    needs = len(version.requirements)
    print(f"  package  sha256:{version.digest[:16]}… ({version.flavor}, {needs} requirements)")
    if lineage.run is not None:
        env = lineage.run.environment
        print(f"  run      {lineage.run.id} in experiment {lineage.run.experiment!r} by {lineage.run.user}")
        print(
            f"  code     commit {env.git_commit or 'none (not a git checkout)'}"
            + (" with uncommitted changes" if env.git_dirty else "")
        )
    for dataset in lineage.datasets:
        print(f"  data     {dataset.ref}: {dataset.rows} rows, content sha256:{dataset.content_hash[:16]}…")
    print(
        "\nexplore it with: tendml models show breast-cancer · tendml lineage breast-cancer "
        f"{version.version} · tendml runs ls"
    )


if __name__ == "__main__":
    main()
