"""The encoders' weights stay int8 in memory and are widened per layer (a2g.ranking.embedder.Int8Matrix)."""

from __future__ import annotations

import numpy as np
import pytest
from a2g.ranking.embedder import Int8Matrix
from a2g.ranking.multilingual import _dequantise, _q4_matrix


def test_per_row_matrix_multiplies_like_its_float_original() -> None:
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((48, 32)).astype(np.float32)
    matrix = Int8Matrix.quantise(weights)
    x = rng.standard_normal((2, 5, 32)).astype(np.float32)
    bias = rng.standard_normal(48).astype(np.float32)
    got = matrix.apply(x, bias)
    assert got.shape == (2, 5, 48)
    np.testing.assert_allclose(got, x @ matrix.dequantised().T + bias, rtol=1e-5, atol=1e-5)
    # rounding to int8 moves each weight by at most half its row's step (scale / 2)
    bound = np.abs(x).sum(axis=-1, keepdims=True) * matrix.scale / 2
    assert np.all(np.abs(got - (x @ weights.T + bias)) <= bound + 1e-5)


def test_four_bit_blocks_become_int8_exactly() -> None:
    rng = np.random.default_rng(1)
    rows, width = 8, 64
    scales = rng.uniform(0.01, 0.2, (rows, width // 32)).astype(np.float16)
    nibbles = rng.integers(0, 256, (rows, width // 32, 16), dtype=np.uint8)
    blocks = np.concatenate([scales.view(np.uint8).reshape(rows, -1, 2), nibbles], axis=-1).reshape(rows, -1)
    matrix = _q4_matrix(blocks, width)
    assert matrix.values.dtype == np.int8 and matrix.values.min() >= -8 and matrix.values.max() <= 7
    np.testing.assert_array_equal(matrix.dequantised(), _dequantise(blocks, width))
    x = rng.standard_normal((3, width)).astype(np.float32)
    np.testing.assert_allclose(
        matrix.apply(x, np.zeros(rows, np.float32)), x @ _dequantise(blocks, width).T, rtol=1e-5, atol=1e-5
    )


def test_stacked_matrices_apply_side_by_side() -> None:
    rng = np.random.default_rng(2)
    parts = [Int8Matrix.quantise(rng.standard_normal((16, 8))) for _ in range(3)]
    stacked = Int8Matrix.stack(parts)
    x = rng.standard_normal((4, 8)).astype(np.float32)
    zero = np.zeros(16, np.float32)
    expected = np.concatenate([p.apply(x, zero) for p in parts], axis=-1)
    np.testing.assert_allclose(stacked.apply(x, np.zeros(48, np.float32)), expected, rtol=1e-6)


def test_a_scale_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError):
        Int8Matrix(np.zeros((4, 64), np.int8), np.ones(3, np.float32))
    with pytest.raises(ValueError):
        Int8Matrix(np.zeros((4, 64), np.float32), np.ones(4, np.float32))  # type: ignore[arg-type]
