package io.piadm.sampler;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run's metrics subsample: its size bound, and Floyd's uniform k-subset drawn from a counter hash. */
class SubsampleTest {
    @Test
    void sizeIsBoundedByRowsAndValuesButKeepsMoreRowsThanD() {
        assertEquals(10, Subsample.size(10, 2), "all samples when there are few");
        assertEquals(100_000, Subsample.size(2_000_000, 64), "10^5 rows at d = 64 (6.4e6 values <= 2^23)");
        assertEquals(8192, Subsample.size(2_000_000, 1024), "2^23 values / 1024");
        assertEquals(4097, Subsample.size(2_000_000, 4096), "d + 1 rows, for the full-covariance KL");
        assertEquals(100_000, Subsample.size(1L << 32, 1));
    }

    @Test
    void idsAreADistinctSortedSubsetOfTheRangeThatDependsOnlyOnSeedAndRange() {
        long first = 1L << 31;
        long[] a = Subsample.ids(7, first, 1_000_000, 1000);
        assertEquals(1000, a.length);
        for (int i = 0; i < a.length; i++) {
            assertTrue(a[i] >= first && a[i] < first + 1_000_000);
            assertTrue(i == 0 || a[i] > a[i - 1], "ascending and distinct");
        }
        assertArrayEquals(a, Subsample.ids(7, first, 1_000_000, 1000), "a pure function");
        assertFalse(Arrays.equals(a, Subsample.ids(8, first, 1_000_000, 1000)), "the seed matters");
        long[] all = Subsample.ids(7, 5, 4, 10);
        assertArrayEquals(new long[] {5, 6, 7, 8}, all);
    }

    @Test
    void everyKSubsetIsEquallyLikely() {
        // Floyd's algorithm draws a uniform k-subset: for N = 5, k = 2 each of the C(5,2) = 10 subsets has
        // probability 1/10. Chi-square over 20000 seeds, 9 degrees of freedom: 27.88 is the 0.001 quantile.
        int seeds = 20_000;
        Map<String, Integer> counts = new HashMap<>();
        int[] inclusion = new int[5];
        for (int s = 0; s < seeds; s++) {
            long[] ids = Subsample.ids(s, 0, 5, 2);
            counts.merge(Arrays.toString(ids), 1, Integer::sum);
            for (long id : ids) {
                inclusion[(int) id]++;
            }
        }
        assertEquals(10, counts.size());
        double chi2 = 0;
        for (int c : counts.values()) {
            chi2 += (c - seeds / 10.0) * (c - seeds / 10.0) / (seeds / 10.0);
        }
        assertTrue(chi2 < 27.88, "chi-square " + chi2);
        for (int c : inclusion) {
            // each id with probability k/N = 0.4: sd sqrt(20000 * 0.4 * 0.6) = 69
            assertTrue(Math.abs(c - 8000) < 5 * 69, "inclusion " + c);
        }
    }

    @Test
    void theSubsampleOfRowsInMemoryIsTheirRowsOfTheChosenIds() {
        int n = 300_000;
        int d = 2;
        double[] rows = new double[n * d];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        Subsample s = Subsample.of(rows, 40, n, d, 3);
        assertEquals(100_000, s.count());
        assertArrayEquals(Subsample.ids(3, 40, n, 100_000), s.ids());
        for (int r = 0; r < s.count(); r++) {
            assertEquals(2.0 * (s.ids()[r] - 40), s.rows()[r * d]);
            assertEquals(2.0 * (s.ids()[r] - 40) + 1, s.rows()[r * d + 1]);
        }
        assertFalse(s.complete());
        Subsample small = Subsample.of(new double[] {1, 2, 3, 4}, 0, 2, 2, 3);
        assertTrue(small.complete());
        assertSame(small.rows(), small.rows(), "all rows: not copied");
    }
}
