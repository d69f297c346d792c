package io.piadm.spark;

import io.piadm.model.ModelSpec;
import io.piadm.model.ModelSpecs;
import io.piadm.plan.CostModel;
import io.piadm.plan.PlanReport;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplingListener;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The predicting planner end to end in local[2]: what it records and that it picks its own fastest prediction. */
class PlacementPlannerTest {
    @Test
    void autoPredictsEveryPlacementOfTheSamplerAndItsCounterpartAndPicksTheFastest() {
        ModelSpec spec = ModelSpecs.parse("gaussian:d=3,std=0.5,latency-ms=1");
        SamplerConfig cfg = TestJobs.config(3, 11);
        int count = 2; // = the pilot's samples, so its rounds are exactly the run's
        SparkSettings s = new SparkSettings(null, 2, "auto", io.piadm.job.ResumeMode.OFF, null);
        SparkRun.Outcome o = SparkRun.run(SparkTestSession.get(), TestJobs.job(spec, "piadm-sde", cfg, 0, count, count),
                s, SamplingListener.NONE);
        // Same samples as the local evaluator whatever was chosen (emulation changes no bit).
        TestJobs.assertBitwiseEqual(TestJobs.local(ModelSpecs.parse("gaussian:d=3,std=0.5"), "piadm-sde", cfg, 0, count),
                o.result.samples(), "auto");
        PlanReport r = o.plan.report();
        assertNotNull(r, "auto records the planner's report");
        List<CostModel.Prediction> ps = r.predictions();
        assertEquals(4, ps.size(), "piadm-sde and sde, each time- and sample-parallel");
        CostModel.Prediction t = r.prediction("piadm-sde", "time");
        CostModel.Prediction p = r.prediction("piadm-sde", "samples");
        assertNotNull(r.prediction("sde", "time"));
        assertNotNull(r.prediction("sde", "samples"));
        // The sample-parallel prediction describes the executor-resident job: one Spark job, one task per
        // chunk, --partitions 2 chunks of the 2 samples.
        assertEquals(1, ((Number) p.breakdown.get("sparkJobs")).intValue());
        assertEquals(2, ((Number) p.breakdown.get("chunks")).intValue());
        assertEquals(1L, ((Number) p.breakdown.get("samplesPerChunk")).longValue());
        String fastest = t.seconds <= p.seconds ? "time" : "samples";
        assertEquals(fastest, r.choice());
        assertEquals(fastest, o.plan.mode().cliName());
        // Pilot rounds are the run's own (the pilot samples are the run's first samples, exact model).
        assertEquals(o.result.rounds(), t.rounds, "the pilot ran the run's samples with the exact model");
        Map<String, Object> d = o.plan.describe(o.result.wallSeconds());
        @SuppressWarnings("unchecked")
        Map<String, Object> planner = (Map<String, Object>) d.get("planner");
        assertEquals(Boolean.TRUE, planner.get("acceleratorEmulated"));
        assertTrue(((String) planner.get("emulation")).contains("emulated accelerator: 1.0 ms"));
        assertEquals(o.result.wallSeconds(), (Double) planner.get("actualSeconds"), 0);
        assertTrue(planner.containsKey("calibration") && planner.containsKey("pilots"));
        assertEquals(fastest, planner.get("choice"));
    }

    @Test
    void withoutPartitionsTheLatencyBoundRunTakesThePredictedFasterChunking() {
        // 16 samples on local[2]'s 2 slots: the default is 8 chunks (4 waves); with 5 ms calls and next to no
        // CPU, one wave of 2 chunks runs each round a quarter as often.
        ModelSpec spec = ModelSpecs.parse("gaussian:d=3,std=0.5,latency-ms=5");
        SamplerConfig cfg = TestJobs.config(3, 5);
        int count = 16;
        SparkSettings s = new SparkSettings(null, null, "auto", io.piadm.job.ResumeMode.OFF, null);
        io.piadm.job.SampleJob job = TestJobs.job(spec, "piadm-sde", cfg, 0, count, count);
        SparkRun.Outcome o = SparkRun.run(SparkTestSession.get(), job, s, SamplingListener.NONE);
        PlanReport r = o.plan.report();
        CostModel.Prediction p = r.prediction("piadm-sde", "samples");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cands = (List<Map<String, Object>>) p.breakdown.get("chunkCandidates");
        assertEquals(List.of(8, 4, 2), cands.stream().map(c -> c.get("chunks")).collect(
                java.util.stream.Collectors.toList()), "the default and one and two chunks per slot");
        double def = (Double) cands.get(0).get("predictedSeconds");
        double one = (Double) cands.get(2).get("predictedSeconds");
        assertTrue(one < 0.9 * def, "one wave predicted faster: " + cands);
        assertEquals(p.seconds, cands.stream().mapToDouble(c -> (Double) c.get("predictedSeconds")).min().getAsDouble(),
                0, "the fastest candidate is the prediction");
        assertEquals(r.sampleChunks(), ((Number) p.breakdown.get("chunks")).intValue());
        if (o.plan.mode() == Planner.Mode.SAMPLES) {
            assertEquals(r.sampleChunks(), o.partitions, "the run used the chunking it was predicted with");
        }
        // The time-parallel probe on the cluster ran and corrected the time-parallel terms.
        Map<String, Object> pilot = r.pilots().get(0).describe();
        assertTrue(pilot.containsKey("timeParallelProbe"), "" + pilot.keySet());
        // The chunking changes no bit.
        TestJobs.assertBitwiseEqual(TestJobs.local(ModelSpecs.parse("gaussian:d=3,std=0.5"), "piadm-sde", cfg, 0, count),
                TestJobs.rows(o.result), "auto");
    }

    @Test
    void fewerChunksAreOneAndTwoPerSlotBelowTheDefault() {
        assertEquals(List.of(32, 16), PlacementPlanner.fewerChunks(64, 256, 16));
        assertEquals(List.of(), PlacementPlanner.fewerChunks(16, 16, 16));
        assertEquals(List.of(4, 2), PlacementPlanner.fewerChunks(8, 5, 2));
        assertEquals(List.of(2), PlacementPlanner.fewerChunks(8, 3, 2));
    }

    @Test
    void aForcedPlacementSkipsThePlanner() {
        ModelSpec spec = ModelSpecs.parse("gaussian:d=2");
        SamplerConfig cfg = TestJobs.config(2, 1);
        SparkSettings s = new SparkSettings(null, 2, "samples", io.piadm.job.ResumeMode.OFF, null);
        SparkRun.Outcome o = SparkRun.run(SparkTestSession.get(), TestJobs.job(spec, "piadm-sde", cfg, 0, 2, 2), s,
                SamplingListener.NONE);
        assertEquals(null, o.plan.report());
        assertTrue(o.plan.forced());
    }
}
