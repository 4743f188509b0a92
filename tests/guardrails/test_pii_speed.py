"""The PII engine's shortcuts change nothing it finds: NumPy matrix products, column-read tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts
from socle.guardrails._matmul_ops import MatmulOps
from socle.guardrails.pii import BUNDLED_PIPELINES, load_pipeline

DATA = Path(__file__).resolve().parents[2] / "eval/datasets/pii"


def _texts(count: int = 80) -> list[str]:
    synth = [r["full_text"] for r in json.loads((DATA / "presidio_synth_v2.json").read_text("utf-8"))]
    return synth[:count] + [" ".join(synth[i : i + 8]) for i in range(0, 8 * count // 4, 8)]


def _entities(nlp: spacy.language.Language, text: str) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]


def test_matmul_ops_find_the_same_entities_as_thinc_defaults() -> None:
    fast = load_pipeline("socle_pii_ner_en")
    stock = spacy.load(BUNDLED_PIPELINES["socle_pii_ner_en"], exclude=["tok2vec", "parser", "tagger"])
    assert all(isinstance(node.ops, MatmulOps) for node in fast.get_pipe("ner").model.walk())
    assert not any(isinstance(node.ops, MatmulOps) for node in stock.get_pipe("ner").model.walk())
    texts = _texts()
    assert [_entities(fast, t) for t in texts] == [_entities(stock, t) for t in texts]


def test_matmul_ops_gemm_matches_numpy_with_transposes() -> None:
    import numpy

    ops = MatmulOps()
    a = numpy.arange(6, dtype="f").reshape(2, 3)
    b = numpy.arange(12, dtype="f").reshape(4, 3)
    assert numpy.array_equal(ops.gemm(a, b, trans2=True), a @ b.T)
    out = numpy.empty((3, 3), dtype="f")
    assert ops.gemm(a, a, out=out, trans1=True) is out
    assert numpy.array_equal(out, a.T @ a)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_artifacts_read_by_column_equal_presidios_token_by_token(presidio_engine, language) -> None:
    nlp_engine = presidio_engine.load().nlp_engine
    texts = [*_texts(40), "", "Call: 06 12 34 56 78!", "Appelez-moi au 06 12 34 56 78, merci."]
    for text in texts:
        doc = nlp_engine.nlp[language](text)
        fast = nlp_engine._doc_to_nlp_artifact(doc, language)
        lemmas = [token.lower_ for token in doc]
        slow = NlpArtifacts(
            entities=list(doc.ents), tokens=doc, tokens_indices=[t.idx for t in doc],
            lemmas=lemmas, nlp_engine=nlp_engine, language=language,
        )  # fmt: skip
        assert fast.tokens == [t.text for t in doc]
        assert fast.tokens_indices == slow.tokens_indices
        assert fast.lemmas == slow.lemmas
        assert fast.keywords == set(slow.keywords)


def test_shallow_copy_enhancer_scores_as_presidios_and_leaves_the_input_alone(presidio_engine) -> None:
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from socle.guardrails._context_enhancer import ShallowCopyContextEnhancer

    analyzer = presidio_engine.load()
    assert isinstance(analyzer.context_aware_enhancer, ShallowCopyContextEnhancer)
    recognizers = analyzer.registry.get_recognizers(language="en", all_fields=True)
    stock = LemmaContextAwareEnhancer(context_prefix_count=5, context_suffix_count=2)
    fast = ShallowCopyContextEnhancer(context_prefix_count=5, context_suffix_count=2)
    boosted = 0
    for text in [*_texts(60), "Call my cell: 212 555 0199.", "IBAN FR76 3000 6000 0112 3456 7890 189"]:
        artifacts = analyzer.nlp_engine.process_text(text, "en")
        raw = [r for rec in recognizers for r in rec.analyze(text, rec.supported_entities, artifacts)]
        before = [(r.start, r.end, r.score, dict(r.recognition_metadata or {})) for r in raw]
        expected = stock.enhance_using_context(text, raw, artifacts, recognizers)
        got = fast.enhance_using_context(text, raw, artifacts, recognizers)
        assert [(r.start, r.end, r.entity_type, r.score) for r in got] == [
            (r.start, r.end, r.entity_type, r.score) for r in expected
        ]
        assert [(r.start, r.end, r.score, dict(r.recognition_metadata or {})) for r in raw] == before
        boosted += sum(g.score > r.score for g, r in zip(got, raw, strict=True))
    assert boosted > 0  # context words did raise scores, so the comparison means something


def test_the_parser_gets_socles_plain_c_blas_and_it_computes_what_numpy_does() -> None:
    import ctypes

    import numpy
    from socle.guardrails import _fastblas  # type: ignore[attr-defined]
    from socle.guardrails._matmul_ops import MatmulOps, fast_cblas

    assert fast_cblas() is not None, (
        "the _fastblas C extension was not built (pip install -e . needs a C compiler)"
    )
    assert MatmulOps().cblas() is fast_cblas()
    sgemm_address, saxpy_address = _fastblas.addresses()
    floats = ctypes.POINTER(ctypes.c_float)
    sgemm = ctypes.CFUNCTYPE(None, *[ctypes.c_int] * 5, ctypes.c_float, floats, ctypes.c_int, floats,
                             ctypes.c_int, ctypes.c_float, floats, ctypes.c_int)(sgemm_address)  # fmt: skip
    saxpy = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_float, floats, ctypes.c_int, floats, ctypes.c_int)(
        saxpy_address
    )
    rng = numpy.random.default_rng(0)
    ptr = lambda a: a.ctypes.data_as(floats)  # noqa: E731
    for trans_a, trans_b in [(False, False), (False, True), (True, False), (True, True)]:
        a = rng.standard_normal((4, 3) if trans_a else (3, 4)).astype("f")
        b = rng.standard_normal((5, 4) if trans_b else (4, 5)).astype("f")
        c = rng.standard_normal((3, 5)).astype("f")
        expected = 2.0 * ((a.T if trans_a else a) @ (b.T if trans_b else b)) + 0.5 * c
        sgemm(trans_a, trans_b, 3, 5, 4, 2.0, ptr(a), a.shape[1], ptr(b), b.shape[1], 0.5, ptr(c), 5)
        assert numpy.allclose(c, expected, atol=1e-5), (trans_a, trans_b)
    x, y = numpy.arange(6, dtype="f"), numpy.ones(6, dtype="f")
    saxpy(3, 2.0, ptr(x), 2, ptr(y), 2)  # strided: x[0], x[2], x[4] into y[0], y[2], y[4]
    assert y.tolist() == [1.0, 1.0, 5.0, 1.0, 9.0, 1.0]
