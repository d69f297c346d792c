package io.piadm.spark;

import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;

import java.util.Map;

/**
 * Test model whose "score" is the GPU address of the execution context it was built with (-1 for none):
 * shows that the address Spark assigned to the task reaches the model builder on the executor, also
 * through wrappers such as {@link io.piadm.model.ScoreErrorModel}.
 */
public final class GpuEchoSpec implements ModelSpec {
    private static final long serialVersionUID = 1L;

    @Override
    public int dim() {
        return 1;
    }

    @Override
    public ScoreModel build(io.piadm.model.ExecutionContext context) {
        String gpu = context.gpuAddress();
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
