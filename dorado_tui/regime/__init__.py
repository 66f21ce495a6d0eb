"""Regime radar: macro HMM, correlation PCA, FX and crypto models; fit, predict, publish."""
