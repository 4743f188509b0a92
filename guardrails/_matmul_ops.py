"""`MatmulOps`: thinc's CPU ops with matrix products from NumPy's BLAS instead of BLIS.

spaCy's NER spends most of its neural time in `Ops.gemm`: thinc computes it with BLIS, which on the
development machine's CPU runs a (209 x 288) . (288 x 288) product, the shape of a 1 KB message in
the tok2vec layers, at 33 GFLOP/s, where NumPy's OpenBLAS reaches 90. Swapping the ops of a loaded
pipeline's layers cuts the NER's time on 1 KB by about a fifth (docs/guardrails.md) and finds the
same entities (`tests/guardrails/test_pii_speed.py`).

The parser's transition loop, in C, calls `sgemm` and `saxpy` through the `CBlas` that `cblas()`
returns, once per token with tiny operands, where BLIS's per-call cost dominates. When Socle's C
extension `_fastblas` was built (it is optional), `cblas()` hands over a `CBlas` whose two
pointers are its plain loops, set through thinc's own `set_sgemm`/`set_saxpy` (reached by their
Cython capsules); otherwise thinc's BLIS stays.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache

import numpy
import numpy.typing as npt
from spacy.language import Language
from thinc.api import NumpyOps
from thinc.backends import cblas as thinc_cblas
from threadpoolctl import threadpool_limits

Matrix = npt.NDArray[numpy.float32]


class MatmulOps(NumpyOps):  # type: ignore[misc]  # thinc's NumpyOps is a Cython class, untyped here
    """`NumpyOps` whose `gemm` is `numpy.matmul`."""

    name = "numpy"
    use_fast_cblas = True
    """Hand the parser Socle's `sgemm`/`saxpy` when built (`_speedups.Speedups.fast_cblas`)."""

    def cblas(self) -> thinc_cblas.CBlas:
        """The `CBlas` of the parser's C loop: Socle's plain loops if built and allowed, else thinc's BLIS."""
        return (fast_cblas() if self.use_fast_cblas else None) or super().cblas()

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


def use_matmul_ops(nlp: Language, *, fast: bool = True) -> Language:
    """Give every layer of `nlp`'s components `MatmulOps` (inference only); returns `nlp`.

    `fast`: the parser's C loop may use Socle's `sgemm`/`saxpy` (`fast_cblas`). Also puts NumPy's
    BLAS on one thread (`one_blas_thread`).
    """
    one_blas_thread()
    ops = MatmulOps()
    ops.use_fast_cblas = fast
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None:
            for node in model.walk():
                node.ops = ops
    return nlp


@cache
def one_blas_thread() -> None:
    """Run NumPy's BLAS (OpenBLAS) on one thread, for the whole process, once.

    The NER's products are small (a few hundred rows): a second BLAS thread saves little on an
    idle machine, and on a busy one (a server's cores are taken by the other requests) its
    threads wait on each other: measured on the 2-core machine under load, one (640 x 288) .
    (288 x 288) product took 34-60 ms on two threads and about 1 ms on one, and a chat of 300
    short messages went from 21 to 4.6 ms per message (docs/benchmarks.md). Requests run in
    parallel already; each product needs no more than one core.
    """
    threadpool_limits(limits=1, user_api="blas")


@cache
def fast_cblas() -> thinc_cblas.CBlas | None:
    """A `CBlas` with `_fastblas`'s sgemm and saxpy; None when the extension was not built."""
    try:
        from socle.guardrails import _fastblas  # type: ignore[attr-defined]  # a C extension, untyped
    except ImportError:
        return None
    sgemm, saxpy = _fastblas.addresses()
    blas = thinc_cblas.CBlas()
    _setter("set_sgemm")(blas, sgemm)
    _setter("set_saxpy")(blas, saxpy)
    return blas


def _setter(name: str) -> Callable[[thinc_cblas.CBlas, int], None]:
    """Thinc's `cdef void set_X(CBlas, X_ptr) nogil`, callable from Python, from its capsule."""
    capsule = thinc_cblas.__pyx_capi__[name]
    ctypes.pythonapi.PyCapsule_GetName.restype = ctypes.c_char_p
    ctypes.pythonapi.PyCapsule_GetName.argtypes = [ctypes.py_object]
    ctypes.pythonapi.PyCapsule_GetPointer.restype = ctypes.c_void_p
    ctypes.pythonapi.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    address = ctypes.pythonapi.PyCapsule_GetPointer(capsule, ctypes.pythonapi.PyCapsule_GetName(capsule))
    setter: Callable[[thinc_cblas.CBlas, int], None] = ctypes.CFUNCTYPE(
        None, ctypes.py_object, ctypes.c_void_p
    )(address)
    return setter
