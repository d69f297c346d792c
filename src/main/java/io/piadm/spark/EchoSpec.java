package io.piadm.spark;

import io.piadm.model.ExecutionContext;
import io.piadm.model.ModelSpec;
import io.piadm.model.ScoreModel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A calibration "model" that returns its input as the score (a copy, no arithmetic): a round scored with
 * it costs the channel, both ways, and the driver's side of the round, but no model time. Never used
 * for sampling.
 */
final class EchoSpec implements ModelSpec {
    private static final long serialVersionUID = 1L;
    private final int dim;

    EchoSpec(int dim) {
        this.dim = dim;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public ScoreModel build(ExecutionContext context) {
        return new ScoreModel() {
            @Override
            public int dim() {
                return dim;
            }

            @Override
            public void score(double[] x, double[] t, int from, int n, double[] out) {
                System.arraycopy(x, from * dim, out, from * dim, n * dim);
            }
        };
    }

    @Override
    public String id() {
        return "echo:d=" + dim;
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "echo");
        m.put("d", dim);
        return m;
    }
}
