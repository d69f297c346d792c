package io.piadm.spark;

import io.piadm.config.AsFlags;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparkSessionsTest {
    @Test
    void confHasKryoWithRegistrationAndLoopbackDriverForLocalMasters() {
        SparkConf c = SparkSessions.conf(new SparkSessions.Options().master("local[3]").ui(false));
        assertEquals("local[3]", c.get("spark.master"));
        assertEquals("org.apache.spark.serializer.KryoSerializer", c.get("spark.serializer"));
        assertEquals("true", c.get("spark.kryo.registrationRequired"));
        assertEquals(PiadmKryoRegistrator.class.getName(), c.get("spark.kryo.registrator"));
        assertEquals("127.0.0.1", c.get("spark.driver.host"));
        assertEquals("false", c.get("spark.ui.enabled"));
    }

    @Test
    void explicitMasterWinsAndBadMastersAreRefusedByName() {
        assertEquals("spark://h:7077", SparkSessions.resolveMaster(" spark://h:7077 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkSessions.conf(new SparkSessions.Options().master("local[0]")));
        assertTrue(AsFlags.message(e).startsWith("--master must be local, local[N]"), AsFlags.message(e));
        assertThrows(IllegalArgumentException.class, () -> SparkSessions.conf(new SparkSessions.Options().master("mesos://x")));
    }

    @Test
    void anUnreachableMasterFailsFastNamingTheUrl() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "spark://127.0.0.1:" + port;
        long t0 = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkSessions.getOrCreate(new SparkSessions.Options().master(url).ui(false)));
        assertTrue(AsFlags.message(e).startsWith("--master " + url + ": cannot reach the Spark master"), AsFlags.message(e));
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "fails within seconds");
    }
}
