package io.piadm.train;

import io.piadm.config.AsFlags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    @TempDir
    Path dir;

    static TrainConfig tiny(long seed) {
        return new TrainConfig().dataset("eight-gaussians").seed(seed).epochs(3).trainSize(512).batchSize(32)
                .hidden(16, 16);
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        Trainer.Result a = Trainer.train(tiny(42));
        Trainer.Result b = Trainer.train(tiny(42));
        Trainer.Result c = Trainer.train(tiny(43));
        assertArrayEquals(a.network().parameters(), b.network().parameters(), 0.0);
        assertArrayEquals(a.lossPerEpoch(), b.lossPerEpoch(), 0.0);
        assertFalse(java.util.Arrays.equals(a.network().parameters(), c.network().parameters()));
    }

    /** Finite-difference check of the hand-written backward pass on one batch. */
    @Test
    void gradientsMatchFiniteDifferences() {
        EpsMlp net = EpsMlpOnnxTest.randomNet(3, new int[] {8, 8}, 1);
        double[][] in = EpsMlpOnnxTest.rows(5, 3, 2);
        double[] target = EpsMlpOnnxTest.rows(5, 3, 3)[0];
        EpsMlp.Activations act = new EpsMlp.Activations(net, 5);
        act.forward(net, in[0], in[1], 5);
        double[] g = new double[15];
        for (int i = 0; i < 15; i++) {
            g[i] = 2 * (act.h[net.layers()][i] - target[i]);
        }
        double[][] gw = new double[net.layers()][];
        double[][] gb = new double[net.layers()][];
        for (int l = 0; l < net.layers(); l++) {
            gw[l] = new double[net.w[l].length];
            gb[l] = new double[net.b[l].length];
        }
        net.backward(act, g, 5, gw, gb);
        for (int l = 0; l < net.layers(); l++) {
            for (int i = 0; i < net.w[l].length; i += 5) {
                double keep = net.w[l][i];
                double h = 1e-6;
                net.w[l][i] = keep + h;
                double up = loss(net, in, target);
                net.w[l][i] = keep - h;
                double down = loss(net, in, target);
                net.w[l][i] = keep;
                assertEquals((up - down) / (2 * h), gw[l][i], 1e-6 * Math.max(1, Math.abs(gw[l][i])), "w" + l + "[" + i + "]");
            }
            for (int i = 0; i < net.b[l].length; i++) {
                double keep = net.b[l][i];
                double h = 1e-6;
                net.b[l][i] = keep + h;
                double up = loss(net, in, target);
                net.b[l][i] = keep - h;
                double down = loss(net, in, target);
                net.b[l][i] = keep;
                assertEquals((up - down) / (2 * h), gb[l][i], 1e-6 * Math.max(1, Math.abs(gb[l][i])), "b" + l + "[" + i + "]");
            }
        }
    }

    private static double loss(EpsMlp net, double[][] in, double[] target) {
        double[] out = new double[15];
        net.forward(in[0], in[1], 5, out);
        double s = 0;
        for (int i = 0; i < 15; i++) {
            s += (out[i] - target[i]) * (out[i] - target[i]);
        }
        return s;
    }

    @Test
    void trainingReducesTheLossAndWritesModelReportAndPlot() throws Exception {
        TrainConfig c = new TrainConfig().dataset("gmm:d=3,k=2").seed(1).epochs(6).trainSize(1024).batchSize(32)
                .hidden(32, 32);
        Trainer.Result r = Trainer.train(c);
        double[] loss = r.lossPerEpoch();
        assertTrue(loss[loss.length - 1] < loss[0], "loss falls: " + java.util.Arrays.toString(loss));
        Trainer.Outputs o = Trainer.write(r, dir.resolve("out"), "model", "piadm train ...");
        JsonNode rep = new ObjectMapper().readTree(o.report.toFile());
        assertEquals(6, rep.get("lossPerEpoch").size());
        assertEquals(1, rep.get("seed").asLong());
        assertEquals(3, rep.get("dataset").get("dim").asInt());
        assertEquals(io.piadm.io.Hashing.sha256Hex(Files.readAllBytes(o.model)), rep.get("modelSha256").asText());
        BufferedImage img = ImageIO.read(o.lossPlot.toFile());
        assertEquals(720, img.getWidth());
        assertEquals(3, io.piadm.model.onnx.OnnxModelSpec.parse(o.model.toString()).dim());
    }

    @Test
    void badSettingsNameTheOption() {
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> Trainer.train(new TrainConfig().dataset("spirals")))).startsWith("--dataset must be one of"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> Trainer.train(new TrainConfig().epochs(0)))).startsWith("--epochs must be"));
        assertTrue(AsFlags.message(assertThrows(IllegalArgumentException.class,
                () -> ToyDataset.parse("gmm:d=0"))).contains("d must be an integer in [1, 65536]"));
    }

    @Test
    void datasetsHaveTheirDocumentedMoments() {
        int n = 20000;
        double[] moons = ToyDataset.parse("two-moons").sample(1, n);
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += moons[2 * i];
            my += moons[2 * i + 1];
        }
        // centred: E[x] = 1/2 - 1/2 = 0, E[y] = (2/pi + 1/2 - 2/pi)/2 - 1/4 = 0
        assertEquals(0, mx / n, 0.02);
        assertEquals(0, my / n, 0.02);
        double[] eight = ToyDataset.parse("eight-gaussians").sample(2, n);
        double r2 = 0;
        for (int i = 0; i < n; i++) {
            r2 += eight[2 * i] * eight[2 * i] + eight[2 * i + 1] * eight[2 * i + 1];
        }
        assertEquals(4 + 2 * 0.15 * 0.15, r2 / n, 0.05); // E|x|^2 = R^2 + 2 s^2
        double[] board = ToyDataset.parse("checkerboard").sample(3, n);
        for (int i = 0; i < n; i++) {
            int cx = (int) Math.floor(board[2 * i] + 2);
            int cy = (int) Math.floor(board[2 * i + 1] + 2);
            assertEquals(0, (cx + cy) % 2, "on a dark square");
        }
        assertEquals(5, ToyDataset.parse("gmm:d=5,k=3").dim());
        assertArrayEquals(ToyDataset.parse("swiss-roll").sample(4, 10), ToyDataset.parse("swiss-roll").sample(4, 10), 0.0);
    }

    /** The committed model is the one its report describes, and loads as a 2-D eps/OU model. */
    @Test
    void committedModelMatchesItsReport() throws Exception {
        Path model = Path.of("models/two-moons.onnx");
        JsonNode rep = new ObjectMapper().readTree(Path.of("models/two-moons.report.json").toFile());
        byte[] bytes = Files.readAllBytes(model);
        assertTrue(bytes.length < 1 << 20, "well under 1 MB: " + bytes.length);
        assertEquals(rep.get("modelSha256").asText(), io.piadm.io.Hashing.sha256Hex(bytes));
        assertEquals("two-moons", rep.get("dataset").get("name").asText());
        assertEquals(rep.get("config").get("epochs").asInt(), rep.get("lossPerEpoch").size());
        io.piadm.model.onnx.OnnxModelSpec s = io.piadm.model.onnx.OnnxModelSpec.parse(model.toString());
        assertEquals(2, s.dim());
        assertEquals(rep.get("modelSha256").asText(), s.sha256());
    }
}
