package io.piadm.cli;

import io.piadm.config.AsFlags;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ModelSpecs;
import io.piadm.model.ModelSpec;
import io.piadm.sampler.SamplingResult;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class DataReferenceTest {

    @Test
    void onnxModelFindsItsTrainingDataInTheReport() {
        ModelSpec spec = ModelSpecs.parse("onnx:models/two-moons.onnx,param=eps");
        DataReference ref = DataReference.resolve(null, spec);
        assertNotNull(ref);
        assertEquals("two-moons", ref.dataset.spec());
        assertTrue(ref.source.endsWith("two-moons.report.json"));
    }

    @Test
    void explicitReferenceIsCheckedAgainstTheModel() {
        ModelSpec spec = ModelSpecs.parse("gaussian:d=3");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataReference.resolve("two-moons", spec));
        assertTrue(AsFlags.message(e).startsWith("--reference-data"), AsFlags.message(e));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class, () -> DataReference.resolve("no-such-set", spec))).startsWith("--reference-data"));
        assertNull(DataReference.resolve(null, spec), "analytic models need no data reference");
    }

    @Test
    void metricsSeparateTheDataFromAShiftedCopy() {
        DataReference ref = DataReference.resolve("two-moons", DiagonalGaussian.isotropic(2, 0, 1));
        int n = 1500;
        double[] good = DataReference.blur(ref.dataset.sample(99, n), n, 2, 1e-3, 99);
        double[] shifted = good.clone();
        for (int i = 0; i < shifted.length; i += 2) {
            shifted[i] += 0.3;
        }
        Map<String, Object> mg = DataReference.metrics(ref, 1e-3, result(good, n), 5);
        Map<String, Object> ms = DataReference.metrics(ref, 1e-3, result(shifted, n), 5);
        double swGood = (Double) ((Map<?, ?>) mg.get("sliced_w2")).get("value");
        double swBase = (Double) ((Map<?, ?>) mg.get("sliced_w2")).get("data_baseline");
        double swShift = (Double) ((Map<?, ?>) ms.get("sliced_w2")).get("value");
        assertTrue(swGood < 2 * swBase + 0.02, "fresh data is as close as the baseline: " + swGood + " vs " + swBase);
        assertTrue(swShift > 3 * swGood, "a shift by 0.3 is seen: " + swShift + " vs " + swGood);
        double mmdShift = (Double) ((Map<?, ?>) ms.get("mmd2")).get("value");
        double mmdBase = (Double) ((Map<?, ?>) ms.get("mmd2")).get("data_baseline");
        assertTrue(mmdShift > 10 * Math.abs(mmdBase), "MMD sees the shift: " + mmdShift + " vs " + mmdBase);
    }

    private static io.piadm.sampler.Subsample result(double[] x, int n) {
        return new SamplingResult("test", 2, 0, n, x, List.of(), 0.0, -1).source().subsample(5);
    }
}
