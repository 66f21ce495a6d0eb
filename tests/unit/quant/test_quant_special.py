"""The normal CDF and bivariate normal CDF used by the kernels, against SciPy references."""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate
from scipy.special import ndtr
from scipy.stats import norm

from dorado_tui.quant._special import bivariate_cdf, bivariate_cdf_fixed, bvn_table, norm_cdf


def test_norm_cdf_has_relative_accuracy_in_both_tails() -> None:
    x = np.linspace(-12.0, 12.0, 4001)
    ours = np.array([norm_cdf(float(v)) for v in x])
    lower = x <= 0
    relative = np.abs(ours[lower] / ndtr(x[lower]) - 1.0)
    # 4e-15 near the centre; beyond, the rounding of x²/2 inside exp adds ~x²·ε (inherent).
    assert np.all(relative <= 4e-15 + 2.3e-16 * x[lower] ** 2)
    assert np.max(relative[x[lower] >= -3.0]) <= 4e-15
    assert np.max(np.abs(ours - ndtr(x))) <= 2e-15
    assert max(abs(norm_cdf(v) + norm_cdf(-v) - 1.0) for v in (0.1, 1.7, 5.0, 9.0)) <= 2.3e-16


def _bvn_reference(a: float, b: float, rho: float) -> float:
    def integrand(z: float) -> float:
        return float(norm.pdf(z) * ndtr((b - rho * z) / math.sqrt(1 - rho * rho)))

    return float(integrate.quad(integrand, -np.inf, a, epsabs=1e-15, epsrel=1e-13)[0])


def test_bivariate_cdf_matches_numerical_integration_across_correlations() -> None:
    rng = np.random.default_rng(0)
    worst = 0.0
    for rho in (-0.99, -0.9, -0.5, -0.1, 0.0, 0.2, 0.6, 0.8, 0.95, 0.999):
        for a, b in rng.normal(0, 2, (15, 2)):
            worst = max(worst, abs(bivariate_cdf(a, b, rho) - _bvn_reference(a, b, rho)))
    assert worst <= 1e-12


def test_fixed_correlation_tables_reproduce_the_general_routine() -> None:
    rho = math.sqrt((math.sqrt(5) - 1) / 2)
    for r in (rho, -rho):
        sn, inv, w, scale = bvn_table(r)
        for a, b in np.random.default_rng(1).normal(0, 2, (50, 2)):
            assert (
                abs(bivariate_cdf_fixed(a, b, sn, inv, w, scale) - bivariate_cdf(a, b, r)) <= 1e-15
            )


def test_vectorizable_exp_and_log_are_within_one_and_two_ulp_of_libm() -> None:
    import numba

    from dorado_tui.quant._vmath import vexp, vlog

    @numba.njit(error_model="numpy")
    def apply(x: np.ndarray, out_exp: np.ndarray, out_log: np.ndarray) -> None:
        for i in range(x.size):
            out_exp[i] = vexp(x[i])
            out_log[i] = vlog(abs(x[i]) + 1e-300)

    x = np.concatenate(
        [np.linspace(-708.0, 709.0, 100_001), np.random.default_rng(2).normal(0, 3, 10_000)]
    )
    e, lg = np.empty_like(x), np.empty_like(x)
    apply(x, e, lg)
    assert np.max(np.abs(e / np.exp(x) - 1.0)) <= 2.3e-16
    ref = np.log(np.abs(x) + 1e-300)
    assert np.all(np.abs(lg - ref) <= 2 * np.spacing(np.abs(ref)) + 1e-300)
    edge = np.array([-800.0, 800.0])
    e2, l2 = np.empty(2), np.empty(2)
    apply(edge, e2, l2)
    assert e2.tolist() == [0.0, math.inf]
