"""Macro regime model: StandardScaler → PCA → GaussianHMM, best of several restarts, named states.

Fitting uses hmmlearn's EM (smoothed posteriors are fine *inside* the training window). Prediction
never uses them: `FittedMacro.filter` runs the forward algorithm, so the probability for day t
depends on observations up to t only. hmmlearn has no public filtering call (its
`predict_proba` is the forward-backward smoother, which looks ahead), hence the small forward
recursion and Gaussian log-density below; the test suite checks it against hmmlearn's smoother
at the last observation of every prefix, where filter and smoother must agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular

from dorado_tui.domain.regime import MACRO_REGIMES
from dorado_tui.regime.labels import LabelRules, name_states, state_profiles

#: what separates regimes: implied and realised vol, term structure, trend, credit, the curve,
#: and the direction vol and credit are moving in (recoveries vs the run-up to a crisis)
DEFAULT_HMM_FEATURES = (
    "vix", "vix_term", "spy_rv", "spy_trend", "credit_spread", "curve_2s10s", "vix_roc21",
    "credit_spread_roc21",
)
#: strictly positive levels modelled in logs (closer to Gaussian emissions)
LOG_FEATURES = ("vix", "spy_rv", "credit_spread")


@dataclass(frozen=True)
class MacroConfig:
    """Hyper-parameters of the macro model (`n_states` 4–6)."""

    n_states: int = 6
    features: tuple[str, ...] = DEFAULT_HMM_FEATURES
    max_components: int = 8
    pca_variance: float = 0.95
    n_restarts: int = 4
    n_iter: int = 100
    screen_iter: int = 10
    tol: float = 1e-2
    #: Dirichlet pseudo-counts on staying in a state: regimes last weeks, not days
    persistence_prior: float = 50.0
    seed: int = 0
    rules: LabelRules = field(default_factory=LabelRules)

    def __post_init__(self) -> None:
        if not 4 <= self.n_states <= 6:
            raise ValueError(f"macro model n_states must be 4–6, got {self.n_states}")
        if self.n_restarts < 1:
            raise ValueError("macro model needs at least one restart")


@dataclass(frozen=True)
class FittedMacro:
    """Everything needed to predict: preprocessing, HMM parameters and state names (arrays only)."""

    feature_names: tuple[str, ...]
    log_features: tuple[str, ...]
    scaler_mean: np.ndarray
    scaler_scale: np.ndarray
    pca_mean: np.ndarray
    pca_components: np.ndarray
    startprob: np.ndarray
    transmat: np.ndarray
    means: np.ndarray
    covars: np.ndarray
    state_labels: tuple[str, ...]
    state_profiles: tuple[dict[str, float], ...]
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    n_train: int
    log_likelihood: float
    #: log-likelihood of each restart after its screening iterations (the best was then run to
    #: convergence, reaching `log_likelihood`)
    restart_scores: tuple[float, ...]

    @property
    def n_states(self) -> int:
        return len(self.startprob)

    @property
    def labels(self) -> tuple[str, ...]:
        """The distinct regime names this model can output, in canonical order."""
        return tuple(r for r in MACRO_REGIMES if r in self.state_labels)

    def inputs(self, features: pd.DataFrame) -> np.ndarray:
        """The model's input columns as an array (log-transformed where the model logs them)."""
        return model_inputs(features, self.feature_names, self.log_features)

    def project(self, x: np.ndarray) -> np.ndarray:
        """Input array (from `inputs`) → PCA space."""
        return ((x - self.scaler_mean) / self.scaler_scale - self.pca_mean) @ self.pca_components.T

    def reduce(self, features: pd.DataFrame) -> np.ndarray:
        """Model inputs → PCA space, one row per day (NaN rows stay NaN)."""
        return self.project(self.inputs(features))

    @cached_property
    def _whitening(self) -> tuple[np.ndarray, np.ndarray]:
        """Inverse Cholesky factors and log-normalisers of every state (computed once)."""
        chol = np.linalg.cholesky(self.covars)
        inv = np.linalg.inv(chol)
        d = self.means.shape[1]
        norm = -np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1) - 0.5 * d * math.log(2 * math.pi)
        return inv, norm

    def loglik(self, reduced: np.ndarray) -> np.ndarray:
        """log N(y_t; mean_k, cov_k) per row and state, from the cached whitening."""
        inv, norm = self._whitening
        diff = reduced[:, None, :] - self.means[None, :, :]
        white = np.einsum("kij,tkj->tki", inv, diff)
        return -0.5 * (white**2).sum(axis=2) + norm

    def filter(self, features: pd.DataFrame) -> pd.DataFrame:
        """Filtered state probabilities P(state_t | x_1..x_t) for every day of `features`."""
        probs = forward_filter(self.loglik(self.reduce(features)), self.startprob, self.transmat)
        return pd.DataFrame(probs, index=features.index)

    def to_labels(self, state_probs: pd.DataFrame | np.ndarray) -> pd.DataFrame | np.ndarray:
        """Sum state probabilities into regime-name probabilities (columns = `labels`)."""
        matrix = np.array([[1.0 if s == lab else 0.0 for lab in self.labels] for s in self.state_labels])
        if isinstance(state_probs, pd.DataFrame):
            return pd.DataFrame(state_probs.to_numpy() @ matrix, index=state_probs.index,
                                columns=list(self.labels))
        return np.asarray(state_probs) @ matrix


def model_inputs(features: pd.DataFrame, names: tuple[str, ...], logs: tuple[str, ...]) -> np.ndarray:
    missing = [n for n in names if n not in features.columns]
    if missing:
        raise KeyError(f"macro model features missing from the data: {', '.join(missing)}")
    x = features.loc[:, list(names)].to_numpy(dtype=float, copy=True)
    for j, name in enumerate(names):
        if name in logs:
            with np.errstate(divide="ignore", invalid="ignore"):
                x[:, j] = np.log(np.where(x[:, j] > 0, x[:, j], np.nan))
    return x


def gaussian_loglik(y: np.ndarray, means: np.ndarray, covars: np.ndarray) -> np.ndarray:
    """log N(y_t; mean_k, cov_k) for every row t and state k (NaN rows give NaN); the reference
    form of `FittedMacro.loglik`."""
    n, d = y.shape
    out = np.empty((n, len(means)))
    for k, (mu, cov) in enumerate(zip(means, covars, strict=True)):
        chol = np.linalg.cholesky(cov)
        sol = solve_triangular(chol, (y - mu).T, lower=True, check_finite=False)
        out[:, k] = -0.5 * (sol**2).sum(axis=0) - np.log(np.diag(chol)).sum() - 0.5 * d * math.log(2 * math.pi)
    return out


def forward_filter(loglik: np.ndarray, startprob: np.ndarray, transmat: np.ndarray,
                   prior: np.ndarray | None = None) -> np.ndarray:
    """Normalised forward recursion. A day without observation (NaN) carries the prediction.

    `prior` is the one-step-ahead state distribution for the first row (default `startprob`).
    """
    out = np.empty_like(loglik)
    pred = startprob if prior is None else prior
    for t in range(len(loglik)):
        row = loglik[t]
        if np.isfinite(row).all():
            likelihood = np.exp(row - row.max())
            w = pred * likelihood
            total = w.sum()
            # a day impossible under every reachable state: restart from a uniform prior
            post = w / total if total > 0 else likelihood / likelihood.sum()
        else:
            post = pred
        out[t] = post
        pred = post @ transmat
    return out


def training_matrix(features: pd.DataFrame, config: MacroConfig) -> pd.DataFrame:
    """The rows usable for training: every model input present (and log inputs positive)."""
    x = model_inputs(features, config.features, LOG_FEATURES)
    ok = np.isfinite(x).all(axis=1)
    return features.loc[ok]


def fit_macro(features: pd.DataFrame, config: MacroConfig = MacroConfig()) -> FittedMacro:
    """Fit on every complete row of `features` (the caller cuts the training window)."""
    from hmmlearn.hmm import GaussianHMM
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    rows = training_matrix(features, config)
    min_rows = 20 * config.n_states
    if len(rows) < min_rows:
        raise ValueError(f"macro model needs ≥ {min_rows} complete days to train, got {len(rows)}")
    logs = tuple(f for f in config.features if f in LOG_FEATURES)
    x = model_inputs(rows, config.features, logs)
    scaler = StandardScaler().fit(x)
    scaled = scaler.transform(x)
    pca = PCA(n_components=min(config.max_components, len(config.features)), svd_solver="full").fit(scaled)
    keep = int(np.searchsorted(np.cumsum(pca.explained_variance_ratio_), config.pca_variance) + 1)
    keep = min(keep, pca.n_components_)
    components = pca.components_[:keep]
    y = (scaled - pca.mean_) @ components.T
    best, scores = _best_hmm(GaussianHMM, y, config)
    with threadpool_limits(limits=1):
        posteriors = best.predict_proba(y)
        final_score = float(best.score(y))
    profiles = state_profiles(rows, posteriors)
    return FittedMacro(
        feature_names=tuple(config.features), log_features=logs,
        scaler_mean=scaler.mean_.copy(), scaler_scale=scaler.scale_.copy(),
        pca_mean=pca.mean_.copy(), pca_components=components.copy(),
        startprob=best.startprob_.copy(), transmat=best.transmat_.copy(),
        means=best.means_.copy(), covars=np.asarray(best.covars_).copy(),
        state_labels=tuple(name_states(profiles, config.rules)),
        state_profiles=tuple(profiles),
        train_start=pd.Timestamp(rows.index[0]), train_end=pd.Timestamp(rows.index[-1]),
        n_train=len(rows), log_likelihood=final_score, restart_scores=tuple(scores),
    )


def _start_model(cls: type, y: np.ndarray, config: MacroConfig, seed: int, n_iter: int) -> Any:
    """A GaussianHMM started from one k-means clustering (one k-means run, not hmmlearn's ten)."""
    from sklearn.cluster import KMeans

    k = config.n_states
    clusters = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(y)
    model = cls(n_components=k, covariance_type="full", n_iter=n_iter, tol=config.tol,
                random_state=seed, implementation="scaling", init_params="", min_covar=1e-4,
                transmat_prior=np.ones((k, k)) + np.eye(k) * config.persistence_prior)
    model.startprob_ = np.full(k, 1.0 / k)
    model.transmat_ = np.full((k, k), 0.05 / (k - 1)) + np.eye(k) * (0.95 - 0.05 / (k - 1))
    model.means_ = clusters.cluster_centers_
    covs = []
    for j in range(k):
        members = y[clusters.labels_ == j]
        cov = np.cov(members.T) if len(members) > y.shape[1] else np.cov(y.T)
        covs.append(cov + np.eye(y.shape[1]) * 1e-3)
    model.covars_ = np.array(covs)
    return model


def _best_hmm(cls: type, y: np.ndarray, config: MacroConfig) -> tuple[Any, list[float]]:
    """Several short EM runs from different k-means starts; the best is run to convergence.

    Screening every start for `screen_iter` iterations and finishing only the most likely one
    gives the same winner as full runs in practice at a fraction of the cost (the fit budget is
    3 s for 25 years).
    """
    from threadpoolctl import threadpool_limits

    best, best_score, scores = None, -np.inf, []
    # one thread: BLAS/OpenMP threads on small matrices only fight other processes for cores
    with threadpool_limits(limits=1):
        for i in range(config.n_restarts):
            try:
                model = _start_model(cls, y, config, config.seed + i, config.screen_iter)
                model.fit(y)
                score = float(model.monitor_.history[-1])
            except (ValueError, np.linalg.LinAlgError):
                # a degenerate start (empty state, singular covariance) is a lost restart
                score = -np.inf
            scores.append(score)
            if score > best_score:
                best, best_score = model, score
        if best is None:
            raise ValueError("macro model: every HMM restart failed (degenerate data?)")
        best.n_iter = config.n_iter
        best.fit(y)
    return best, scores
