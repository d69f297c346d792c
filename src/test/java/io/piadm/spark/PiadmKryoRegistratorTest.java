package io.piadm.spark;

import io.piadm.model.DiagonalGaussian;
import io.piadm.sampler.PhaseTrace;
import io.piadm.sampler.StageTrace;

import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A Kryo round trip, with registration required, for every class the registrator lists. */
class PiadmKryoRegistratorTest {
    private static SerializerInstance kryo() {
        return new KryoSerializer(SparkSessions.conf(new SparkSessions.Options().master("local[1]"))).newInstance();
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(SerializerInstance k, T value) {
        ByteBuffer b = k.serialize(value, scala.reflect.ClassTag$.MODULE$.AnyRef());
        return (T) k.deserialize(b, scala.reflect.ClassTag$.MODULE$.AnyRef());
    }

    /** One example per registered class and a check that it came back equal. */
    private static Map<Class<?>, Object[]> examples() {
        Map<Class<?>, Object[]> m = new LinkedHashMap<>();
        BiConsumer<Object, Object> deep = (a, b) -> assertEquals(java.util.Arrays.deepToString(new Object[] {a}),
                java.util.Arrays.deepToString(new Object[] {b}));
        m.put(double[][].class, new Object[] {new double[][] {{1.5, -0.0}, {Double.MIN_VALUE}}, deep});
        m.put(float[][].class, new Object[] {new float[][] {{1.5f}, {}}, deep});
        m.put(long[][].class, new Object[] {new long[][] {{Long.MIN_VALUE, 3}}, deep});
        m.put(int[][].class, new Object[] {new int[][] {{7}, {8, 9}}, deep});
        ArrayList<Object> list = new ArrayList<>(List.of(1, "two", 3.0));
        m.put(ArrayList.class, new Object[] {list, deep});
        HashMap<String, Object> hm = new HashMap<>(Map.of("a", 1L, "b", "x"));
        m.put(HashMap.class, new Object[] {hm, deep});
        LinkedHashMap<String, Object> lhm = new LinkedHashMap<>();
        lhm.put("z", 1);
        lhm.put("a", 2.5);
        m.put(LinkedHashMap.class, new Object[] {lhm, (BiConsumer<Object, Object>) (a, b) ->
                assertEquals(new ArrayList<>(((Map<?, ?>) a).entrySet()), new ArrayList<>(((Map<?, ?>) b).entrySet()))});
        RowBlock rb = new RowBlock(3, 2, new double[] {1, 2, 3, 4}, new double[] {0.5, 0.25}, new long[] {7, 1L << 40});
        BiConsumer<Object, Object> rowCheck = (a, b) -> {
            RowBlock x = (RowBlock) a;
            RowBlock y = (RowBlock) b;
            assertEquals(x.from, y.from);
            assertEquals(x.rows, y.rows);
            assertArrayEquals(x.x, y.x);
            assertArrayEquals(x.t, y.t);
            assertArrayEquals(x.ids, y.ids);
        };
        m.put(RowBlock.class, new Object[] {rb, rowCheck});
        m.put(RowBlock[].class, new Object[] {new RowBlock[] {rb}, (BiConsumer<Object, Object>) (a, b) ->
                rowCheck.accept(((RowBlock[]) a)[0], ((RowBlock[]) b)[0])});
        ScoreBlock sb = new ScoreBlock(5, 1, new double[] {-1.25, 9});
        BiConsumer<Object, Object> scoreCheck = (a, b) -> {
            assertEquals(((ScoreBlock) a).from, ((ScoreBlock) b).from);
            assertEquals(((ScoreBlock) a).rows, ((ScoreBlock) b).rows);
            assertArrayEquals(((ScoreBlock) a).scores, ((ScoreBlock) b).scores);
        };
        m.put(ScoreBlock.class, new Object[] {sb, scoreCheck});
        m.put(ScoreBlock[].class, new Object[] {new ScoreBlock[] {sb, sb}, (BiConsumer<Object, Object>) (a, b) ->
                scoreCheck.accept(((ScoreBlock[]) a)[1], ((ScoreBlock[]) b)[1])});
        m.put(RoundData.class, new Object[] {new RoundData(1, new double[] {2, 3}, new double[] {0.1}, new long[] {4}),
                (BiConsumer<Object, Object>) (a, b) -> {
                    assertEquals(((RoundData) a).rows, ((RoundData) b).rows);
                    assertArrayEquals(((RoundData) a).x, ((RoundData) b).x);
                    assertArrayEquals(((RoundData) a).t, ((RoundData) b).t);
                    assertArrayEquals(((RoundData) a).ids, ((RoundData) b).ids);
                }});
        StageTrace trace = new StageTrace(2, new double[] {1.0, 0.5},
                List.of(new PhaseTrace("predictor", 3, new double[] {0.5, 0.01, 1e-5}, 42)));
        BiConsumer<Object, Object> traceCheck = (a, b) -> assertEquals(a.toString(), b.toString());
        SampleChunk sc = new SampleChunk(9, 1, 4, new double[] {1, 2}, trace);
        BiConsumer<Object, Object> chunkCheck = (a, b) -> {
            SampleChunk x = (SampleChunk) a;
            SampleChunk y = (SampleChunk) b;
            assertEquals(x.firstId, y.firstId);
            assertEquals(x.count, y.count);
            assertEquals(x.stage, y.stage);
            assertArrayEquals(x.state, y.state);
            assertEquals(String.valueOf(x.trace), String.valueOf(y.trace));
        };
        m.put(SampleChunk.class, new Object[] {sc, chunkCheck});
        m.put(SampleChunk[].class, new Object[] {new SampleChunk[] {sc}, (BiConsumer<Object, Object>) (a, b) ->
                chunkCheck.accept(((SampleChunk[]) a)[0], ((SampleChunk[]) b)[0])});
        ResidentChunk rc = new ResidentChunk(17, 1L << 33, 5, new long[] {(1L << 33) + 1, (1L << 33) + 4}, true);
        BiConsumer<Object, Object> residentCheck = (a, b) -> {
            ResidentChunk x = (ResidentChunk) a;
            ResidentChunk y = (ResidentChunk) b;
            assertEquals(x.index, y.index);
            assertEquals(x.firstId, y.firstId);
            assertEquals(x.count, y.count);
            assertArrayEquals(x.subsampleIds, y.subsampleIds);
            assertEquals(x.hadCheckpoint, y.hadCheckpoint);
        };
        m.put(ResidentChunk.class, new Object[] {rc, residentCheck});
        m.put(ResidentChunk[].class, new Object[] {new ResidentChunk[] {rc}, (BiConsumer<Object, Object>) (a, b) ->
                residentCheck.accept(((ResidentChunk[]) a)[0], ((ResidentChunk[]) b)[0])});
        org.apache.hadoop.conf.Configuration hc = new org.apache.hadoop.conf.Configuration(false);
        hc.set("piadm.test.key", "a value");
        m.put(org.apache.spark.util.SerializableConfiguration.class, new Object[] {
            new org.apache.spark.util.SerializableConfiguration(hc), (BiConsumer<Object, Object>) (a, b) -> assertEquals(
                    "a value", ((org.apache.spark.util.SerializableConfiguration) b).value().get("piadm.test.key"))});
        DiagonalGaussian g = new DiagonalGaussian(new double[] {1, 2}, new double[] {0.5, 3});
        m.put(DiagonalGaussian.class, new Object[] {g, (BiConsumer<Object, Object>) (a, b) -> {
            assertEquals(((DiagonalGaussian) a).id(), ((DiagonalGaussian) b).id());
            assertArrayEquals(((DiagonalGaussian) a).std(), ((DiagonalGaussian) b).std());
        }});
        m.put(StageTrace.class, new Object[] {trace, traceCheck});
        m.put(PhaseTrace.class, new Object[] {trace.phases().get(0), traceCheck});
        return m;
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyRegisteredClassRoundTrips() {
        SerializerInstance k = kryo();
        Map<Class<?>, Object[]> ex = examples();
        List<Class<?>> all = new ArrayList<>(PiadmKryoRegistrator.CLASSES);
        all.addAll(PiadmKryoRegistrator.JAVA_SERIALIZED);
        for (Class<?> c : all) {
            Object[] e = ex.get(c);
            assertNotNull(e, "no round-trip example for registered class " + c.getName());
            Object back = roundTrip(k, e[0]);
            assertEquals(c, back.getClass());
            ((BiConsumer<Object, Object>) e[1]).accept(e[0], back);
        }
        assertEquals(all.size(), ex.size(), "every example is for a registered class");
    }

    @Test
    void theSamplesTableSchemaAndItsPartsRoundTrip() {
        SerializerInstance k = kryo();
        org.apache.spark.sql.types.StructType schema = ParquetSamples.SCHEMA;
        Object[] parts = {schema, schema.fields(), schema.fields()[0], schema.fields()[1].dataType(),
            schema.fields()[0].metadata(), org.apache.spark.sql.types.DataTypes.LongType,
            org.apache.spark.sql.types.DataTypes.DoubleType, org.apache.spark.sql.types.DataTypes.FloatType,
            ParquetSamples.schema(new io.piadm.io.SampleFormat(true, new long[] {1, 2}))};
        java.util.Set<String> covered = new java.util.HashSet<>();
        for (Object p : parts) {
            Object back = roundTrip(k, p);
            assertEquals(java.util.Arrays.deepToString(new Object[] {p}), java.util.Arrays.deepToString(new Object[] {back}));
            covered.add(p.getClass().getName());
        }
        assertEquals(new java.util.HashSet<>(PiadmKryoRegistrator.SPARK_SQL_CLASSES), covered,
                "every registered Spark SQL class is exercised");
    }

    @Test
    void anUnregisteredClassFailsLoudly() {
        assertThrows(IllegalArgumentException.class, () -> roundTrip(kryo(), new java.util.TreeMap<String, String>()));
    }
}
