package io.piadm.cli;

import io.piadm.config.InvalidSettingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The {@code piadm} command line. Without arguments it runs a demo (a 2-D Gaussian mixture sampled with
 * PIADM-SDE, a few seconds) into a fresh directory under {@code ./out/}. Errors in the user's input print
 * one line naming the option and what is allowed, exit with code 2 and write nothing; failures while
 * running print one line and exit with 1 ({@code --verbose} adds the stack trace).
 */
@Command(name = "piadm", mixinStandardHelpOptions = true, version = "piadm 0.1.0",
        subcommands = {SampleCommand.class, BenchCommand.class, TrainCommand.class, CommandLine.HelpCommand.class},
        description = "Parallel-in-time diffusion sampling (PIADM-SDE/ODE).",
        footer = "%nWith no arguments: a demo (gmm:d=2,k=8, piadm-sde) writing samples.npy, run.json and"
                + " samples.png to a new directory under ./out/.")
public final class Main implements Callable<Integer> {
    static final int EXIT_BAD_INPUT = 2;
    static final int EXIT_FAILURE = 1;

    /** The demo's settings: a 2-D mixture of eight well-separated modes. */
    static final String DEMO_MODEL = "gmm:d=2,k=8";
    static final String DEMO_SAMPLER = "piadm-sde";
    static final int DEMO_SAMPLES = 500;
    static final long DEMO_SEED = 1;

    @Spec
    CommandSpec spec;

    /** Where the demo creates its directory (tests point it elsewhere). */
    Path demoParent = Path.of("out");

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    public static void main(String[] args) {
        int rc = commandLine().execute(args);
        // In YARN cluster mode this main runs in a thread of Spark's ApplicationMaster, which reports the
        // final status when main returns (SUCCEEDED) or throws (FAILED). System.exit would end the AM
        // before it unregisters, and YARN would count the attempt as failed and run the job again.
        if (inYarnApplicationMaster()) {
            if (rc != 0) {
                throw new IllegalStateException("piadm " + (args.length > 0 ? args[0] : "")
                        + " failed with exit code " + rc + " (see the message above)");
            }
            return;
        }
        System.exit(rc);
    }

    /** Set by Spark's ApplicationMaster for the user class in cluster deploy mode. */
    static boolean inYarnApplicationMaster() {
        return "yarn".equals(System.getProperty("spark.master"))
                && "cluster".equals(System.getProperty("spark.submit.deployMode"))
                && System.getProperty("spark.yarn.app.id") != null;
    }

    /** The configured command line (error handlers installed); tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::onParameterError);
        cl.setExecutionExceptionHandler(Main::onExecutionError);
        return cl;
    }

    /** The demo. */
    @Override
    public Integer call() {
        Path dir = demoDirectory(demoParent);
        PrintWriter out = spec.commandLine().getOut();
        out.println("piadm demo: " + DEMO_SAMPLES + " samples of " + DEMO_MODEL + " with " + DEMO_SAMPLER
                + " into " + dir.toAbsolutePath().normalize());
        out.flush();
        List<String> args = new ArrayList<>(List.of("--model", DEMO_MODEL, "--sampler", DEMO_SAMPLER,
                "--samples", Integer.toString(DEMO_SAMPLES), "--seed", Long.toString(DEMO_SEED),
                "--out", dir.toString()));
        if (verbose) {
            args.add("--verbose");
        }
        int rc = spec.commandLine().getSubcommands().get("sample").execute(args.toArray(new String[0]));
        if (rc == 0) {
            out.println("plot: " + dir.resolve("samples.png").toAbsolutePath().normalize());
            out.flush();
        }
        return rc;
    }

    /** {@code parent/demo-yyyyMMdd-HHmmss}, with a suffix if that exists already. */
    static Path demoDirectory(Path parent) {
        String base = "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path p = parent.resolve(base);
        for (int i = 2; Files.exists(p); i++) {
            p = parent.resolve(base + "-" + i);
        }
        return p;
    }

    /** The arguments of this invocation, for run.json. */
    static List<String> commandArgs(CommandSpec spec) {
        List<String> args = new ArrayList<>(List.of(spec.qualifiedName().split(" ")));
        ParseResult pr = spec.commandLine().getParseResult();
        if (pr != null) {
            List<String> orig = pr.originalArgs();
            int from = orig.indexOf(spec.name()) + 1; // 0 when invoked directly (the demo)
            args.addAll(orig.subList(from, orig.size()));
        }
        return args;
    }

    private static int onParameterError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + firstLine(ex.getMessage()) + " (see '" + name + " --help')");
        err.flush();
        return EXIT_BAD_INPUT;
    }

    private static int onExecutionError(Exception ex, CommandLine cmd, ParseResult pr) {
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        // Bad input is typed: a setting found wrong, before anything was written or at run time (an
        // unreachable master, an unreadable model on the executors), names itself; render it as its flag.
        InvalidSettingException invalid = invalidSetting(ex);
        boolean bad = invalid != null || ex instanceof BadInput;
        // A run failure the user can act on (non-finite samples, a diverged training run, a full disk)
        // explains itself: printed as it is, without a class name, with the failure exit code.
        io.piadm.config.RunFailure failure = invalid != null ? null : runFailure(ex);
        String msg;
        if (invalid != null) {
            msg = Flags.message(invalid);
        } else if (failure != null) {
            msg = failure.render(Flags::of);
        } else if (bad && ex.getMessage() != null) {
            msg = ex.getMessage();
        } else {
            msg = ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
        }
        err.println(name + ": " + (bad ? "" : "error: ") + firstLine(msg));
        if (verbose(pr)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return bad ? EXIT_BAD_INPUT : EXIT_FAILURE;
    }

    /** The InvalidSettingException behind {@code ex} (itself or a cause, e.g. through a Spark task), or null. */
    static InvalidSettingException invalidSetting(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidSettingException ise) {
                return ise;
            }
        }
        return null;
    }

    /** The RunFailure behind {@code ex} (itself or a cause, e.g. through a Spark task), or null. */
    static io.piadm.config.RunFailure runFailure(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.piadm.config.RunFailure f) {
                return f;
            }
        }
        return null;
    }

    private static boolean verbose(ParseResult pr) {
        for (ParseResult p = pr; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
