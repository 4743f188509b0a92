"""`MatmulOps`: thinc's CPU ops with matrix products from NumPy's BLAS instead of BLIS.

spaCy's NER spends most of its neural time in `Ops.gemm`: thinc computes it with BLIS, which on the
development machine's CPU runs a (209 x 288) . (288 x 288) product, the shape of a 1 KB message in
the tok2vec layers, at 33 GFLOP/s, where NumPy's OpenBLAS reaches 90. Swapping the ops of a loaded
pipeline's layers cuts the NER's time on 1 KB by about a fifth (docs/guardrails.md) and finds the
same entities (`tests/guardrails/test_pii_speed.py`). The transition loop of the parser keeps its
own BLIS calls, in C.
"""

from __future__ import annotations

import numpy
import numpy.typing as npt
from spacy.language import Language
from thinc.api import NumpyOps

Matrix = npt.NDArray[numpy.float32]


class MatmulOps(NumpyOps):  # type: ignore[misc]  # thinc's NumpyOps is a Cython class, untyped here
    """`NumpyOps` whose `gemm` is `numpy.matmul`."""

    name = "numpy"

    def gemm(
        self,
        x: Matrix,
        y: Matrix,
        out: Matrix | None = None,
        trans1: bool = False,
        trans2: bool = False,
    ) -> Matrix:
        a = x.T if trans1 else x
        b = y.T if trans2 else y
        if out is None:
            product: Matrix = numpy.matmul(a, b)
            return product
        numpy.matmul(a, b, out=out)
        return out


def use_matmul_ops(nlp: Language) -> Language:
    """Give every layer of `nlp`'s components `MatmulOps` (inference only); returns `nlp`."""
    ops = MatmulOps()
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None:
            for node in model.walk():
                node.ops = ops
    return nlp
