package io.piadm.model;

import io.piadm.config.AsFlags;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecsTest {
    @Test
    void gaussianDefaultsAndOptions() {
        DiagonalGaussian g = assertInstanceOf(DiagonalGaussian.class, ModelSpecs.parse("gaussian:d=3"));
        assertEquals(3, g.dim());
        assertArrayEquals(new double[] {0, 0, 0}, g.mean(), 0.0);
        assertArrayEquals(new double[] {1, 1, 1}, g.std(), 0.0);
        DiagonalGaussian h = assertInstanceOf(DiagonalGaussian.class,
                ModelSpecs.parse(" gaussian : d=2 , std=0.5 , mean=-1.5e0 "));
        assertArrayEquals(new double[] {-1.5, -1.5}, h.mean(), 0.0);
        assertArrayEquals(new double[] {0.5, 0.5}, h.std(), 0.0);
    }

    @Test
    void gmmDefaultsAndOptions() {
        GaussianMixture m = assertInstanceOf(GaussianMixture.class, ModelSpecs.parse("gmm:d=2,k=8"));
        assertEquals("gmm:d=2,k=8,seed=0,std=0.5,radius=4.0", m.id());
        assertEquals(8, m.components());
        assertEquals(4.0, Math.hypot(m.mean(3)[0], m.mean(3)[1]), 1e-12);
        GaussianMixture n = assertInstanceOf(GaussianMixture.class,
                ModelSpecs.parse("gmm:d=16,k=4,seed=7,std=0.3,radius=2"));
        assertEquals("gmm:d=16,k=4,seed=7,std=0.3,radius=2.0", n.id());
        assertEquals(n.id(), GaussianMixture.seeded(16, 4, 7, 0.3, 2).id());
        assertArrayEquals(GaussianMixture.seeded(16, 4, 7, 0.3, 2).weights(), n.weights(), 0.0);
        // keys in any order give the same model
        assertEquals(n.id(), ModelSpecs.parse("gmm:radius=2,std=0.3,k=4,seed=7,d=16").id());
    }

    @Test
    void scoreErrorWrapsAnyModel() {
        ScoreErrorModel w = assertInstanceOf(ScoreErrorModel.class,
                ModelSpecs.parse("gaussian:d=4,score-error=0.1,error-seed=3"));
        assertEquals(0.1, w.eps(), 0.0);
        assertEquals(3L, w.errorSeed());
        assertInstanceOf(DiagonalGaussian.class, w.base());
        assertSame(w.base(), w.analyticTarget());
        ScoreErrorModel v = assertInstanceOf(ScoreErrorModel.class, ModelSpecs.parse("gmm:score-error=0.5,d=2,k=3"));
        assertEquals(0L, v.errorSeed());
        assertInstanceOf(GaussianMixture.class, v.analyticTarget());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "foo:d=1                     | --model: unknown model type 'foo'; allowed: gaussian, gmm, onnx",
        "''                          | --model: empty spec; expected TYPE:key=value,... with TYPE one of gaussian, gmm, onnx",
        "gaussian:d=0                | --model gaussian: d must be an integer in [1, 16777216], got 0",
        "gaussian:d=abc              | --model gaussian: d must be an integer in [1, 16777216], got 'abc'",
        "gaussian:d=2.5              | --model gaussian: d must be an integer in [1, 16777216], got '2.5'",
        "gaussian                    | --model gaussian: missing required key 'd' (an integer in [1, 16777216])",
        "gaussian:std=1              | --model gaussian: missing required key 'd' (an integer in [1, 16777216])",
        "gaussian:d=2,foo=1          | --model gaussian: unknown key 'foo'; allowed: d, std, mean, spectrum, rotation-seed, score-error, error-seed",
        "gaussian:d=2,std=-1         | --model gaussian: std must be a number in (0, 1000000.0], got -1",
        "gaussian:d=2,std=0          | --model gaussian: std must be a number in (0, 1000000.0], got 0",
        "gaussian:d=2,std=NaN        | --model gaussian: std must be a number in (0, 1000000.0], got 'NaN'",
        "gaussian:d=2,std=1d         | --model gaussian: std must be a number in (0, 1000000.0], got '1d'",
        "gaussian:d=2,mean=1e999     | --model gaussian: mean must be a number in [-1000000.0, 1000000.0], got 1e999",
        "gaussian:d=2,d=3            | --model gaussian: key 'd' given twice",
        "gaussian:d=2,               | --model gaussian: expected key=value, got ''",
        "gaussian:d                  | --model gaussian: expected key=value, got 'd'",
        "gmm:d=2                     | --model gmm: missing required key 'k' (an integer in [1, 65536])",
        "gmm:d=2,k=0                 | --model gmm: k must be an integer in [1, 65536], got 0",
        "gmm:d=4096,k=65536          | --model gmm: k*d must be <= 16777216, got k=65536, d=4096 (k*d=268435456)",
        "gmm:d=2,k=3,radius=-1       | --model gmm: radius must be a number in [0, 1000000.0], got -1",
        "gmm:d=2,k=3,seed=-1         | --model gmm: seed must be an integer in [0, 9223372036854775807], got '-1'",
        "gmm:d=2,k=3,stdev=1         | --model gmm: unknown key 'stdev'; allowed: d, k, seed, std, radius, score-error, error-seed",
        "gaussian:d=2,error-seed=3   | --model gaussian: error-seed needs score-error=<eps> (a finite number >= 0)",
        "gaussian:d=2,score-error=-1 | --model gaussian: score-error must be a number in [0, 1000000.0], got -1",
        "gaussian:d=2,score-error=x  | --model gaussian: score-error must be a number in [0, 1000000.0], got 'x'",
    })
    void rejectsWithOneClearMessage(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpecs.parse(spec));
        assertEquals(message, AsFlags.message(e));
    }

    @Test
    void nullSpecAndOnnxPrefix() {
        assertThrows(IllegalArgumentException.class, () -> ModelSpecs.parse(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpecs.parse("onnx:path=model.onnx"));
        assertTrue(AsFlags.message(e).startsWith("--model onnx:"), AsFlags.message(e));
        assertTrue(AsFlags.message(e).contains("no such model file; looked for ") && AsFlags.message(e).contains("path=model.onnx"), AsFlags.message(e));
        // the committed model, plain and under the score-error wrapper
        ModelSpec onnx = ModelSpecs.parse("onnx:models/two-moons.onnx,param=eps");
        assertTrue(onnx instanceof io.piadm.model.onnx.OnnxModelSpec, onnx.getClass().getName());
        assertEquals(2, onnx.dim());
        assertEquals(2, ModelSpecs.parse("onnx:models/two-moons.onnx,score-error=0.1").dim());
    }
}
