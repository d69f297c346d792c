package io.piadm.sampler;

import java.util.List;

/** The samplers by CLI name. */
public final class Samplers {
    private Samplers() {}

    /** Names accepted by {@link #create}. */
    public static final List<String> NAMES = List.of("sde", "ode", "paradigms", "paradigms-ode", "piadm-sde", "piadm-ode");

    /**
     * Builds sampler {@code name} on {@code config} for dimension {@code dim}. The corrector setting of
     * the config applies to {@code ode} and {@code piadm-ode} only.
     */
    public static Sampler create(String name, SamplerConfig config, int dim) {
        switch (name) {
            case "sde":
                return new BlockSampler(name, config.withCorrector(CorrectorOptions.off()), Integrator.SDE, false);
            case "ode":
                return new BlockSampler(name, config, Integrator.ODE, false);
            case "piadm-sde":
                return new BlockSampler(name, config.withCorrector(CorrectorOptions.off()), Integrator.SDE, true);
            case "piadm-ode":
                return new BlockSampler(name, config, Integrator.ODE, true);
            case "paradigms":
                return new ParadigmsSampler(name, config, Integrator.SDE, dim);
            case "paradigms-ode":
                return new ParadigmsSampler(name, config, Integrator.ODE, dim);
            default:
                throw new IllegalArgumentException("--sampler must be one of " + String.join(", ", NAMES)
                        + "; got '" + name + "'");
        }
    }
}
