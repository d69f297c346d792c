package io.piadm.cli;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;
import io.piadm.io.ImagePng;
import io.piadm.io.Npy;
import io.piadm.io.SampleFormat;
import io.piadm.job.SampleJob;
import io.piadm.job.TweedieDenoise;
import io.piadm.model.ClassConditional;
import io.piadm.model.LabelledModelSpec;
import io.piadm.model.ModelSpec;
import io.piadm.model.onnx.OnnxModelSpec;
import io.piadm.model.onnx.TimeConventionCheck;
import io.piadm.sampler.SampleSource;
import io.piadm.sampler.SamplingResult;
import io.piadm.sampler.Subsample;
import io.piadm.schedule.Schedule;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code piadm sample} options for trained networks (issue 11), kept out of {@link SampleCommand} (a picocli
 * mixin) so that the command only calls in: class labels and guidance (a model wrapper, {@link ClassConditional}),
 * the time-convention and label probes before sampling, Tweedie denoising after it, and the extra outputs
 * (float32 samples, labels.npy, samples.png and per-sample PNGs of image models).
 */
final class SampleExtras {
    @Option(names = "--classes", paramLabel = "LIST",
            description = "Class-conditional network: sample i gets label LIST[i mod len]; LIST is C, C1,C2,... or A..B.")
    String classes;

    @Option(names = "--guidance", paramLabel = "W",
            description = "Classifier-free guidance eps_u + W (eps_c - eps_u) (needs --classes and null-label=N in the"
                    + " model spec; default 1: the conditional model alone).")
    Double guidance;

    @Option(names = "--denoise-final",
            description = "Return the Tweedie estimate x0 = (x + sigma^2 score)/alpha at eta (one more evaluation per sample).")
    boolean denoiseFinal;

    @Option(names = "--dtype", paramLabel = "float64|float32",
            description = "Value type of samples.npy and samples.parquet (default float64; float32 halves the size).")
    String dtype;

    @Option(names = "--png-per-sample", description = "Image models: also write png/<id>.png for every sample.")
    boolean pngPerSample;

    @Option(names = "--classifier", paramLabel = "PATH",
            description = "Image metrics: an ONNX classifier with outputs 'logits' and 'features' (default: the model"
                    + " report's, or digits-classifier.onnx beside a digits model).")
    String classifier;

    private SampleFormat format = SampleFormat.defaults();
    private ImagePng png;
    private Map<String, Object> checks;
    private double eta = Double.NaN;

    /** Wraps the model for --classes/--guidance and refuses what does not fit the network. */
    ModelSpec model(ModelSpec spec) {
        if (dtype != null && !dtype.equals(SampleFormat.FLOAT64) && !dtype.equals(SampleFormat.FLOAT32)) {
            throw InvalidSettingException.range(Setting.DTYPE, "float64 or float32", "'" + dtype + "'");
        }
        boolean f32 = SampleFormat.FLOAT32.equals(dtype);
        if (guidance != null && classes == null) {
            throw new InvalidSettingException("{0} needs {1} (the labels to guide towards)", Setting.GUIDANCE,
                    Setting.CLASSES);
        }
        LabelledModelSpec labelled = labelled(spec);
        if (classes == null) {
            if (labelled != null && labelled.hasLabelInput() && labelled.nullLabel() == null) {
                throw new InvalidSettingException("{0}: the network takes a class label: give {1} LIST, or add"
                        + " null-label=N to the spec for unconditional samples", Setting.MODEL, Setting.CLASSES);
            }
            format = new SampleFormat(f32, null);
            return spec;
        }
        long[] list = ClassConditional.parseClasses(classes);
        ModelSpec wrapped = ClassConditional.wrap(spec, list, guidance);
        format = new SampleFormat(f32, list);
        return wrapped;
    }

    private static LabelledModelSpec labelled(ModelSpec spec) {
        return spec.unwrap(LabelledModelSpec.class);
    }

    private static OnnxModelSpec onnx(ModelSpec spec) {
        return spec.unwrap(OnnxModelSpec.class);
    }

    /**
     * Before anything is written: the label probe (every requested label accepted by the network) and the
     * time-convention probe (TimeConventionCheck), whose report goes into run.json.
     */
    void check(ModelSpec spec, Schedule schedule, DataReference ref, long seed) {
        eta = schedule.eta();
        OnnxModelSpec o = onnx(spec);
        long[] rowShape = spec.rowShape();
        double[] range = DataReference.valueRange(spec);
        png = ImagePng.of(rowShape, range != null ? range[0] : -1, range != null ? range[1] : 1);
        if (pngPerSample && png == null) {
            throw new InvalidSettingException("{0} applies to image-shaped models (a state [C, H, W] or [H, W]); this"
                    + " model's rows are flat (d = " + spec.dim() + ")", Setting.PNG_PER_SAMPLE);
        }
        if (o == null) {
            return;
        }
        ClassConditional cc = ClassConditional.find(spec);
        if (cc != null) {
            TimeConventionCheck.checkLabels(o, cc.classes(), o.nullLabel());
        }
        long[] labels = cc != null ? cc.classes() : null;
        int max = 512;
        double[] rows = ref == null ? null : ref.probeRows(max, seed);
        int n = ref == null ? 0 : ref.probeRowCount(max);
        String source = ref == null || rows == null ? null : ref.spec + " (" + ref.source + ")";
        checks = TimeConventionCheck.run(o, schedule.horizon(), rows, n, labels, source);
    }

    SampleFormat format() {
        return format;
    }

    /** The samples after the sampler: Tweedie-denoised when asked. */
    SamplingResult after(SampleJob job, SamplingResult r) {
        return denoiseFinal ? TweedieDenoise.apply(job, r) : r;
    }

    boolean denoised() {
        return denoiseFinal;
    }

    boolean image() {
        return png != null;
    }

    /** The requested label of each of these sample ids, or null. */
    long[] labels(long[] ids) {
        if (!format.hasLabels()) {
            return null;
        }
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = format.label(ids[i]);
        }
        return l;
    }

    /** Files written besides samples.npy and run.json. */
    List<String> files() {
        List<String> f = new ArrayList<>();
        if (format.hasLabels()) {
            f.add("labels.npy");
        }
        if (png != null) {
            f.add("samples.png");
            if (pngPerSample) {
                f.add("png");
            }
        }
        return f;
    }

    /**
     * labels.npy (streamed from the ids), samples.png (the first rows of the run's subsample: ids 0.. when the run
     * has at most {@link io.piadm.sampler.Subsample#size} samples) and png/ (one streaming pass over the source).
     */
    void writeExtras(Path dir, SampleSource source, Subsample sub) throws IOException {
        if (format.hasLabels()) {
            long first = source.firstSample();
            Npy.writeInt64(dir.resolve("labels.npy"), source.count(), i -> format.label(first + i));
        }
        if (png != null) {
            png.writeGrid(dir.resolve("samples.png"), sub.rows(), sub.count());
            if (pngPerSample) {
                Path each = dir.resolve("png");
                java.nio.file.Files.createDirectories(each);
                source.forEachRow((id, v, off) -> png.writeOne(each, v, off, id));
            }
        }
    }

    /** What run.json records of these options. */
    void describe(Map<String, Object> manifest) {
        Map<String, Object> o = new LinkedHashMap<>(format.describe());
        if (png != null) {
            o.put("png", png.describe());
        }
        manifest.put("outputFormat", o);
        if (denoiseFinal) {
            manifest.put("denoiseFinal", TweedieDenoise.describe(eta));
        }
        if (checks != null) {
            manifest.put("timeConventionCheck", checks);
        }
    }
}
