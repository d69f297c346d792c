package io.piadm.sampler;

import io.piadm.process.OuProcess;

/**
 * The exponential integrator of docs/ALGORITHMS.md section 1, score frozen at the left end of each step of
 * reverse length e: SDE {@code y' = e^{e/2} y + 2 (e^{e/2} - 1) g + sqrt(e^e - 1) xi};
 * probability-flow ODE {@code y' = e^{e/2} y + (e^{e/2} - 1) g}.
 */
public enum Integrator {
    SDE,
    ODE;

    /** Coefficients (a, b, c) of {@code y' = a y + b g + c xi} for a step of reverse length e. */
    public double[] coefficients(double e) {
        double a = OuProcess.stepScale(e);
        double em1 = OuProcess.stepDrift(e);
        if (this == SDE) {
            return new double[] {a, 2.0 * em1, StrictMath.sqrt(OuProcess.stepNoiseVariance(e))};
        }
        return new double[] {a, em1, 0.0};
    }

    /**
     * Variance scale v of a step for the scaled Picard residual (ParaDiGMS's normalisation): the SDE
     * step's noise variance {@code e^e - 1}; the ODE uses the same scale so one tolerance means the same
     * in both.
     */
    public double residualVariance(double e) {
        return OuProcess.stepNoiseVariance(e);
    }
}
