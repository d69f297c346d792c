package io.piadm.metrics;

import io.piadm.model.DiagonalGaussian;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SlicedWassersteinTest {
    @Test
    void oneDimensionalQuantileCoupling() {
        assertEquals(0.5, SlicedWasserstein.w2Squared1d(new double[] {0}, new double[] {0, 1}), 1e-15);
        // a: 0 on [0,1/2), 1 on [1/2,1); b: 0, 0.5, 1 on thirds -> (1/6)(1/4) + (1/6)(1/4)
        assertEquals(1.0 / 12, SlicedWasserstein.w2Squared1d(new double[] {0, 1}, new double[] {0, 0.5, 1}), 1e-15);
        assertEquals(1.0 / 12, SlicedWasserstein.w2Squared1d(new double[] {0, 0.5, 1}, new double[] {0, 1}), 1e-15);
        // equal counts: mean squared difference of the sorted samples
        assertEquals((1 + 4 + 0.25) / 3,
                SlicedWasserstein.w2Squared1d(new double[] {0, 1, 2}, new double[] {1, 3, 2.5}), 1e-15);
    }

    @Test
    void translateGivesDeltaTimesProjectedDirection() {
        int d = 4;
        int n = 500;
        int dirs = 300;
        double delta = 1.7;
        double[] x = new double[n * d];
        DiagonalGaussian.isotropic(d, 0, 1).sample(1, n, 0, x);
        double[] y = x.clone();
        for (int r = 0; r < n; r++) {
            y[r * d + 2] += delta; // e = e_2
        }
        double[] th = SlicedWasserstein.directions(d, dirs, 5);
        double mean2 = 0;
        for (int j = 0; j < dirs; j++) {
            mean2 += th[j * d + 2] * th[j * d + 2];
        }
        mean2 /= dirs;
        assertEquals(delta * Math.sqrt(mean2), SlicedWasserstein.sw2(x, n, y, n, d, dirs, 5), 1e-12);
        // and the directions are uniform on the sphere: E (theta . e)^2 = 1/d
        double[] many = SlicedWasserstein.directions(d, 8000, 6);
        double m = 0;
        for (int j = 0; j < 8000; j++) {
            m += many[j * d] * many[j * d];
        }
        assertEquals(1.0 / d, m / 8000, 0.04 / d);
    }

    @Test
    void independentDrawsOfAGaussianAndItsShift() {
        // SW2(N(0,I), N(delta e, I)) = delta / sqrt(d); unequal sample counts.
        int d = 4;
        double delta = 2;
        double[] x = new double[4000 * d];
        double[] y = new double[3000 * d];
        DiagonalGaussian.isotropic(d, 0, 1).sample(1, 4000, 0, x);
        DiagonalGaussian.isotropic(d, 0, 1).sample(2, 3000, 0, y);
        for (int r = 0; r < 3000; r++) {
            y[r * d] += delta;
        }
        double sw = SlicedWasserstein.sw2(x, 4000, y, 3000, d, 800, 3);
        assertEquals(delta / Math.sqrt(d), sw, 0.05);
        double same = SlicedWasserstein.sw2(x, 4000, y, 3000, d, 200, 3);
        double[] y0 = new double[3000 * d];
        DiagonalGaussian.isotropic(d, 0, 1).sample(2, 3000, 0, y0);
        double noise = SlicedWasserstein.sw2(x, 4000, y0, 3000, d, 200, 3);
        assertEquals(0.0, noise, 0.08);
        assertEquals(1.0, same, 0.1);
    }
}
