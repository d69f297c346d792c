package io.piadm.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The seam through which executor-side model builders learn which accelerators Spark assigned to the
 * running task: a model's {@code ModelSpec.build()} (e.g. an ONNX session choosing its CUDA device) calls
 * {@link #gpuAddresses()} on the task thread. Spark hands out addresses per task from
 * {@code spark.task.resource.gpu.amount} and the executor's discovery script
 * ({@code scripts/getGpusResources.sh}); outside a Spark task, or without GPU scheduling, the list is
 * empty and the builder should use the CPU. No Spark types leak through this API.
 */
public final class ExecutorResources {
    private ExecutorResources() {}

    /** Spark's resource name for GPUs. */
    public static final String GPU = "gpu";

    /** GPU addresses (as the discovery script printed them, e.g. "0") assigned to the current task. */
    public static List<String> gpuAddresses() {
        TaskContext tc = TaskContext.get();
        if (tc == null) {
            return Collections.emptyList();
        }
        scala.Option<ResourceInformation> info = tc.resources().get(GPU);
        if (info.isEmpty()) {
            return Collections.emptyList();
        }
        List<String> out = new ArrayList<>();
        Collections.addAll(out, info.get().addresses());
        return out;
    }

    /** The first assigned GPU address, or null when the task holds none. */
    public static String gpuAddress() {
        List<String> a = gpuAddresses();
        return a.isEmpty() ? null : a.get(0);
    }
}
