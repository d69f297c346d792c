package io.piadm.sampler;

import io.piadm.noise.NoiseSource;
import io.piadm.noise.NoiseStream;
import io.piadm.schedule.Block;

/** The exponential-integrator steps of one outer block (docs/ALGORITHMS.md sections 1, 4, 5 predictor). */
final class PredictorPhase extends Phase {
    private final Block block;
    private final NoiseSource noise;
    private final boolean stochastic;
    private final double[] a;
    private final double[] b;
    private final double[] c;
    private final double[] v;

    PredictorPhase(Block block, int dim, Integrator integrator, NoiseSource noise, String name) {
        super(name, block.steps(), dim, dim, integrator == Integrator.SDE ? dim : 0);
        this.block = block;
        this.noise = noise;
        this.stochastic = integrator == Integrator.SDE;
        int m = block.steps();
        a = new double[m];
        b = new double[m];
        c = new double[m];
        v = new double[m];
        for (int j = 0; j < m; j++) {
            double e = block.stepLength(j);
            double[] abc = integrator.coefficients(e);
            a[j] = abc[0];
            b[j] = abc[1];
            c[j] = abc[2];
            v[j] = integrator.residualVariance(e);
        }
    }

    @Override
    double evalTime(int j) {
        return block.time(j);
    }

    @Override
    double residualVariance(int m) {
        return v[m - 1];
    }

    @Override
    void fillNoise(long id, int j, double[] buf, int off) {
        if (stochastic) {
            noise.normals(NoiseStream.STEP, id, block.index(), j, buf, off, dim);
        }
    }

    @Override
    void step(int j, double[] z, int zOff, double[] g, int gOff, double[] xi, int xiOff, double[] out, int outOff) {
        double aj = a[j];
        double bj = b[j];
        if (stochastic) {
            double cj = c[j];
            for (int i = 0; i < dim; i++) {
                out[outOff + i] = aj * z[zOff + i] + bj * g[gOff + i] + cj * xi[xiOff + i];
            }
        } else {
            for (int i = 0; i < dim; i++) {
                out[outOff + i] = aj * z[zOff + i] + bj * g[gOff + i];
            }
        }
    }
}
