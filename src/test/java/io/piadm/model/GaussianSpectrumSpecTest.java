package io.piadm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.piadm.config.AsFlags;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code gaussian:d=D,spectrum=LO:HI[,rotation-seed=N][,mean=M]} grammar (issue 9 item 4). */
class GaussianSpectrumSpecTest {
    @Test
    void parsesWithDefaultsAndRoundTripsItsId() {
        FullGaussian g = assertInstanceOf(FullGaussian.class, ModelSpecs.parse("gaussian:d=8,spectrum=0.01:1"));
        assertEquals(8, g.dim());
        assertEquals(0.01, g.spectrumLo(), 0.0);
        assertEquals(1.0, g.spectrumHi(), 0.0);
        assertEquals(0L, g.rotationSeed());
        assertEquals(0.0, g.meanValue(), 0.0);
        assertEquals("gaussian:d=8,spectrum=0.01:1.0,rotation-seed=0,mean=0.0", g.id());
        FullGaussian h = assertInstanceOf(FullGaussian.class,
                ModelSpecs.parse(" gaussian : mean=-2 , rotation-seed=17, spectrum = 1e-3 : 2.5 , d=64 "));
        assertEquals("gaussian:d=64,spectrum=0.001:2.5,rotation-seed=17,mean=-2.0", h.id());
        FullGaussian back = assertInstanceOf(FullGaussian.class, ModelSpecs.parse(h.id()));
        assertEquals(h.id(), back.id());
        assertArrayEquals(h.rotation(), back.rotation(), 0.0);
        // LO = HI is allowed (a rotated isotropic Gaussian); d = 1 takes LO.
        assertArrayEquals(new double[] {0.5}, ((FullGaussian) ModelSpecs.parse("gaussian:d=1,spectrum=0.5:0.5"))
                .eigenvalues(), 0.0);
        // The isotropic form is unchanged.
        DiagonalGaussian iso = assertInstanceOf(DiagonalGaussian.class, ModelSpecs.parse("gaussian:d=3,std=0.5"));
        assertEquals("gaussian:d=3,std=0.5,mean=0.0", iso.id());
        // The score-error wrapper applies, and metrics still see the exact target.
        ScoreErrorModel w = assertInstanceOf(ScoreErrorModel.class,
                ModelSpecs.parse("gaussian:d=4,spectrum=0.1:1,score-error=0.1"));
        assertInstanceOf(FullGaussian.class, w.analyticTarget());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "gaussian:d=4,spectrum=0.1:1,std=2 | --model gaussian: std and spectrum exclude each other (std=S: isotropic N(M 1, S^2 I); spectrum=LO:HI: full covariance with eigenvalues log-spaced from LO to HI)",
        "gaussian:d=4,rotation-seed=3      | --model gaussian: rotation-seed needs spectrum=LO:HI (an isotropic Gaussian has no rotation)",
        "gaussian:d=4097,spectrum=0.1:1    | --model gaussian: d must be an integer in [1, 4096] with spectrum (the d x d covariance and rotation take 8 d^2 bytes each), got 4097",
        "gaussian:d=4,spectrum=1           | --model gaussian: spectrum must be LO:HI, two numbers with 0 < LO <= HI <= 1.0E12 (eigenvalues of the covariance), got '1'",
        "gaussian:d=4,spectrum=1:2:3       | --model gaussian: spectrum must be LO:HI, two numbers with 0 < LO <= HI <= 1.0E12 (eigenvalues of the covariance), got '1:2:3'",
        "gaussian:d=4,spectrum=0:1         | --model gaussian: spectrum must be LO:HI, two numbers with 0 < LO <= HI <= 1.0E12 (eigenvalues of the covariance), got 0:1",
        "gaussian:d=4,spectrum=2:1         | --model gaussian: spectrum must be LO:HI, two numbers with 0 < LO <= HI <= 1.0E12 (eigenvalues of the covariance), got 2:1",
        "gaussian:d=4,spectrum=-1:1        | --model gaussian: spectrum must be LO:HI, two numbers with 0 < LO <= HI <= 1.0E12 (eigenvalues of the covariance), got -1:1",
        "gaussian:d=4,spectrum=a:1         | --model gaussian: spectrum must be LO:HI, two numbers with 0 < LO <= HI <= 1.0E12 (eigenvalues of the covariance), got 'a'",
        "gaussian:d=4,spectrum=1:Infinity  | --model gaussian: spectrum must be LO:HI, two numbers with 0 < LO <= HI <= 1.0E12 (eigenvalues of the covariance), got 'Infinity'",
        "gaussian:d=4,spectrum=1:1e999     | --model gaussian: spectrum must be LO:HI, two numbers with 0 < LO <= HI <= 1.0E12 (eigenvalues of the covariance), got 1:1e999",
        "gaussian:d=4,spectrum=0.1:1,rotation-seed=-2 | --model gaussian: rotation-seed must be an integer in [0, 9223372036854775807], got '-2'",
        "gaussian:d=4,spectrum=0.1:1,mean=x | --model gaussian: mean must be a number in [-1000000.0, 1000000.0], got 'x'",
    })
    void rejectsWithOneClearMessage(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpecs.parse(spec));
        assertEquals(message, AsFlags.message(e));
    }
}
