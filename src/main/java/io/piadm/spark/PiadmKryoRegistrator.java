package io.piadm.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import io.piadm.model.DiagonalGaussian;
import io.piadm.sampler.PhaseTrace;
import io.piadm.sampler.StageTrace;

import org.apache.spark.serializer.KryoRegistrator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The one Kryo registrator of piadm ({@code spark.kryo.registrationRequired=true}). Everything that
 * crosses the wire as data (partition contents, broadcasts, task results) is listed in {@link #CLASSES};
 * closures go through Java serialisation and need no entry. Classes holding unmodifiable lists (traces)
 * use Kryo's {@link JavaSerializer}: Kryo 4 cannot rebuild {@code Collections.unmodifiableList}.
 */
public final class PiadmKryoRegistrator implements KryoRegistrator {
    /** Registered with Kryo's default field serializer. */
    public static final List<Class<?>> CLASSES = Collections.unmodifiableList(java.util.Arrays.asList(
            double[][].class, float[][].class, long[][].class, int[][].class,
            ArrayList.class, HashMap.class, LinkedHashMap.class,
            RowBlock.class, RowBlock[].class, ScoreBlock.class, ScoreBlock[].class,
            RoundData.class, SampleChunk.class, SampleChunk[].class,
            ResidentChunk.class, ResidentChunk[].class,
            DiagonalGaussian.class));

    /** Registered with Kryo's {@link JavaSerializer}. */
    public static final List<Class<?>> JAVA_SERIALIZED = Collections.unmodifiableList(java.util.Arrays.asList(
            StageTrace.class, PhaseTrace.class,
            // the Hadoop configuration broadcast to the tasks that write chunk checkpoints (its own writeObject)
            org.apache.spark.util.SerializableConfiguration.class));

    /**
     * Spark SQL classes that the Parquet write of the samples table sends through Kryo (found by running it
     * with registration required); by name, so this class loads without spark-sql internals at compile time.
     */
    public static final List<String> SPARK_SQL_CLASSES = Collections.unmodifiableList(java.util.Arrays.asList(
            "org.apache.spark.sql.types.ArrayType",
            "org.apache.spark.sql.types.StructType",
            "org.apache.spark.sql.types.StructField",
            "[Lorg.apache.spark.sql.types.StructField;",
            "org.apache.spark.sql.types.Metadata",
            "org.apache.spark.sql.types.LongType$",
            "org.apache.spark.sql.types.DoubleType$",
            "org.apache.spark.sql.types.FloatType$"));

    @Override
    public void registerClasses(Kryo kryo) {
        for (String n : SPARK_SQL_CLASSES) {
            try {
                kryo.register(Class.forName(n, false, Thread.currentThread().getContextClassLoader()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("Kryo registration: " + n + " not on the classpath", e);
            }
        }
        for (Class<?> c : CLASSES) {
            kryo.register(c);
        }
        for (Class<?> c : JAVA_SERIALIZED) {
            kryo.register(c, new JavaSerializer());
        }
    }
}
