package io.piadm.spark;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The samples as a Parquet table written by Spark: one row per sample, {@code id long, vector
 * array<double>} ({@code array<float>} with {@code --dtype float32}), and {@code label long} for a
 * class-conditional run (from {@link io.piadm.io.SampleFormat}). Written to a temporary sibling directory and
 * renamed into place, so the final path exists only once complete.
 */
public final class ParquetSamples {
    private ParquetSamples() {}

    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("vector", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

    /** The table's schema for a format. */
    public static StructType schema(io.piadm.io.SampleFormat f) {
        StructType s = new StructType().add("id", DataTypes.LongType, false)
                .add("vector", DataTypes.createArrayType(f.float32() ? DataTypes.FloatType : DataTypes.DoubleType, false),
                        false);
        return f.hasLabels() ? s.add("label", DataTypes.LongType, false) : s;
    }

    /** Writes {@code count x dim} rows (ids from {@code firstSample}) to {@code path} (must not exist). */
    public static void write(SparkSession spark, double[] samples, long firstSample, int count, int dim,
            Path path, int partitions) {
        write(spark, samples, firstSample, count, dim, path, partitions, io.piadm.io.SampleFormat.defaults());
    }

    /** As above, in the given format (value type, labels). */
    public static void write(SparkSession spark, double[] samples, long firstSample, int count, int dim,
            Path path, int partitions, io.piadm.io.SampleFormat format) {
        int p = Math.max(1, Math.min(partitions, count));
        List<SampleChunk> chunks = new ArrayList<>(p);
        for (int k = 0; k < p; k++) {
            int from = SparkTimeEvaluator.tileStart(count, p, k);
            int n = SparkTimeEvaluator.tileStart(count, p, k + 1) - from;
            double[] ys = new double[n * dim];
            System.arraycopy(samples, from * dim, ys, 0, n * dim);
            chunks.add(new SampleChunk(firstSample + from, n, -1, ys, null));
        }
        Path fin = path;
        Path tmp = new Path(fin.getParent(), "." + fin.getName() + ".tmp");
        try {
            FileSystem fs = fin.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(fin)) {
                throw new IllegalStateException(fin + " already exists");
            }
            if (fs.exists(tmp)) {
                fs.delete(tmp, true);
            }
            JavaRDD<Row> rows = SparkSessions.javaContext(spark).parallelize(chunks, p).flatMap(new ToRows(dim, format));
            Dataset<Row> df = spark.createDataFrame(rows, schema(format));
            df.write().parquet(tmp.toString());
            io.piadm.io.HadoopFiles.rename(fs, tmp, fin);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + path + ": " + e.getMessage(), e);
        }
    }

    /** Executor side: a chunk's rows. */
    static final class ToRows implements FlatMapFunction<SampleChunk, Row> {
        private static final long serialVersionUID = 1L;
        private final int d;
        private final io.piadm.io.SampleFormat format;

        ToRows(int dim, io.piadm.io.SampleFormat format) {
            this.d = dim;
            this.format = format;
        }

        @Override
        public Iterator<Row> call(SampleChunk c) {
            List<Row> out = new ArrayList<>(c.count);
            for (int i = 0; i < c.count; i++) {
                Object v;
                if (format.float32()) {
                    float[] f = new float[d];
                    for (int k = 0; k < d; k++) {
                        f[k] = (float) c.state[i * d + k];
                    }
                    v = f;
                } else {
                    double[] a = new double[d];
                    System.arraycopy(c.state, i * d, a, 0, d);
                    v = a;
                }
                long id = c.firstId + i;
                out.add(format.hasLabels() ? RowFactory.create(id, v, format.label(id)) : RowFactory.create(id, v));
            }
            return out.iterator();
        }
    }

    /** Reads a table back as {@code count x dim} rows in id order (tests, tools). */
    public static double[] read(SparkSession spark, String path, long firstSample, int count, int dim) {
        List<Row> rows = spark.read().parquet(path).orderBy("id").collectAsList();
        if (rows.size() != count) {
            throw new IllegalStateException(path + " holds " + rows.size() + " rows, expected " + count);
        }
        double[] out = new double[count * dim];
        for (int i = 0; i < count; i++) {
            Row r = rows.get(i);
            if (r.getLong(0) != firstSample + i) {
                throw new IllegalStateException(path + ": row " + i + " has id " + r.getLong(0));
            }
            List<Double> v = r.getList(1);
            for (int k = 0; k < dim; k++) {
                out[i * dim + k] = v.get(k);
            }
        }
        return out;
    }
}
