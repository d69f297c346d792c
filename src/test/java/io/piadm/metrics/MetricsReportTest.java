package io.piadm.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.GaussianMixture;
import io.piadm.model.ModelSpec;
import io.piadm.model.ModelSpecs;
import io.piadm.model.ScoreModel;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsReportTest {
    @SuppressWarnings("unchecked")
    private static Map<String, Object> sub(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.get(key);
    }

    private static double num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    @Test
    void gaussianTargetExactAndBiasedSamples() throws Exception {
        int d = 8;
        int n = 2000;
        double eta = 0.01;
        ModelSpec spec = ModelSpecs.parse("gaussian:d=8,std=0.5,mean=1");
        double[] exact = new double[n * d];
        spec.analyticTarget().sample(99, n, eta, exact);
        LinkedHashMap<String, Object> m = MetricsReport.compute(spec, eta, exact, n, 7);
        assertTrue(m.containsKey("gaussian_kl") && m.containsKey("sliced_w2") && m.containsKey("mmd2")
                && m.containsKey("log_density"), m.keySet().toString());
        assertFalse(m.containsKey("mode_occupancy"));
        Map<String, Object> kl = sub(m, "gaussian_kl");
        assertEquals(num(kl, "mc_floor"), num(kl, "value"), 5 * num(kl, "mc_floor_sd"));
        Map<String, Object> ld = sub(m, "log_density");
        assertEquals(num(ld, "exact_mean"), num(ld, "samples_mean"), 5 * Math.hypot(num(ld, "samples_se"), num(ld, "exact_se")));
        double swExact = num(sub(m, "sliced_w2"), "value");

        // A sampler with a 20% too wide law: every metric must move well away from its exact baseline.
        DiagonalGaussian wide = DiagonalGaussian.isotropic(d, 1, 0.6);
        double[] biased = new double[n * d];
        wide.sample(99, n, eta, biased);
        LinkedHashMap<String, Object> b = MetricsReport.compute(spec, eta, biased, n, 7);
        Map<String, Object> klb = sub(b, "gaussian_kl");
        assertTrue(num(klb, "value") > num(klb, "mc_floor") + 20 * num(klb, "mc_floor_sd"), klb.toString());
        Map<String, Object> swb = sub(b, "sliced_w2");
        assertTrue(num(swb, "value") > 2 * num(swb, "exact_baseline") && num(swb, "value") > 2 * swExact, swb.toString());
        Map<String, Object> mmdb = sub(b, "mmd2");
        assertTrue(num(mmdb, "value") > 5 * Math.abs(num(mmdb, "exact_baseline")), mmdb.toString());
        Map<String, Object> ldb = sub(b, "log_density");
        assertTrue(num(ldb, "samples_mean") < num(ldb, "exact_mean") - 10 * num(ldb, "samples_se"), ldb.toString());

        // ready for run.json
        String json = new ObjectMapper().writeValueAsString(b);
        JsonNode node = new ObjectMapper().readTree(json);
        assertEquals(num(klb, "value"), node.get("gaussian_kl").get("value").asDouble(), 0.0);
    }

    @Test
    void mixtureTargetReportsOccupancy() {
        GaussianMixture gmm = GaussianMixture.seeded(2, 8, 0, 0.5, 4);
        int n = 8000;
        double eta = 0.01;
        double[] exact = new double[n * 2];
        gmm.sample(5, n, eta, exact);
        LinkedHashMap<String, Object> m = MetricsReport.compute(gmm, eta, exact, n, 1);
        assertFalse(m.containsKey("gaussian_kl"));
        Map<String, Object> occ = sub(m, "mode_occupancy");
        assertTrue(num(occ, "p_value") > 1e-3, occ.toString());
        assertEquals(7, ((Number) occ.get("degrees_of_freedom")).intValue());

        // Samples from the same modes with equal weights: occupancy must flag them.
        double[][] mu = new double[8][];
        double[] stds = new double[8];
        double[] w = new double[8];
        for (int c = 0; c < 8; c++) {
            mu[c] = gmm.mean(c);
            stds[c] = 0.5;
            w[c] = 1;
        }
        double[] wrong = new double[n * 2];
        new GaussianMixture(w, mu, stds).sample(5, n, eta, wrong);
        Map<String, Object> occBad = sub(MetricsReport.compute(gmm, eta, wrong, n, 1), "mode_occupancy");
        assertTrue(num(occBad, "p_value") < 1e-6, occBad.toString());
        assertTrue(num(occBad, "total_variation") > 3 * num(occBad, "exact_draws_total_variation"), occBad.toString());
    }

    @Test
    void scoreErrorModelIsMeasuredAgainstTheUnperturbedTarget() {
        ModelSpec spec = ModelSpecs.parse("gaussian:d=2,score-error=0.5");
        double[] x = new double[200 * 2];
        spec.analyticTarget().sample(1, 200, 0.1, x);
        assertTrue(MetricsReport.compute(spec, 0.1, x, 200, 3).containsKey("gaussian_kl"));
    }

    @Test
    void noAnalyticTargetGivesEmptyMapAndNonFiniteRowsAreCounted() {
        ModelSpec opaque = new ModelSpec() {
            @Override
            public int dim() {
                return 2;
            }

            @Override
            public ScoreModel build(io.piadm.model.ExecutionContext context) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String id() {
                return "opaque";
            }

            @Override
            public Map<String, Object> describe() {
                return Map.of("type", "opaque");
            }
        };
        assertTrue(MetricsReport.compute(opaque, 0.01, new double[20], 10, 0).isEmpty());

        ModelSpec g = ModelSpecs.parse("gaussian:d=2");
        double[] x = new double[100 * 2];
        g.analyticTarget().sample(1, 100, 0.01, x);
        x[7] = Double.NaN;
        x[30] = Double.POSITIVE_INFINITY;
        LinkedHashMap<String, Object> m = MetricsReport.compute(g, 0.01, x, 100, 0);
        assertEquals(2, m.get("non_finite_rows"));
        assertEquals(98, m.get("rows_used"));
        assertTrue(Double.isFinite(num(sub(m, "gaussian_kl"), "value")));
    }

    /**
     * Data so far from the origin that a distance overflows (the gaussian:d=2,mean=1e200, built here
     * directly since the --model grammar now refuses it): the metric that fails is reported in
     * metric_errors and the others are still computed; nothing throws, so the samples are never lost.
     */
    @Test
    void aMetricThatFailsIsRecordedNotThrown() {
        ModelSpec far = io.piadm.model.DiagonalGaussian.isotropic(2, 1e200, 1.0);
        double[] x = new double[50 * 2];
        far.analyticTarget().sample(1, 50, 0.01, x);
        LinkedHashMap<String, Object> m = MetricsReport.compute(far, 0.01, x, 50, 0);
        @SuppressWarnings("unchecked")
        Map<String, Object> errors = (Map<String, Object>) m.get("metric_errors");
        assertTrue(errors != null && !errors.isEmpty(), m.toString());
        assertEquals(50, m.get("rows_used"));
    }
}
