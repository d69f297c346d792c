package io.piadm.cli;

import io.piadm.train.TrainConfig;
import io.piadm.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code piadm train}: trains a small eps-prediction MLP on a built-in data set on the CPU (one thread,
 * deterministic given --seed) and writes {@code NAME.onnx} (loadable as {@code onnx:DIR/NAME.onnx}),
 * {@code NAME.report.json} and {@code NAME.loss.png} into --out.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a toy noise-prediction network (eps, OU time) and export it to ONNX.")
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "two-moons",
            description = "two-moons | eight-gaussians | swiss-roll | checkerboard | gmm[:d=..,k=..,std=..,radius=..,means=..]"
                    + " (default ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if missing).")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "model",
            description = "Base name of the files written (default ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--overwrite", description = "Replace NAME.onnx/.report.json/.loss.png if they exist.")
    boolean overwrite;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--epochs", paramLabel = "E", description = "Passes over the training set (default 40).")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "B", description = "Minibatch size (default 64).")
    Integer batchSize;

    @Option(names = "--train-size", paramLabel = "N", description = "Training points drawn once (default 16384).")
    Integer trainSize;

    @Option(names = "--hidden", paramLabel = "W", split = ",", description = "Hidden layer widths (default 64,64,64).")
    List<Integer> hidden;

    @Option(names = "--lr", paramLabel = "LR", description = "Initial Adam learning rate (default 3e-3).")
    Double lr;

    @Option(names = "--final-lr", paramLabel = "LR", description = "Learning rate at the end of the cosine decay (default 1e-4).")
    Double finalLr;

    @Option(names = "--t-min", paramLabel = "T", description = "Smallest training OU time (default 1e-3).")
    Double tMin;

    @Option(names = "--t-max", paramLabel = "T", description = "Largest training OU time (default 12).")
    Double tMax;

    @Override
    public Integer call() {
        TrainConfig c = new TrainConfig().dataset(dataset).seed(seed);
        try {
            if (epochs != null) {
                c.epochs(epochs);
            }
            if (batchSize != null) {
                c.batchSize(batchSize);
            }
            if (trainSize != null) {
                c.trainSize(trainSize);
            }
            if (hidden != null) {
                c.hidden(hidden.stream().mapToInt(Integer::intValue).toArray());
            }
            if (lr != null) {
                c.learningRate(lr);
            }
            if (finalLr != null) {
                c.finalLearningRate(finalLr);
            }
            if (tMin != null || tMax != null) {
                c.timeRange(tMin != null ? tMin : c.tMin(), tMax != null ? tMax : c.tMax());
            }
            c.validate();
            if (!name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("--name must use letters, digits, '.', '_' or '-', got '" + name + "'");
            }
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out " + out + " exists and is not a directory");
            }
            for (String suffix : new String[] {".onnx", ".report.json", ".loss.png"}) {
                Path f = out.resolve(name + suffix);
                if (Files.exists(f) && !overwrite) {
                    throw new IllegalArgumentException("--out " + out + " already holds " + f.getFileName()
                            + "; choose another --out or --name, or add --overwrite");
                }
            }
            Path probe = out.toAbsolutePath();
            while (probe != null && !Files.exists(probe)) {
                probe = probe.getParent();
            }
            if (probe == null || !Files.isWritable(probe)) {
                throw new IllegalArgumentException("--out " + out + " cannot be created: " + probe + " is not writable");
            }
        } catch (IllegalArgumentException e) {
            throw new BadInput(e.getMessage(), e);
        }
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "train: %s, seed %d, %d epochs of %d points, batch %d, hidden %s%n", c.dataset(), seed,
                c.epochs(), c.trainSize(), c.batchSize(), java.util.Arrays.toString(c.hidden()));
        pw.flush();
        int every = Math.max(1, c.epochs() / 10);
        final double[] last = new double[1];
        Trainer.Result r = Trainer.train(c, e -> {
            if ((e + 1) % every == 0 || e == c.epochs() - 1) {
                pw.printf(Locale.ROOT, "  epoch %d/%d%n", e + 1, c.epochs());
                pw.flush();
            }
        });
        double[] loss = r.lossPerEpoch();
        String command = String.join(" ", Main.commandArgs(spec));
        Trainer.Outputs o = Trainer.write(r, out, name, command);
        pw.printf(Locale.ROOT, "loss %.5f -> %.5f in %.1f s; wrote %s, %s, %s%n", loss[0], loss[loss.length - 1],
                r.seconds(), o.model, o.report, o.lossPlot);
        pw.printf(Locale.ROOT, "use it with: --model onnx:%s%n", o.model);
        pw.flush();
        return 0;
    }
}
