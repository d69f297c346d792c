package io.piadm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.piadm.io.Npy;
import io.piadm.io.RunJson;
import io.piadm.process.OuProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code piadm sample} on the exact-score fixtures (src/test/resources/onnx): class labels and guidance, the
 * extra outputs (float32 samples, labels.npy, samples.png, png/), Tweedie denoising and the time-convention
 * probe, through the command line.
 */
class ImageModelCliTest {
    @TempDir
    Path tmp;

    static final String COND = "onnx:src/test/resources/onnx/gauss-cond.onnx,time=ddpm-linear,null-label=10";

    static MainTest.Run sample(Path out, String model, String... extra) {
        List<String> a = new ArrayList<>(List.of("sample", "--model", model, "--sampler", "piadm-sde", "--samples", "20",
                "--seed", "3", "--out", out.toString(), "--backend", "local", "--threads", "1",
                "--steps-per-block", "16"));
        for (int i = 0; i < extra.length; i++) {
            int at = a.indexOf(extra[i]);
            boolean flag = i + 1 >= extra.length || extra[i + 1].startsWith("--");
            if (at >= 0 && !flag) {
                a.set(at + 1, extra[++i]); // replaces a default above
            } else {
                a.add(extra[i]);
            }
        }
        return MainTest.exec(a.toArray(new String[0]));
    }

    @Test
    void guidedConditionalRunWritesLabelsImagesAndFloat32() throws Exception {
        Path out = tmp.resolve("guided");
        MainTest.Run r = sample(out, COND, "--classes", "0..9", "--guidance", "2", "--dtype", "float32",
                "--png-per-sample");
        assertEquals(0, r.rc, r.err);
        // float32 samples: header says <f4 and the file is half the float64 size (plus the 128-byte header)
        byte[] npy = Files.readAllBytes(out.resolve("samples.npy"));
        assertTrue(new String(npy, 0, 128, java.nio.charset.StandardCharsets.US_ASCII).contains("'descr': '<f4'"));
        assertEquals(128 + 20 * 64 * 4, npy.length);
        Npy.Array2D labels = Npy.read(out.resolve("labels.npy"));
        assertEquals(20, labels.rows);
        for (int i = 0; i < 20; i++) {
            assertEquals(i % 10, labels.data[i], 0.0, "sample i has label classes[i mod 10]");
        }
        BufferedImage grid = ImageIO.read(out.resolve("samples.png").toFile());
        assertEquals(8 * 33 + 1, grid.getWidth(), "8 tiles of 8 px upscaled 4x, with 1-px gaps");
        BufferedImage one = ImageIO.read(out.resolve("png/000007.png").toFile());
        assertEquals(8, one.getWidth());
        assertEquals(8, one.getHeight());
        // pixel (0, 0) of sample 7 is round(255 (v + 1) / 2) of its first value
        Npy.Array2D x = Npy.read(out.resolve("samples.npy"));
        long want = Math.max(0, Math.min(255, Math.round(255 * (x.data[7 * 64] + 1) / 2)));
        assertEquals(want, one.getRGB(0, 0) & 0xFF);
        JsonNode run = RunJson.read(out.resolve("run.json"));
        assertEquals("class-conditional", run.path("model").path("type").asText());
        assertEquals(2.0, run.path("model").path("guidance").asDouble());
        assertEquals(2, run.path("model").path("networkRowsPerScore").asInt());
        assertTrue(run.path("identity").path("model").asText().contains("classes=0:1:2:3:4:5:6:7:8:9,guidance=2.0"));
        assertEquals("float32", run.path("outputFormat").path("dtype").asText());
        assertEquals("fits", run.path("timeConventionCheck").path("verdict").asText());
        assertTrue(run.path("outputs").toString().contains("labels.npy"));

        // Guidance adds no rounds: the same run unguided (w = 1) has the same rounds.
        Path plain = tmp.resolve("plain");
        assertEquals(0, sample(plain, COND, "--classes", "0..9", "--iterations", "4").rc);
        Path plainG = tmp.resolve("plainG");
        assertEquals(0, sample(plainG, COND, "--classes", "0..9", "--guidance", "3", "--iterations", "4").rc);
        assertEquals(RunJson.read(plain.resolve("run.json")).path("rounds").asLong(),
                RunJson.read(plainG.resolve("run.json")).path("rounds").asLong());
    }

    @Test
    void sparkParquetHasFloatVectorsAndLabelsAndReadsBackAsReferenceData() throws Exception {
        // Both placements: time-parallel writes the table from the driver's rows; sample-parallel has the
        // executors write it (float vectors and labels in their rows) and streams samples.npy back from it.
        for (String placement : new String[] {"time", "samples"}) {
            sparkTableFor(placement);
        }
    }

    @Test
    void thePredictingPlannerCalibratesAConditionalModelWithSampleIds() throws Exception {
        // --parallelism auto (the default) times model calls on an executor before the run: those rows must
        // carry sample ids too, or a class-conditional network cannot derive its labels.
        Path out = tmp.resolve("auto");
        MainTest.Run r = sample(out, COND, "--backend", "spark", "--master", "local[1]", "--classes", "3,5",
                "--samples", "4");
        assertEquals(0, r.rc, r.err);
        JsonNode plan = RunJson.read(out.resolve("run.json")).path("backend").path("parallelism");
        assertEquals(false, plan.path("forced").asBoolean(), plan.toString());
        assertTrue(plan.path("planner").path("calibration").isObject(), "the predicting planner ran: " + plan);
    }

    private void sparkTableFor(String placement) throws Exception {
        Path out = tmp.resolve("spark-" + placement);
        MainTest.Run r = sample(out, COND, "--backend", "spark", "--master", "local[1]", "--classes", "3,5",
                "--dtype", "float32", "--samples", "6", "--parallelism", placement);
        assertEquals(0, r.rc, r.err);
        assertEquals(placement, RunJson.read(out.resolve("run.json")).path("backend").path("parallelism").path("mode").asText(),
                "placement");
        Path pq = out.resolve("samples.parquet");
        double[] x = Npy.read(out.resolve("samples.npy")).data;
        // the table read back with the --reference-data reader equals samples.npy (both float32)
        Npy.Array2D back = io.piadm.io.DataFiles.read(pq.toString(), new org.apache.hadoop.conf.Configuration());
        assertEquals(6, back.rows);
        assertEquals(64, back.cols);
        java.util.Map<Long, Long> labelOf = new java.util.HashMap<>();
        java.util.Map<Long, double[]> rowOf = new java.util.HashMap<>();
        try (java.util.stream.Stream<Path> files = Files.list(pq)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".parquet"))::iterator) {
                try (org.apache.parquet.hadoop.ParquetReader<org.apache.parquet.example.data.Group> rd =
                        org.apache.parquet.hadoop.ParquetReader.builder(
                                new org.apache.parquet.hadoop.example.GroupReadSupport(),
                                new org.apache.hadoop.fs.Path(f.toUri())).build()) {
                    for (var g = rd.read(); g != null; g = rd.read()) {
                        long id = g.getLong("id", 0);
                        labelOf.put(id, g.getLong("label", 0));
                        var list = g.getGroup("vector", 0);
                        double[] v = new double[64];
                        for (int k = 0; k < 64; k++) {
                            v[k] = list.getGroup(0, k).getFloat(0, 0);
                        }
                        rowOf.put(id, v);
                    }
                }
            }
        }
        for (long id = 0; id < 6; id++) {
            assertEquals(id % 2 == 0 ? 3L : 5L, labelOf.get(id), "label column");
            for (int k = 0; k < 64; k++) {
                assertEquals(x[(int) id * 64 + k], rowOf.get(id)[k], 0.0);
            }
        }
        // a second run takes the table as its reference data and reports metrics against it
        Path out2 = tmp.resolve("ref-" + placement);
        MainTest.Run r2 = sample(out2, COND, "--classes", "3,5", "--samples", "6", "--reference-data", pq.toString());
        assertEquals(0, r2.rc, r2.err);
        JsonNode m = RunJson.read(out2.resolve("run.json")).path("metrics");
        assertEquals(pq.toString(), m.path("reference_data").asText());
        assertTrue(m.path("image").path("frechet_pixels").path("value").isNumber(), m.toString());
    }

    @Test
    void denoiseFinalAddsOneRoundAndReturnsThePosteriorMean() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        String model = "onnx:src/test/resources/onnx/gauss-diffusers.onnx";
        assertEquals(0, sample(a, model, "--sampler", "sde").rc);
        MainTest.Run r = sample(b, model, "--sampler", "sde", "--denoise-final");
        assertEquals(0, r.rc, r.err);
        JsonNode ra = RunJson.read(a.resolve("run.json"));
        JsonNode rb = RunJson.read(b.resolve("run.json"));
        assertEquals(ra.path("rounds").asLong() + 1, rb.path("rounds").asLong());
        assertTrue(rb.path("denoiseFinal").path("applied").asBoolean());
        double eta = ra.path("eta").asDouble();
        double[] y = Npy.read(a.resolve("samples.npy")).data;
        double[] x0 = Npy.read(b.resolve("samples.npy")).data;
        // Exact score of N(0, 0.25 I): x0 = (y + sigma^2 score) / alpha = y alpha s^2 / v (section 11).
        double al = OuProcess.alpha(eta);
        double v = al * al * 0.25 + OuProcess.sigma2(eta);
        for (int i = 0; i < y.length; i++) {
            assertEquals(y[i] * al * 0.25 / v, x0[i], 2e-6 * Math.max(1, Math.abs(x0[i])));
        }
    }

    @Test
    void wrongOrMissingTimeConventionIsCaught() throws Exception {
        String ft = "onnx:src/test/resources/onnx/gauss-float-t.onnx";
        Path o1 = tmp.resolve("omitted");
        MainTest.Run r = sample(o1, ft);
        assertEquals(2, r.rc);
        assertTrue(r.err.contains("param=eps,time=ou does not look like this network's convention:"
                + " param=eps,time=ddpm-linear,steps=1000 fits better"), r.err);
        assertTrue(r.err.contains("time= was omitted"), r.err);
        assertFalse(Files.exists(o1), "nothing written");
        // check=warn samples anyway and records the warning
        Path o2 = tmp.resolve("warned");
        assertEquals(0, sample(o2, ft + ",check=warn").rc);
        assertEquals("warning", RunJson.read(o2.resolve("run.json")).path("timeConventionCheck").path("verdict").asText());
        // the right convention fits
        Path o3 = tmp.resolve("right");
        assertEquals(0, sample(o3, ft + ",time=ddpm-linear").rc);
        JsonNode run = RunJson.read(o3.resolve("run.json"));
        assertEquals("fits", run.path("timeConventionCheck").path("verdict").asText());
        assertTrue(run.path("model").path("timesteps").asText().startsWith("continuous"), run.path("model").toString());
    }

    @Test
    void badOptionsAreRefusedWithOneLine() {
        Path o = tmp.resolve("bad");
        MainTest.Run r = sample(o, COND, "--guidance", "2");
        assertEquals(2, r.rc);
        assertTrue(r.err.contains("--guidance needs --classes"), r.err);
        r = sample(o, "onnx:src/test/resources/onnx/gauss-cond.onnx,time=ddpm-linear");
        assertTrue(r.err.contains("the network takes a class label: give --classes LIST, or add null-label=N"), r.err);
        r = sample(o, COND, "--classes", "0,12");
        assertEquals(2, r.rc);
        assertTrue(r.err.contains("--classes: label 12 is rejected by the network"), r.err);
        r = sample(o, "gaussian:d=4", "--png-per-sample");
        assertTrue(r.err.contains("--png-per-sample applies to image-shaped models"), r.err);
        r = sample(o, COND, "--classes", "1", "--dtype", "float16");
        assertTrue(r.err.contains("--dtype must be float64 or float32, got 'float16'"), r.err);
        assertFalse(Files.exists(o));
    }
}
