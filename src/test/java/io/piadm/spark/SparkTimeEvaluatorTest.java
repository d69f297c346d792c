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
