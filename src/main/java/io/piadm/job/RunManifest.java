package io.piadm.job;

import io.piadm.sampler.PhaseTrace;
import io.piadm.sampler.Sampler;
import io.piadm.sampler.SamplerConfig;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.StageTrace;
import io.piadm.schedule.Schedule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The content of run.json for one finished job (ARCHITECTURE.md "Habits"): resolved configuration,
 * seed, model identity, sampler, costs counted alike for every sampler (rounds, evaluations), the
 * per-block trace, timings, backend and metrics. Keys keep this insertion order in the file.
 */
public final class RunManifest {
    private RunManifest() {}

    /**
     * @param metrics MetricsReport of the samples, or null when the target law is unknown
     */
    public static LinkedHashMap<String, Object> build(SampleJob job, Backend backend, SamplingResult result,
            Map<String, Object> metrics) {
        Sampler sampler = job.createSampler();
        SamplerConfig eff = sampler.config();
        Schedule schedule = eff.schedule();
        LinkedHashMap<String, Object> m = new LinkedHashMap<>();
        m.put("sampler", result.sampler());
        m.put("model", job.model().describe());
        m.put("modelId", job.model().id());
        m.put("dim", result.dim());
        m.put("samples", result.count());
        m.put("firstSample", result.firstSample());
        m.put("seed", eff.seed());
        m.put("rounds", result.rounds());
        if (result.evaluatorCalls() >= 0) {
            m.put("evaluatorCalls", result.evaluatorCalls());
        }
        m.put("evaluations", result.evaluationsPerSample());
        m.put("evaluationsTotal", result.evaluationsTotal());
        m.put("eta", schedule.eta());
        m.put("horizon", schedule.horizon());

        Map<String, Object> sched = job.scheduleSettings();
        sched.put("blockCount", schedule.blockCount());
        sched.put("totalSteps", schedule.totalSteps());
        m.put("schedule", sched);

        Map<String, Object> picard = new LinkedHashMap<>();
        picard.put("used", job.kind().parallelInTime());
        picard.putAll(eff.picard().describe());
        m.put("picard", picard);
        if (job.kind().walk() == io.piadm.sampler.SamplerKind.Walk.SLIDING_WINDOW) {
            m.put("window", eff.window());
        }
        m.put("corrector", eff.corrector().describe());

        List<Object> blocks = new ArrayList<>();
        for (StageTrace st : result.stages()) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("index", st.stage());
            b.put("forwardTimes", st.forwardTimes());
            b.put("rounds", st.rounds());
            List<Object> phases = new ArrayList<>();
            for (PhaseTrace pt : st.phases()) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("phase", pt.phase());
                p.put("sweeps", pt.sweeps());
                p.put("residuals", pt.residuals());
                p.put("pointsEvaluated", pt.pointsEvaluated());
                if (pt.sequentialFallbacks() > 0) {
                    p.put("sequentialFallbacks", pt.sequentialFallbacks());
                }
                phases.add(p);
            }
            b.put("phases", phases);
            if (st.roundLog() != null) {
                // The wavefront's blocks overlap: per round, the active blocks and their residuals.
                b.put("roundTrace", st.roundLog().describe());
            }
            blocks.add(b);
        }
        m.put("blocks", blocks);
        m.put("wallSeconds", result.wallSeconds());
        m.put("backend", backend.describe(job));
        RunIdentity id = job.identity();
        m.put("identity", id.describe());
        m.put("configHash", id.hash());
        m.put("provenance", Provenance.describe());
        if (metrics != null) {
            m.put("metrics", metrics);
        }
        return m;
    }
}
