package io.piadm.job;

import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a {@link SampleJob} runs. The CLI picks one by name ({@code --backend}); every backend must give
 * the same samples for the same job (the sampler contract), and report progress through the listener.
 */
public interface Backend {
    /** The --backend name. */
    String name();

    /** Runs the job and returns its samples and trace; the listener is called on the calling thread. */
    SamplingResult run(SampleJob job, SamplingListener listener) throws Exception;

    /** What run.json records under {@code backend} (name, evaluator, any planner decision). */
    default Map<String, Object> describe(SampleJob job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name());
        return m;
    }
}
