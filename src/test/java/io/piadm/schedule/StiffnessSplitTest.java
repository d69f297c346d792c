package io.piadm.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.model.FullGaussian;

import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;

/** docs/ALGORITHMS.md section 6d: stiff blocks are cut at grid points by their L h; the grid itself is kept. */
class StiffnessSplitTest {
    static DoubleUnaryOperator lipschitz(FullGaussian g) {
        return t -> g.scoreLipschitz(t).orElse(Double.NaN);
    }

    @Test
    void aConstantLipschitzConstantCutsIntoTheFewestEqualPieces() {
        // L = 2 on one block of reverse length 5 with 10 equal steps: L h = 10, bound 4 -> 3 pieces.
        ScheduleConfig sc = new ScheduleConfig(4).horizon(6.0).eta(1.0).blockLength(5.0).stepsPerBlock(10)
                .stiffness(StiffnessSplit.of(t -> 2.0, 4.0));
        Schedule s = sc.build();
        assertEquals(3, s.blockCount());
        for (Block b : s.blocks()) {
            assertTrue(b.steps() >= 3 && b.steps() <= 4, b.toString());
            assertTrue(2.0 * b.length() <= 4.0 + 1e-9, "piece L h " + 2.0 * b.length());
        }
        Schedule plain = new ScheduleConfig(4).horizon(6.0).eta(1.0).blockLength(5.0).stepsPerBlock(10).build();
        assertArrayEquals(plain.concatenatedTimes(), s.concatenatedTimes(), 0.0, "the same grid, cut into blocks");
        @SuppressWarnings("unchecked")
        Map<String, Object> st = (Map<String, Object>) sc.describe().get("stiffness");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> splits = (List<Map<String, Object>>) st.get("splits");
        assertEquals(1, splits.size());
        assertEquals(10.0, (Double) splits.get(0).get("lipschitzTimesLength"), 1e-9);
        assertEquals(3, splits.get(0).get("pieces"));
    }

    @Test
    void theDefaultGridOfTheStiffTargetIsNotSplit() {
        // L(t) = 1/(alpha^2 lambda_min + sigma^2) <= 1/sigma^2(t); far blocks of length 1 give L h <= 1.6 and
        // near blocks that at most halve the time give L h <= ln 2 + O(step): the default bound 4 never cuts.
        for (String spec : new String[] {"0.001:1", "1e-5:1"}) {
            String[] lh = spec.split(":");
            FullGaussian g = new FullGaussian(64, Double.parseDouble(lh[0]), Double.parseDouble(lh[1]), 0, 0.0);
            ScheduleConfig sc = new ScheduleConfig(64).dataSecondMoment(g.secondMoment())
                    .stiffness(StiffnessSplit.of(lipschitz(g), null));
            Schedule s = sc.build();
            Schedule plain = new ScheduleConfig(64).dataSecondMoment(g.secondMoment()).build();
            assertEquals(plain.blockCount(), s.blockCount(), spec);
            @SuppressWarnings("unchecked")
            Map<String, Object> d = (Map<String, Object>) sc.describe().get("stiffness");
            double largest = (Double) d.get("largestLipschitzTimesLength");
            assertTrue(largest > 0.5 && largest < 1.6, spec + ": largest L h " + largest);
        }
    }

    @Test
    void aLongBlockNearTheDataIsCutIntoPiecesWithinTheBound() {
        FullGaussian g = new FullGaussian(16, 1e-5, 1.0, 3, 0.0);
        ScheduleConfig sc = new ScheduleConfig(16).horizon(9.0).blockLength(8.0).stepsPerBlock(64)
                .stiffness(StiffnessSplit.of(lipschitz(g), 4.0));
        Schedule s = sc.build();
        Schedule plain = new ScheduleConfig(16).horizon(9.0).blockLength(8.0).stepsPerBlock(64).build();
        assertTrue(s.blockCount() > plain.blockCount(), "split: " + s.blockCount() + " vs " + plain.blockCount());
        assertArrayEquals(plain.concatenatedTimes(), s.concatenatedTimes(), 0.0);
        StiffnessSplit probe = StiffnessSplit.of(lipschitz(g), 4.0);
        for (int n = 0; n < s.blockCount(); n++) {
            assertEquals(n, s.block(n).index());
            assertTrue(probe.stiffness(s.block(n)) <= 4.0 + 1e-9, "block " + n + ": " + probe.stiffness(s.block(n)));
        }
    }

    @Test
    void badBoundsAndUnknownConstantsAreHandled() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> StiffnessSplit.of(t -> 1.0, -1.0));
        assertEquals(List.of(Setting.BLOCK_STIFFNESS), e.settings());
        assertThrows(InvalidSettingException.class, () -> StiffnessSplit.of(t -> 1.0, Double.NaN));
        assertEquals(false, StiffnessSplit.of(null, null).describe().get("active"));
        assertEquals(false, StiffnessSplit.of(t -> 1.0, 0.0).describe().get("active"));
        assertEquals(false, StiffnessSplit.of(t -> Double.NaN, 4.0).describe().get("active"));
    }
}
