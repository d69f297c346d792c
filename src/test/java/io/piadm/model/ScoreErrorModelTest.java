package io.piadm.model;

import io.piadm.noise.CounterNoise;
import io.piadm.noise.NoiseStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoreErrorModelTest {
    private static double[] points(int n, int d, long seed) {
        double[] x = new double[n * d];
        CounterNoise noise = new CounterNoise(seed);
        for (int r = 0; r < n; r++) {
            noise.normals(NoiseStream.AUXILIARY, r, 200, 0, x, r * d, d);
        }
        return x;
    }

    @Test
    void perturbationIsEpsTimesABoundedFieldAndTargetIsUnchanged() {
        int d = 1000;
        int n = 40;
        GaussianMixture base = GaussianMixture.seeded(d, 3, 1, 0.5, 4);
        double eps = 0.3;
        ScoreErrorModel m = new ScoreErrorModel(base, eps, 7);
        assertSame(base, m.analyticTarget());
        double[] x = points(n, d, 1);
        double[] t = new double[n];
        for (int r = 0; r < n; r++) {
            t[r] = 0.01 + 0.1 * r;
        }
        double[] s = new double[n * d];
        double[] p = new double[n * d];
        base.score(x, t, n, s);
        m.build().score(x, t, n, p);
        double sq = 0;
        for (int i = 0; i < s.length; i++) {
            double e = p[i] - s[i];
            assertTrue(Math.abs(e) <= eps * (1 + 1e-12), "error " + e + " exceeds eps");
            sq += e * e;
        }
        // sin of an effectively random phase has mean square 1/2: E||s_theta - s||^2 = eps^2 d / 2.
        double meanSq = sq / n;
        assertEquals(eps * eps * d / 2, meanSq, 0.05 * eps * eps * d / 2);
    }

    @Test
    void fieldIsSmoothInXAndT() {
        int d = 50;
        ScoreErrorModel m = new ScoreErrorModel(DiagonalGaussian.isotropic(d, 0, 1), 1.0, 3);
        double[] x = points(1, d, 2);
        double[] u0 = new double[d];
        double[] u1 = new double[d];
        m.field(x, 0, 0.5, u0, 0);
        double h = 1e-6;
        double[] xh = x.clone();
        xh[3] += h;
        m.field(xh, 0, 0.5, u1, 0);
        // Only coordinate 3 and the coordinates whose partner is 3 may move, and by O(h).
        for (int i = 0; i < d; i++) {
            assertTrue(Math.abs(u1[i] - u0[i]) < 20 * h, "coordinate " + i + " jumped");
        }
        m.field(x, 0, 0.5 + h, u1, 0);
        for (int i = 0; i < d; i++) {
            assertTrue(Math.abs(u1[i] - u0[i]) < 20 * h, "coordinate " + i + " jumped in t");
        }
    }

    @Test
    void zeroEpsIsTheBaseScoreAndSeedsSelectTheField() {
        int d = 16;
        int n = 5;
        DiagonalGaussian g = DiagonalGaussian.isotropic(d, 0.5, 0.7);
        double[] x = points(n, d, 3);
        double[] t = {0.1, 0.2, 0.3, 0.4, 0.5};
        double[] s = new double[n * d];
        g.score(x, t, n, s);
        double[] z = new double[n * d];
        new ScoreErrorModel(g, 0.0, 1).build().score(x, t, n, z);
        assertArrayEquals(s, z, 0.0);
        double[] a = new double[n * d];
        double[] b = new double[n * d];
        double[] c = new double[n * d];
        new ScoreErrorModel(g, 0.1, 1).build().score(x, t, n, a);
        new ScoreErrorModel(g, 0.1, 1).build().score(x, t, n, b);
        new ScoreErrorModel(g, 0.1, 2).build().score(x, t, n, c);
        assertArrayEquals(a, b, 0.0);
        assertTrue(!Arrays.equals(a, c));
    }

    @Test
    void batchInvariantAndAliasSafe() {
        int d = 8;
        int n = 9;
        ScoreErrorModel spec = new ScoreErrorModel(GaussianMixtureTest.isoMixtureInDim(d), 0.2, 5);
        ScoreModel m = spec.build();
        double[] x = points(n, d, 4);
        double[] t = new double[n];
        for (int r = 0; r < n; r++) {
            t[r] = 0.05 * (r + 1);
        }
        double[] batch = new double[n * d];
        m.score(x, t, n, batch);
        for (int r = 0; r < n; r++) {
            double[] one = new double[n * d];
            m.score(x, t, r, 1, one);
            for (int i = 0; i < d; i++) {
                assertEquals(Double.doubleToLongBits(batch[r * d + i]), Double.doubleToLongBits(one[r * d + i]));
            }
        }
        double[] alias = x.clone();
        m.score(alias, t, 2, 5, alias);
        for (int r = 2; r < 7; r++) {
            for (int i = 0; i < d; i++) {
                assertEquals(batch[r * d + i], alias[r * d + i], 0.0);
            }
        }
    }

    @Test
    void describeAndIdAndSerialization() throws Exception {
        DiagonalGaussian g = DiagonalGaussian.isotropic(4, 0, 1);
        ScoreErrorModel m = new ScoreErrorModel(g, 0.25, 9);
        assertEquals(g.id() + ",score-error=0.25,error-seed=9", m.id());
        Map<String, Object> desc = m.describe();
        assertEquals("score-error", desc.get("type"));
        assertEquals(0.25, desc.get("eps"));
        assertEquals(9L, desc.get("error_seed"));
        assertEquals(g.describe().get("type"), ((Map<?, ?>) desc.get("base")).get("type"));
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
            oos.writeObject(m);
        }
        ModelSpec back;
        try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(bos.toByteArray()))) {
            back = (ModelSpec) ois.readObject();
        }
        double[] x = points(2, 4, 1);
        double[] t = {0.3, 0.6};
        double[] a = new double[8];
        double[] b = new double[8];
        m.build().score(x, t, 2, a);
        back.build().score(x, t, 2, b);
        assertArrayEquals(a, b, 0.0);
        assertThrows(IllegalArgumentException.class, () -> new ScoreErrorModel(g, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ScoreErrorModel(g, Double.NaN, 0));
    }

    @Test
    void unwrapLooksThroughTheWrapperAndWithInnerKeepsItOutermost() {
        ModelSpec spec = ModelSpecs.parse("gaussian:d=4,std=0.5,score-error=0.1");
        assertTrue(spec instanceof ScoreErrorModel, spec.getClass().getName());
        DiagonalGaussian inner = spec.unwrap(DiagonalGaussian.class);
        assertSame(((ScoreErrorModel) spec).base(), inner);
        assertSame(spec, spec.unwrap(ScoreErrorModel.class));
        assertEquals(null, spec.unwrap(GaussianMixture.class));
        ModelSpec other = ModelSpecs.parse("gaussian:d=4,std=2");
        ModelSpec swapped = spec.withInner(m -> other);
        ScoreErrorModel se = swapped.unwrap(ScoreErrorModel.class);
        assertSame(swapped, se, "the score-error wrapper stays outermost");
        assertSame(other, se.base());
        assertEquals(0.1, se.eps(), 0.0);
        assertEquals(((ScoreErrorModel) spec).errorSeed(), se.errorSeed());
    }
}
