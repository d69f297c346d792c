package io.piadm.spark;

import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;

import java.util.Map;

/**
 * Test model whose "score" is the GPU address its builder saw through {@link ExecutorResources} (-1 for
 * none): shows that the address Spark assigned to the task reaches the model builder on the executor.
 */
public final class GpuEchoSpec implements ModelSpec {
    private static final long serialVersionUID = 1L;

    @Override
    public int dim() {
        return 1;
    }

    @Override
    public ScoreModel build() {
        String gpu = ExecutorResources.gpuAddress();
        double value = gpu == null ? -1 : Double.parseDouble(gpu);
        return new ScoreModel() {
            @Override
            public int dim() {
                return 1;
            }

            @Override
            public void score(double[] x, double[] t, int from, int n, double[] out) {
                for (int r = from; r < from + n; r++) {
                    out[r] = value;
                }
            }
        };
    }

    @Override
    public String id() {
        return "gpu-echo";
    }

    @Override
    public Map<String, Object> describe() {
        return Map.of("type", "gpu-echo");
    }
}
