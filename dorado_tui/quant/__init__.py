"""Pure numeric kernels on numpy arrays: pricing, Greeks, IV, indicators, structure, VaR, stress."""
