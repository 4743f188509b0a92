/* sgemm and saxpy with thinc's CBlas signatures (thinc/backends/cblas.pxd), as plain loops.
 *
 * spaCy's NER calls them once per transition with tiny operands (a 64-wide hidden layer, 78
 * actions): BLIS's per-call overhead, and its generic kernels on CPUs it does not know, cost
 * more than the arithmetic. `socle.guardrails._matmul_ops` installs these two in the CBlas it
 * hands to the parser. The module exports only their addresses.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static void socle_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A,
                        int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            float acc = 0.f;
            if (!transA && transB) {
                const float *a = A + (long)i * lda, *b = B + (long)j * ldb;
                for (int k = 0; k < K; k++) acc += a[k] * b[k];
            } else {
                for (int k = 0; k < K; k++) {
                    float av = transA ? A[(long)k * lda + i] : A[(long)i * lda + k];
                    float bv = transB ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
                    acc += av * bv;
                }
            }
            float *c = C + (long)i * ldc + j;
            *c = alpha * acc + (beta == 0.f ? 0.f : beta * *c);
        }
    }
}

static void socle_saxpy(int N, float alpha, const float *X, int incX, float *Y, int incY) {
    for (int i = 0; i < N; i++) Y[(long)i * incY] += alpha * X[(long)i * incX];
}

static PyObject *addresses(PyObject *self, PyObject *unused) {
    return Py_BuildValue("(NN)", PyLong_FromVoidPtr((void *)socle_sgemm),
                         PyLong_FromVoidPtr((void *)socle_saxpy));
}

static PyMethodDef methods[] = {
    {"addresses", addresses, METH_NOARGS, "(sgemm, saxpy) function addresses, as ints."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastblas", NULL, -1, methods};

PyMODINIT_FUNC PyInit__fastblas(void) { return PyModule_Create(&module); }
