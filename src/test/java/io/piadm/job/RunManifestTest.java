package io.piadm.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.piadm.io.RunJson;
import io.piadm.sampler.SamplingListener;
import io.piadm.sampler.SamplingResult;
import io.piadm.schedule.Block;
import io.piadm.schedule.Schedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunManifestTest {
    @TempDir
    Path tmp;

    @Test
    void runJsonHasTheRequiredFieldsConsistentWithTheResult() throws Exception {
        SampleJob job = LocalBackendTest.job("piadm-ode", 7, 0, 3, 1);
        LocalBackend be = new LocalBackend();
        SamplingResult res = be.run(job, SamplingListener.NONE);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("klGaussian", 0.25);
        LinkedHashMap<String, Object> m = RunManifest.build(job, be, res, metrics);
        Path f = tmp.resolve("run.json");
        RunJson.write(f, m);
        JsonNode j = RunJson.read(f);

        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = j.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        List<String> required = List.of("sampler", "model", "dim", "samples", "seed", "rounds", "evaluations",
                "evaluationsTotal", "eta", "horizon", "schedule", "picard", "corrector", "blocks", "wallSeconds",
                "backend", "identity", "configHash", "provenance", "metrics");
        assertTrue(keys.containsAll(required), "missing: " + required + " vs " + keys);
        int last = -1;
        for (String k : required) {
            assertTrue(keys.indexOf(k) > last, "key order: " + k);
            last = keys.indexOf(k);
        }

        assertEquals("piadm-ode", j.get("sampler").asText());
        assertEquals("gaussian", j.get("model").get("type").asText());
        assertEquals(0.5, j.get("model").get("mean").get(0).asDouble());
        assertEquals(0.7, j.get("model").get("std").get(3).asDouble());
        assertEquals(4, j.get("dim").asInt());
        assertEquals(7, j.get("samples").asInt());
        assertEquals(11, j.get("seed").asLong());
        assertEquals(res.rounds(), j.get("rounds").asLong());
        assertEquals(res.evaluationsTotal(), j.get("evaluationsTotal").asLong());
        assertEquals((double) res.evaluationsTotal() / 7, j.get("evaluations").asDouble());
        assertEquals(8, j.get("schedule").get("stepsPerBlock").asInt());
        assertEquals("tolerance", j.get("picard").get("mode").asText());
        assertTrue(j.get("corrector").get("enabled").asBoolean());
        assertEquals("local", j.get("backend").get("name").asText());
        assertEquals(0.25, j.get("metrics").get("klGaussian").asDouble());
        assertFalse(j.get("provenance").get("javaVersion").asText().isEmpty());
        for (String k : List.of("piadmVersion", "gitCommit", "os", "arch", "sparkVersion", "onnxRuntimeVersion")) {
            assertTrue(j.get("provenance").has(k), "provenance records " + k);
        }
        assertEquals("4.2.0", j.get("provenance").get("sparkVersion").asText());
        // The config hash is the hash of the identity printed beside it, and resources are not part of it.
        assertEquals(job.identity().hash(), j.get("configHash").asText());
        assertEquals(11, j.get("identity").get("seed").asLong());
        assertEquals(job.identity().hash(), LocalBackendTest.job("piadm-ode", 7, 0, 5, 2).identity().hash(),
                "batch size and threads never change a sample, so not the identity");
        assertNotEquals(job.identity().hash(), LocalBackendTest.job("piadm-ode", 7, 1, 3, 1).identity().hash(),
                "other sample ids are another run");

        Schedule s = job.config().schedule();
        assertEquals(s.eta(), j.get("eta").asDouble());
        assertEquals(s.horizon(), j.get("horizon").asDouble());
        JsonNode blocks = j.get("blocks");
        assertEquals(s.blockCount(), blocks.size());
        long rounds = 0;
        long points = 0;
        for (int b = 0; b < blocks.size(); b++) {
            JsonNode bl = blocks.get(b);
            assertEquals(b, bl.get("index").asInt());
            Block blk = s.block(b);
            for (int i = 0; i <= blk.steps(); i++) {
                assertEquals(blk.time(i), bl.get("forwardTimes").get(i).asDouble());
            }
            assertEquals(2, bl.get("phases").size());
            assertEquals("predictor", bl.get("phases").get(0).get("phase").asText());
            assertEquals("corrector", bl.get("phases").get(1).get("phase").asText());
            for (JsonNode p : bl.get("phases")) {
                rounds += p.get("sweeps").asLong();
                points += p.get("pointsEvaluated").asLong();
                assertEquals(p.get("sweeps").asInt(), p.get("residuals").size());
            }
        }
        assertEquals(res.rounds(), rounds);
        assertEquals(res.evaluationsTotal(), points);
    }
}
