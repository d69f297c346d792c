package io.piadm.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A user's data set read from disk as plain numbers (never deserialised objects): a NumPy {@code .npy} file
 * (any rank: N rows of the product of the other dims; float64, float32, int or uint8), a Parquet file or
 * directory (a column {@code vector} of numeric arrays, as {@code samples.parquet} has, or else every numeric
 * top-level column as one coordinate), or the bundled {@code sklearn-digits-8x8} (sklearn's 1797 8x8 digits,
 * pixel values 0..16, as a resource; mapped to [-1, 1] by {@code v / 8 - 1} like the digits models' training).
 */
public final class DataFiles {
    public static final String DIGITS = "sklearn-digits-8x8";
    private static final String DIGITS_RESOURCE = "/data/sklearn-digits-8x8.npy";

    private DataFiles() {}

    /** True when {@code spec} names a file this class reads rather than a generated data set. */
    public static boolean isFile(String spec) {
        String s = spec.toLowerCase(java.util.Locale.ROOT);
        return s.endsWith(".npy") || s.endsWith(".parquet") || s.endsWith(".parquet/") || s.equals(DIGITS);
    }

    /** Reads the rows of {@code spec} (see the class comment). */
    public static Npy.Array2D read(String spec, Configuration conf) throws IOException {
        if (spec.equals(DIGITS)) {
            try (InputStream in = DataFiles.class.getResourceAsStream(DIGITS_RESOURCE)) {
                if (in == null) {
                    throw new IOException("the bundled " + DIGITS + " data are missing from the classpath");
                }
                Npy.Array2D a = Npy.read(new java.io.BufferedInputStream(in), DIGITS);
                for (int i = 0; i < a.data.length; i++) {
                    a.data[i] = a.data[i] / 8.0 - 1.0;
                }
                return a;
            }
        }
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(spec);
        FileSystem fs = p.getFileSystem(conf);
        if (spec.toLowerCase(java.util.Locale.ROOT).endsWith(".npy")) {
            try (InputStream in = new java.io.BufferedInputStream(fs.open(p), 1 << 16)) {
                return Npy.read(in, spec);
            }
        }
        return readParquet(fs, p, conf);
    }

    private static Npy.Array2D readParquet(FileSystem fs, org.apache.hadoop.fs.Path p, Configuration conf)
            throws IOException {
        List<org.apache.hadoop.fs.Path> files = new ArrayList<>();
        FileStatus st = fs.getFileStatus(p);
        if (st.isDirectory()) {
            for (FileStatus f : fs.listStatus(p)) {
                String n = f.getPath().getName();
                if (f.isFile() && n.endsWith(".parquet") && !n.startsWith(".") && !n.startsWith("_")) {
                    files.add(f.getPath());
                }
            }
            files.sort(null);
        } else {
            files.add(p);
        }
        if (files.isEmpty()) {
            throw new IOException(p + " holds no .parquet files");
        }
        List<double[]> rows = new ArrayList<>();
        int cols = -1;
        for (org.apache.hadoop.fs.Path f : files) {
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), f).withConf(conf).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    double[] row = row(g, p.toString());
                    if (cols >= 0 && row.length != cols) {
                        throw new IOException(p + ": rows have " + cols + " and " + row.length + " values");
                    }
                    cols = row.length;
                    rows.add(row);
                }
            }
        }
        if (rows.isEmpty() || cols <= 0) {
            throw new IOException(p + " holds no rows of numbers");
        }
        double[] data = new double[rows.size() * cols];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, data, i * cols, cols);
        }
        return new Npy.Array2D(rows.size(), cols, data);
    }

    /** One record: its {@code vector} array column, else all numeric top-level columns. */
    private static double[] row(Group g, String name) throws IOException {
        GroupType t = g.getType();
        if (t.containsField("vector") && !t.getType("vector").isPrimitive()) {
            Group list = g.getGroup("vector", 0);
            List<Double> v = new ArrayList<>();
            collect(list, v, name);
            double[] a = new double[v.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = v.get(i);
            }
            return a;
        }
        List<Double> v = new ArrayList<>();
        for (int i = 0; i < t.getFieldCount(); i++) {
            Type f = t.getType(i);
            if (f.isPrimitive() && !f.getName().equals("id") && !f.getName().equals("label")
                    && g.getFieldRepetitionCount(i) == 1) {
                Double x = number(g, i, 0, f.asPrimitiveType());
                if (x != null) {
                    v.add(x);
                }
            }
        }
        if (v.isEmpty()) {
            throw new IOException(name + ": no 'vector' array column and no numeric columns");
        }
        double[] a = new double[v.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = v.get(i);
        }
        return a;
    }

    /** The numbers of a (possibly nested) Parquet list group, in order. */
    private static void collect(Group g, List<Double> out, String name) throws IOException {
        GroupType t = g.getType();
        for (int i = 0; i < t.getFieldCount(); i++) {
            Type f = t.getType(i);
            int n = g.getFieldRepetitionCount(i);
            for (int k = 0; k < n; k++) {
                if (f.isPrimitive()) {
                    Double x = number(g, i, k, f.asPrimitiveType());
                    if (x == null) {
                        throw new IOException(name + ": 'vector' holds non-numeric values");
                    }
                    out.add(x);
                } else {
                    collect(g.getGroup(i, k), out, name);
                }
            }
        }
    }

    private static Double number(Group g, int field, int index, PrimitiveType p) {
        switch (p.getPrimitiveTypeName()) {
            case DOUBLE:
                return g.getDouble(field, index);
            case FLOAT:
                return (double) g.getFloat(field, index);
            case INT32:
                return (double) g.getInteger(field, index);
            case INT64:
                return (double) g.getLong(field, index);
            default:
                return null;
        }
    }
}
