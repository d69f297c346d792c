package io.piadm.model.onnx;

import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ScoreModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX path end to end on a target with a known score: the exact-Gaussian graph in every
 * parameterisation, converted by OnnxScoreModel, must give DiagonalGaussian's analytic score up to
 * float32 rounding of x and of the network output.
 */
class GaussianOnnxGraphTest {
    @TempDir
    Path dir;

    static final double[] MEAN = {0.7, -1.2, 0.3};
    static final double[] STD = {0.5, 1.5, 0.2};

    /** Rows of x around the diffused mean, times log-spread over [1e-3, 10]. */
    static double[][] inputs(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * MEAN.length];
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = 1e-3 * Math.pow(1e4, r.nextDouble());
            double a = Math.exp(-t[i] / 2);
            for (int j = 0; j < MEAN.length; j++) {
                double sd = Math.sqrt(a * a * STD[j] * STD[j] + 1 - a * a);
                x[i * MEAN.length + j] = a * MEAN[j] + sd * 2 * (r.nextDouble() - 0.5) * 3;
            }
        }
        return new double[][] {x, t};
    }

    /**
     * Largest per-row error relative to the row's score norm. The bound: x enters as float32 (relative
     * rounding 6e-8 of |x|) and the output leaves as float32; for x0 the conversion divides the rounding
     * of alpha x0 by sigma^2, which at t = 1e-3 (sigma^2 = 1e-3) costs ~1e-4 relative.
     */
    static double maxRelativeError(ScoreModel m, double[] x, double[] t, int n) {
        int d = MEAN.length;
        double[] got = new double[n * d];
        double[] want = new double[n * d];
        m.score(x, t, n, got);
        new DiagonalGaussian(MEAN, STD).score(x, t, n, want);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double num = 0;
            double den = 0;
            for (int j = 0; j < d; j++) {
                double e = got[i * d + j] - want[i * d + j];
                num += e * e;
                den += want[i * d + j] * want[i * d + j];
            }
            worst = Math.max(worst, Math.sqrt(num / den));
        }
        return worst;
    }

    ScoreModel load(Parameterisation p, boolean rank1) {
        byte[] b = new GaussianOnnxGraph(MEAN, STD).param(p).timeRank1(rank1).toBytes();
        Path f = OnnxTestSupport.write(dir, "g-" + p.option() + "-" + rank1 + ".onnx", b);
        OnnxModelSpec spec = OnnxModelSpec.parse(f + ",param=" + p.option());
        assertEquals(3, spec.dim());
        return spec.build();
    }

    @Test
    void epsGraphMatchesAnalyticScore() {
        double[][] in = inputs(2000, 1);
        double err = maxRelativeError(load(Parameterisation.EPS, false), in[0], in[1], 2000);
        System.out.println("eps graph vs DiagonalGaussian: max relative error " + err);
        assertTrue(err < 1e-5, "relative error " + err);
    }

    @Test
    void rank1TimeInputGivesTheSameScores() {
        double[][] in = inputs(500, 2);
        double err = maxRelativeError(load(Parameterisation.EPS, true), in[0], in[1], 500);
        assertTrue(err < 1e-5, "relative error " + err);
    }

    @Test
    void scoreAndVGraphsMatchAnalyticScore() {
        double[][] in = inputs(2000, 3);
        for (Parameterisation p : new Parameterisation[] {Parameterisation.SCORE, Parameterisation.V}) {
            double err = maxRelativeError(load(p, false), in[0], in[1], 2000);
            System.out.println(p.option() + " graph vs DiagonalGaussian: max relative error " + err);
            assertTrue(err < 1e-5, p + ": relative error " + err);
        }
    }

    @Test
    void x0GraphMatchesWithinItsFloat32Conditioning() {
        double[][] in = inputs(2000, 4);
        double err = maxRelativeError(load(Parameterisation.X0, false), in[0], in[1], 2000);
        System.out.println("x0 graph vs DiagonalGaussian: max relative error " + err);
        assertTrue(err < 3e-4, "relative error " + err);
    }
}
