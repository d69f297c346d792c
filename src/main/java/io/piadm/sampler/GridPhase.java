package io.piadm.sampler;

/**
 * The blocks' predictor phases chained into one phase over the whole grid (step q of the grid is step
 * {@code localOf[q]} of block {@code blockOf[q]}), for samplers that ignore block boundaries (ParaDiGMS).
 */
final class GridPhase extends Phase {
    private final PredictorPhase[] phases;
    private final int[] blockOf;
    private final int[] localOf;

    GridPhase(String name, PredictorPhase[] phases) {
        super(name, totalSteps(phases), phases[0].dim, phases[0].stateSize, phases[0].noiseSize);
        this.phases = phases;
        this.blockOf = new int[steps];
        this.localOf = new int[steps];
        int q = 0;
        for (int b = 0; b < phases.length; b++) {
            for (int j = 0; j < phases[b].steps; j++, q++) {
                blockOf[q] = b;
                localOf[q] = j;
            }
        }
    }

    private static int totalSteps(PredictorPhase[] phases) {
        int s = 0;
        for (PredictorPhase p : phases) {
            s += p.steps;
        }
        return s;
    }

    @Override
    double evalTime(int j) {
        return phases[blockOf[j]].evalTime(localOf[j]);
    }

    @Override
    double residualVariance(int m) {
        return phases[blockOf[m - 1]].residualVariance(localOf[m - 1] + 1);
    }

    @Override
    void fillNoise(long id, int j, double[] buf, int off) {
        phases[blockOf[j]].fillNoise(id, localOf[j], buf, off);
    }

    @Override
    void step(int j, double[] z, int zOff, double[] g, int gOff, double[] xi, int xiOff, double[] out, int outOff) {
        phases[blockOf[j]].step(localOf[j], z, zOff, g, gOff, xi, xiOff, out, outOff);
    }
}
