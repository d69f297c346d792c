package io.piadm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code piadm bench}: a parent for benchmarks; each one is a subcommand printing measured timings. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        subcommands = {BenchLocalCommand.class, BenchScalingCommand.class, BenchToleranceCommand.class, BenchModelCommand.class,
                BenchSparkOverheadCommand.class, BenchWallCommand.class},
        description = "Benchmarks (measured on this machine; medians over repeated rounds).")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a benchmark is required: one of " + String.join(", ", spec.subcommands().keySet()));
    }
}
