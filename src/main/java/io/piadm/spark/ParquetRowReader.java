package io.piadm.spark;

import io.piadm.sampler.SampleSource;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams a samples table ({@code id long, vector array<double>}, {@link ParquetSamples#SCHEMA}) on the
 * driver, row by row, in id order, with the memory of one row group: the part files are read in the order
 * of their task partition ({@code part-NNNNN-...}), which is the order of the id ranges, and each part's
 * rows in file order, which is the order the task emitted them. Every id is checked against the next one
 * expected, so a table that is not what the run wrote fails loudly instead of giving shuffled rows. Reads
 * with parquet-hadoop's record API into a reused {@code double[]}: no boxing, no Spark job.
 */
final class ParquetRowReader {
    private static final Pattern PART = Pattern.compile("part-(\\d+)-.*\\.parquet");

    private ParquetRowReader() {}

    /** The table's part files, in partition order. */
    static List<Path> parts(FileSystem fs, Path table) throws IOException {
        List<FileStatus> files = new ArrayList<>();
        for (FileStatus st : fs.listStatus(table)) {
            if (st.isFile() && PART.matcher(st.getPath().getName()).matches()) {
                files.add(st);
            }
        }
        files.sort(Comparator.comparingLong(st -> partition(st.getPath().getName())));
        List<Path> out = new ArrayList<>();
        for (FileStatus st : files) {
            out.add(st.getPath());
        }
        return out;
    }

    private static long partition(String name) {
        Matcher m = PART.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Visits the {@code count} rows of ids {@code first ..} in order; throws when an id is out of sequence,
     * a vector does not have {@code dim} values, or the table has more or fewer rows.
     */
    static void forEachRow(Configuration conf, Path table, long first, long count, int dim,
            SampleSource.RowVisitor visitor) throws IOException {
        FileSystem fs = table.getFileSystem(conf);
        long expected = first;
        for (Path part : parts(fs, table)) {
            Rows rows = new Rows(dim);
            try (ParquetReader<Rows> r = ParquetReader.builder(new Support(rows), part).withConf(conf).build()) {
                while (r.read() != null) {
                    if (rows.id != expected) {
                        throw new IOException(table + ": part " + part.getName() + " has id " + rows.id + " where id "
                                + expected + " was expected (not the table this run wrote)");
                    }
                    if (rows.n != dim) {
                        throw new IOException(table + ": row " + rows.id + " has " + rows.n + " values, expected " + dim);
                    }
                    if (expected - first >= count) {
                        throw new IOException(table + " holds more than " + count + " rows");
                    }
                    visitor.row(rows.id, rows.values, 0);
                    expected++;
                }
            }
        }
        if (expected - first != count) {
            throw new IOException(table + " holds " + (expected - first) + " rows, expected " + count);
        }
    }

    /** The current row: its id and values (reused from row to row). */
    static final class Rows {
        final double[] values;
        long id = -1;
        int n;

        Rows(int dim) {
            this.values = new double[dim];
        }
    }

    /** Reads the whole file schema into {@link Rows}: the INT64 leaf {@code id} is the id, DOUBLE (or FLOAT) leaves are the vector; a {@code label} column is skipped. */
    static final class Support extends ReadSupport<Rows> {
        private final Rows rows;

        Support(Rows rows) {
            this.rows = rows;
        }

        @Override
        public ReadContext init(InitContext context) {
            return new ReadContext(context.getFileSchema());
        }

        @Override
        public RecordMaterializer<Rows> prepareForRead(Configuration conf, Map<String, String> meta, MessageType schema,
                ReadContext context) {
            GroupConverter root = group(context.getRequestedSchema(), true);
            return new RecordMaterializer<>() {
                @Override
                public Rows getCurrentRecord() {
                    return rows;
                }

                @Override
                public GroupConverter getRootConverter() {
                    return root;
                }
            };
        }

        /** Converters mirroring the schema: works for the standard 3-level LIST and the legacy layouts. */
        private GroupConverter group(GroupType type, boolean root) {
            Converter[] children = new Converter[type.getFieldCount()];
            for (int i = 0; i < children.length; i++) {
                Type f = type.getType(i);
                children[i] = f.isPrimitive() ? primitive(f.asPrimitiveType()) : group(f.asGroupType(), false);
            }
            return new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return children[fieldIndex];
                }

                @Override
                public void start() {
                    if (root) {
                        rows.id = -1;
                        rows.n = 0;
                    }
                }

                @Override
                public void end() {}
            };
        }

        private PrimitiveConverter primitive(PrimitiveType t) {
            switch (t.getPrimitiveTypeName()) {
                case INT64:
                    if (!t.getName().equals("id")) {
                        return new PrimitiveConverter() { // the label column of a class-conditional run
                            @Override
                            public void addLong(long value) {}
                        };
                    }
                    return new PrimitiveConverter() {
                        @Override
                        public void addLong(long value) {
                            rows.id = value;
                        }
                    };
                case FLOAT: // --dtype float32
                    return new PrimitiveConverter() {
                        @Override
                        public void addFloat(float value) {
                            if (rows.n < rows.values.length) {
                                rows.values[rows.n] = value;
                            }
                            rows.n++;
                        }
                    };
                case DOUBLE:
                    return new PrimitiveConverter() {
                        @Override
                        public void addDouble(double value) {
                            if (rows.n < rows.values.length) {
                                rows.values[rows.n] = value;
                            }
                            rows.n++;
                        }
                    };
                default:
                    throw new IllegalStateException("unexpected column " + t + " in a samples table");
            }
        }
    }
}
