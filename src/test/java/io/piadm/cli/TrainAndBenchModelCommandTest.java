package io.piadm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainAndBenchModelCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainWritesModelReportAndPlotThatSampleCanUse() throws Exception {
        Path out = dir.resolve("m");
        MainTest.Run r = MainTest.exec("train", "--dataset", "gmm:d=3,k=2", "--out", out.toString(), "--seed", "3",
                "--epochs", "2", "--train-size", "256", "--batch-size", "32", "--hidden", "16,16");
        assertEquals(0, r.rc, r.err);
        assertTrue(Files.exists(out.resolve("model.onnx")) && Files.exists(out.resolve("model.loss.png")));
        JsonNode rep = new ObjectMapper().readTree(out.resolve("model.report.json").toFile());
        assertEquals("piadm train --dataset gmm:d=3,k=2 --out " + out + " --seed 3 --epochs 2 --train-size 256"
                + " --batch-size 32 --hidden 16,16", rep.get("command").asText());
        assertEquals(2, rep.get("lossPerEpoch").size());
        // the same files are not overwritten without --overwrite, and nothing changes
        byte[] before = Files.readAllBytes(out.resolve("model.onnx"));
        MainTest.Run again = MainTest.exec("train", "--out", out.toString(), "--epochs", "1");
        assertEquals(2, again.rc);
        assertTrue(again.err.contains("already holds model.onnx"), again.err);
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(out.resolve("model.onnx"))));
        // the trained model samples end to end through the CLI
        Path s = dir.resolve("s");
        MainTest.Run sample = MainTest.exec("sample", "--model", "onnx:" + out.resolve("model.onnx"), "--sampler",
                "piadm-sde", "--samples", "8", "--seed", "1", "--out", s.toString(), "--steps-per-block", "8",
                "--threads", "1");
        assertEquals(0, sample.rc, sample.err);
        assertTrue(Files.exists(s.resolve("run.json")));
    }

    @Test
    void trainRejectsBadInputWithOneLineAndWritesNothing() {
        Path out = dir.resolve("bad");
        String[][] cases = {
            {"--dataset", "spirals"}, {"--epochs", "0"}, {"--hidden", "0"}, {"--lr", "-1"},
            {"--dataset", "gmm:d=0"}, {"--name", "a/b"}, {"--t-min", "2", "--t-max", "1"},
        };
        String[] expect = {"--dataset must be one of", "--epochs must be an integer in [1, 1000000], got 0",
            "--hidden widths must be integers in [1, 4096], got 0", "--lr must be a number in (0, 1.0], got -1.0",
            "d must be an integer in [1, 65536], got 0", "--name must use letters", "--t-min and --t-max must satisfy"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 3];
            args[0] = "train";
            args[1] = "--out";
            args[2] = out.toString();
            System.arraycopy(cases[i], 0, args, 3, cases[i].length);
            MainTest.Run r = MainTest.exec(args);
            assertEquals(2, r.rc, String.join(" ", args));
            assertTrue(r.err.contains(expect[i]), r.err);
            assertEquals(1, r.err.strip().split("\n").length, r.err);
            assertFalse(Files.exists(out), "nothing written for " + String.join(" ", args));
        }
    }

    @Test
    void benchModelPrintsEvaluationsPerSecondPerBatchSize() {
        MainTest.Run r = MainTest.exec("bench", "model", "--model", "onnx:models/two-moons.onnx", "--max-batch", "64",
                "--rounds", "3", "--min-seconds", "0", "--master", "local[2]", "--partitions", "2");
        assertEquals(0, r.rc, r.err);
        int spark = r.out.indexOf("per Spark round");
        assertTrue(spark > 0, r.out);
        for (String b : new String[] {"       1 ", "       4 ", "      16 ", "      64 "}) {
            int inProcess = r.out.indexOf("\n" + b);
            assertTrue(inProcess > 0 && inProcess < spark, "in-process row " + b + ": " + r.out);
            assertTrue(r.out.indexOf("\n" + b, spark) > spark, "Spark row " + b + ": " + r.out);
        }
        MainTest.Run bad = MainTest.exec("bench", "model", "--model", "onnx:models/nope.onnx");
        assertEquals(2, bad.rc);
        assertTrue(bad.err.contains("--model onnx:models/nope.onnx: no such model file"), bad.err);
    }
}
