package io.piadm.spark;

import io.piadm.eval.RoundInfo;
import io.piadm.model.DiagonalGaussian;
import io.piadm.model.ModelSpec;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplerKind;
import io.piadm.sampler.SamplingDriver;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparkTimeEvaluatorTest {
    private static final ModelSpec GAUSS = new DiagonalGaussian(new double[] {1.0, -2.0, 0.5},
            new double[] {0.5, 1.5, 0.2});

    private static SamplingResult spark(ModelSpec spec, SamplerConfig cfg, int partitions,
            SparkTimeEvaluator.Shipping ship, int count, int batch) {
        JavaSparkContext sc = SparkTestSession.jsc();
        int stages = SamplerKind.of("piadm-sde").create(cfg, spec.dim()).stageCount();
        try (SparkTimeEvaluator ev = new SparkTimeEvaluator(sc, spec, partitions, ship, stages)) {
            SamplingResult r = new SamplingDriver(SamplerKind.of("piadm-sde").create(cfg, spec.dim()), ev, batch)
                    .run(100, count, SamplingListener.NONE);
            // One Spark job per round; each batch of samples runs its own rounds.
            int batches = (count + batch - 1) / batch;
            assertEquals(r.rounds() * batches, ev.sparkJobs(), "one Spark job per round");
            assertEquals(ev.sparkJobs(), r.evaluatorCalls(), "every evaluator call is one Spark job");
            return r;
        }
    }

    @Test
    void partitions1_3_8AndBothShippingsGiveTheLocalSamplesBitForBit() {
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 42);
        int count = 5;
        double[] local = TestJobs.local(GAUSS, "piadm-sde", cfg, 100, count);
        double[] init = SamplingDriver.initialState(42, 100, count, GAUSS.dim());
        assertFalse(java.util.Arrays.equals(local, init), "sampling moved the state");
        for (int p : new int[] {1, 3, 8}) {
            TestJobs.assertBitwiseEqual(local, spark(GAUSS, cfg, p, SparkTimeEvaluator.Shipping.PARTITIONS,
                    count, count).samples(), "partitions=" + p);
        }
        TestJobs.assertBitwiseEqual(local, spark(GAUSS, cfg, 3, SparkTimeEvaluator.Shipping.BROADCAST, count, count)
                .samples(), "broadcast");
        // batch 2 (3 batches): batching and partitioning together must not change a bit either.
        TestJobs.assertBitwiseEqual(local, spark(GAUSS, cfg, 3, SparkTimeEvaluator.Shipping.PARTITIONS, count, 2)
                .samples(), "batch 2");
    }

    @Test
    void aGaussianMixtureIsBitwiseTheSameOnSparkInBothModes() {
        ModelSpec gmm = io.piadm.model.ModelSpecs.parse("gmm:d=3,k=4,seed=5");
        SamplerConfig cfg = TestJobs.config(gmm.dim(), 8);
        int count = 4;
        double[] local = TestJobs.local(gmm, "piadm-sde", cfg, 100, count);
        for (int p : new int[] {1, 3, 8}) {
            TestJobs.assertBitwiseEqual(local, spark(gmm, cfg, p, SparkTimeEvaluator.Shipping.PARTITIONS, count, count)
                    .samples(), "gmm partitions=" + p);
        }
        SparkSettings s = new SparkSettings(null, 3, "samples", io.piadm.job.ResumeMode.OFF, null);
        TestJobs.assertBitwiseEqual(local, TestJobs.rows(SparkRun.run(SparkTestSession.get(),
                TestJobs.job(gmm, "piadm-sde", cfg, 100, count, count), s, SamplingListener.NONE).result),
                "gmm sample-parallel");
    }

    @Test
    void scoresComeBackInRowOrderForMorePartitionsThanRows() {
        JavaSparkContext sc = SparkTestSession.jsc();
        int rows = 7;
        double[] x = new double[rows * 3];
        double[] t = new double[rows];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.37 - 2;
        }
        for (int i = 0; i < rows; i++) {
            t[i] = 0.1 + 0.3 * i;
        }
        double[] expected = new double[x.length];
        GAUSS.build().score(x, t, rows, expected);
        for (SparkTimeEvaluator.Shipping ship : SparkTimeEvaluator.Shipping.values()) {
            double[] out = new double[x.length];
            try (SparkTimeEvaluator ev = new SparkTimeEvaluator(sc, GAUSS, 11, ship, 4)) {
                ev.evaluate(new RoundInfo("piadm-sde", 2, "predictor", 1), x, t, rows, out);
            }
            TestJobs.assertBitwiseEqual(expected, out, ship.name());
        }
    }

    @Test
    void theModelIsBuiltOncePerExecutorJvm() {
        // A spec no other test uses: local mode has one executor JVM (this one).
        ModelSpec fresh = new DiagonalGaussian(new double[] {Math.PI}, new double[] {Math.E});
        int before = ExecutorModels.builds();
        double[] x = new double[16];
        double[] t = new double[16];
        java.util.Arrays.fill(t, 0.5);
        try (SparkTimeEvaluator ev = new SparkTimeEvaluator(SparkTestSession.jsc(), fresh, 4, 1)) {
            for (int k = 1; k <= 3; k++) {
                ev.evaluate(new RoundInfo("piadm-sde", 0, "predictor", k), x, t, 16, new double[16]);
            }
        }
        assertEquals(before + 1, ExecutorModels.builds(), "12 tasks, one build");
    }

    @Test
    void theScoreServiceGivesTheLocalSamplesBitForBitInOneSparkJob() {
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 42);
        int count = 5;
        double[] local = TestJobs.local(GAUSS, "piadm-sde", cfg, 100, count);
        JavaSparkContext sc = SparkTestSession.jsc();
        for (int p : new int[] {1, 2, 8}) {
            try (SparkTimeEvaluator ev = new SparkTimeEvaluator(sc, GAUSS, p, 0)) {
                assertEquals(SparkTimeEvaluator.Transport.SERVICE, ev.transport());
                SamplingResult r = new SamplingDriver(SamplerKind.of("piadm-sde").create(cfg, GAUSS.dim()), ev, 2)
                        .run(100, count, SamplingListener.NONE);
                TestJobs.assertBitwiseEqual(local, r.samples(), "service, partitions=" + p);
                assertEquals(1, ev.sparkJobs(), "one Spark job for the whole run");
                assertEquals(r.evaluatorCalls(), ev.transportReport().get("serviceRounds"));
                assertEquals(0L, ev.transportReport().get("jobRounds"));
                // local[2]: at most one long-lived task per slot
                assertEquals(Math.min(p, 2), ev.service().liveConnections());
            }
        }
    }

    @Test
    void aBrokenServiceConnectionIsRescoredElsewhere() {
        SamplerConfig cfg = TestJobs.config(GAUSS.dim(), 7);
        int count = 4;
        double[] local = TestJobs.local(GAUSS, "piadm-sde", cfg, 100, count);
        JavaSparkContext sc = SparkTestSession.jsc();
        int[] calls = {0};
        try (SparkTimeEvaluator ev = new SparkTimeEvaluator(sc, GAUSS, 2, 0)) {
            io.piadm.eval.ScoreEvaluator breaking = new io.piadm.eval.ScoreEvaluator() {
                @Override
                public int dim() {
                    return ev.dim();
                }

                @Override
                public void evaluate(RoundInfo round, double[] x, double[] t, long[] ids, int rows, double[] out) {
                    if (++calls[0] == 5) {
                        ev.service().breakOneConnectionForTest(); // as an executor dying between rounds
                    }
                    ev.evaluate(round, x, t, ids, rows, out);
                }

                @Override
                public String describe() {
                    return "breaking";
                }
            };
            SamplingResult r = new SamplingDriver(SamplerKind.of("piadm-sde").create(cfg, GAUSS.dim()), breaking, count)
                    .run(100, count, SamplingListener.NONE);
            TestJobs.assertBitwiseEqual(local, r.samples(), "after a lost connection");
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> svc = (java.util.Map<String, Object>) ev.transportReport().get("service");
            assertEquals(1, svc.get("connectionsLost"));
            assertEquals(0L, ev.transportReport().get("jobRounds"), "no fallback to jobs");
        }
    }

    @Test
    void aModelFailureInTheServiceFailsTheRound() {
        ModelSpec bad = new FailingSpec();
        double[] x = new double[3];
        double[] t = {0.5};
        try (SparkTimeEvaluator ev = new SparkTimeEvaluator(SparkTestSession.jsc(), bad, 1, 0)) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> ev.evaluate(new RoundInfo("sde", 0, "sequential", 1), x, t, 1, new double[3]));
            assertTrue(e.getMessage().contains("deliberate model failure"), e.getMessage());
        }
    }

    /** A model that throws on every call (tests the error path of the service). */
    static final class FailingSpec implements ModelSpec {
        private static final long serialVersionUID = 1L;

        @Override
        public int dim() {
            return 3;
        }

        @Override
        public io.piadm.model.ScoreModel build(io.piadm.model.ExecutionContext context) {
            return new io.piadm.model.ScoreModel() {
                @Override
                public int dim() {
                    return 3;
                }

                @Override
                public void score(double[] x, double[] t, int from, int n, double[] out) {
                    throw new IllegalArgumentException("deliberate model failure");
                }
            };
        }

        @Override
        public String id() {
            return "failing:d=3";
        }

        @Override
        public java.util.Map<String, Object> describe() {
            return java.util.Map.of("type", "failing");
        }
    }

    @Test
    void jobDescriptionReadsAsTheAlgorithm() {
        assertEquals("piadm-sde block 3/18 predictor sweep 2",
                SparkTimeEvaluator.describe(new RoundInfo("piadm-sde", 2, "predictor", 2), 18));
    }

    @Test
    void tilesAreContiguousAndCoverAllRows() {
        for (int rows : new int[] {1, 5, 17, 100}) {
            for (int p = 1; p <= Math.min(rows, 9); p++) {
                assertEquals(0, SparkTimeEvaluator.tileStart(rows, p, 0));
                assertEquals(rows, SparkTimeEvaluator.tileStart(rows, p, p));
                for (int k = 0; k < p; k++) {
                    int n = SparkTimeEvaluator.tileStart(rows, p, k + 1) - SparkTimeEvaluator.tileStart(rows, p, k);
                    assertTrue(n == rows / p || n == rows / p + 1, "balanced tiles");
                }
            }
        }
    }
}
