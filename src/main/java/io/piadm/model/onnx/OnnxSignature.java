package io.piadm.model.onnx;

import ai.onnx.proto.OnnxMl;
import io.piadm.config.InvalidSettingException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a network takes and returns, resolved from the model file's declared graph (the ONNX protobuf, read
 * before ONNX Runtime builds a session, so that an unsupported dtype is named instead of surfacing as a
 * missing kernel): the state input x [B, ...] (any rank; d is the product of the non-batch dimensions), the
 * time input t [B] or [B, 1] (float32/float16, or int32/int64 for a DDPM step index), an optional class
 * label input [B] (int64/int32), and the output [B, ...] with d values per row.
 *
 * <p>Names: given by {@code inputs=X:T[:LABEL]} and {@code output=NAME}, else recognised among
 * {@link #X_NAMES}, {@link #T_NAMES}, {@link #LABEL_NAMES} (the diffusers UNet names {@code sample},
 * {@code timestep}, {@code class_labels} included); the output is the only one, or the one named.
 * Every problem found goes into one message.
 */
public final class OnnxSignature implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final List<String> X_NAMES = List.of("x", "sample");
    public static final List<String> T_NAMES = List.of("t", "timestep", "timesteps");
    public static final List<String> LABEL_NAMES = List.of("class_labels", "y");

    /** Element types piadm may meet, with their NumPy spelling (messages say float64, not DOUBLE). */
    public enum ElemType {
        FLOAT32(1, "float32"), FLOAT16(10, "float16"), FLOAT64(11, "float64"), BFLOAT16(16, "bfloat16"),
        INT32(6, "int32"), INT64(7, "int64"), OTHER(-1, "other");

        final int onnx;
        final String numpy;

        ElemType(int onnx, String numpy) {
            this.onnx = onnx;
            this.numpy = numpy;
        }

        static ElemType of(int onnxType) {
            for (ElemType e : values()) {
                if (e.onnx == onnxType) {
                    return e;
                }
            }
            return OTHER;
        }

        static String name(int onnxType) {
            ElemType e = of(onnxType);
            if (e != OTHER) {
                return e.numpy;
            }
            OnnxMl.TensorProto.DataType dt = OnnxMl.TensorProto.DataType.forNumber(onnxType);
            return dt == null ? "type " + onnxType : dt.name().toLowerCase(Locale.ROOT);
        }

        public boolean isInteger() {
            return this == INT32 || this == INT64;
        }

        public String numpy() {
            return numpy;
        }
    }

    /** Names the user gave ({@code inputs=}, {@code output=}); null fields are recognised by default. */
    public static final class Names implements Serializable {
        private static final long serialVersionUID = 1L;
        final String x;
        final String t;
        final String label;
        final String output;

        public Names(String x, String t, String label, String output) {
            this.x = x;
            this.t = t;
            this.label = label;
            this.output = output;
        }

        static Names defaults() {
            return new Names(null, null, null, null);
        }
    }

    final String xName;
    final ElemType xType;
    /** Per-row shape of x (no batch axis), all positive. */
    final long[] rowShape;
    final String tName;
    final ElemType tType;
    final boolean tRank1;
    /** Null when the model takes no label. */
    final String labelName;
    final ElemType labelType;
    final String outName;
    final ElemType outType;
    final int d;

    private OnnxSignature(String xName, ElemType xType, long[] rowShape, String tName, ElemType tType,
            boolean tRank1, String labelName, ElemType labelType, String outName, ElemType outType, int d) {
        this.xName = xName;
        this.xType = xType;
        this.rowShape = rowShape;
        this.tName = tName;
        this.tType = tType;
        this.tRank1 = tRank1;
        this.labelName = labelName;
        this.labelType = labelType;
        this.outName = outName;
        this.outType = outType;
        this.d = d;
    }

    public int dim() {
        return d;
    }

    public String xName() {
        return xName;
    }

    public String tName() {
        return tName;
    }

    public ElemType tType() {
        return tType;
    }

    public String labelName() {
        return labelName;
    }

    public boolean hasLabel() {
        return labelName != null;
    }

    public String outName() {
        return outName;
    }

    /** Per-row shape of the state, e.g. [1, 8, 8] or [64]. */
    public long[] rowShape() {
        return rowShape.clone();
    }

    /** True when x has more than one non-batch axis (an image [C, H, W] or [H, W]). */
    public boolean imageShaped() {
        return rowShape.length >= 2;
    }

    /** For run.json: names, dtypes and shapes as resolved. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("x", io(xName, xType, "B", rowShape));
        m.put("t", io(tName, tType, tRank1 ? "[B]" : "[B, 1]", null));
        if (labelName != null) {
            m.put("label", io(labelName, labelType, "[B]", null));
        }
        m.put("output", io(outName, outType, "[B, ...]", null));
        return m;
    }

    private static Map<String, Object> io(String name, ElemType type, String shape, long[] row) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("dtype", type.numpy);
        if (row != null) {
            StringBuilder s = new StringBuilder("[B");
            for (long v : row) {
                s.append(", ").append(v);
            }
            m.put("shape", s.append(']').toString());
        } else {
            m.put("shape", shape);
        }
        return m;
    }

    /** A declared graph input or output. */
    private static final class Port {
        final String name;
        final int elemType; // ONNX DataType number, 0 when not a tensor
        /** Dims: value > 0, or -1 for a symbolic / unknown dimension; null when no shape is declared. */
        final long[] dims;

        Port(OnnxMl.ValueInfoProto v) {
            this.name = v.getName();
            if (v.hasType() && v.getType().hasTensorType()) {
                OnnxMl.TypeProto.Tensor tt = v.getType().getTensorType();
                this.elemType = tt.getElemType();
                if (tt.hasShape()) {
                    List<OnnxMl.TensorShapeProto.Dimension> ds = tt.getShape().getDimList();
                    dims = new long[ds.size()];
                    for (int i = 0; i < ds.size(); i++) {
                        dims[i] = ds.get(i).hasDimValue() && ds.get(i).getDimValue() > 0 ? ds.get(i).getDimValue() : -1;
                    }
                } else {
                    dims = null;
                }
            } else {
                this.elemType = 0;
                this.dims = null;
            }
        }

        String type() {
            return elemType == 0 ? "not a tensor" : ElemType.name(elemType);
        }

        String describe() {
            StringBuilder s = new StringBuilder("'").append(name).append("' ");
            if (dims == null) {
                s.append("[?]");
            } else {
                s.append('[');
                for (int i = 0; i < dims.length; i++) {
                    s.append(i > 0 ? ", " : "").append(dims[i] > 0 ? Long.toString(dims[i]) : (i == 0 ? "B" : "?"));
                }
                s.append(']');
            }
            return s.append(" (").append(type()).append(')').toString();
        }
    }

    private static String describe(List<Port> ports) {
        List<String> s = new ArrayList<>();
        for (Port p : ports) {
            s.add(p.describe());
        }
        return s.isEmpty() ? "none" : String.join(", ", s);
    }

    /**
     * Resolves the signature of {@code model}; {@code shape} is the {@code shape=} option (per-row dims) or
     * null, {@code expectedDim} the {@code d=} option or null. Throws one InvalidSettingException of the
     * model setting listing every problem.
     */
    static OnnxSignature resolve(String label, OnnxMl.ModelProto model, Names names, long[] shape, Integer expectedDim) {
        OnnxMl.GraphProto g = model.getGraph();
        Set<String> initializers = new HashSet<>();
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            initializers.add(t.getName());
        }
        List<Port> in = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : g.getInputList()) {
            if (!initializers.contains(v.getName())) { // IR < 4 lists weights among the inputs
                in.add(new Port(v));
            }
        }
        List<Port> out = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
            out.add(new Port(v));
        }
        String declared = "the model declares inputs " + describe(in) + " and outputs " + describe(out);
        List<String> problems = new ArrayList<>();

        Port x = pick(in, names.x, X_NAMES);
        Port t = pick(in, names.t, T_NAMES);
        Port y = pick(in, names.label, LABEL_NAMES);
        if (names.x != null && x == null) {
            problems.add("inputs= names '" + names.x + "' as the state input, but the model has no such input");
        }
        if (names.t != null && t == null) {
            problems.add("inputs= names '" + names.t + "' as the time input, but the model has no such input");
        }
        if (names.label != null && y == null) {
            problems.add("inputs= names '" + names.label + "' as the label input, but the model has no such input");
        }
        if ((x == null && names.x == null) || (t == null && names.t == null)) {
            problems.add("cannot find the " + (x == null ? "state input (" + String.join(" or ", X_NAMES) + ")" : "")
                    + (x == null && t == null ? " and the " : "")
                    + (t == null ? "time input (" + String.join(", ", T_NAMES) + ")" : "")
                    + ": name them with inputs=X:T[:LABEL]");
        }
        List<String> extra = new ArrayList<>();
        for (Port p : in) {
            if (x != null && t != null && p != x && p != t && p != y) {
                extra.add(p.describe());
            }
        }
        if (!extra.isEmpty()) {
            problems.add("input" + (extra.size() > 1 ? "s " : " ") + String.join(", ", extra) + " not recognised: the "
                    + "network may take a state, a time and optionally a class label (" + String.join(" or ", LABEL_NAMES)
                    + "), named with inputs=X:T[:LABEL] when they have other names");
        }

        // x: float32/float16, [B, ...]; d = product of the non-batch dims (static, or from shape=/d=).
        long[] rowShape = null;
        ElemType xType = null;
        if (x != null) {
            xType = ElemType.of(x.elemType);
            if (xType != ElemType.FLOAT32 && xType != ElemType.FLOAT16) {
                problems.add("input " + x.describe() + " has dtype " + x.type()
                        + ": only float32 and float16 networks are supported (export the model in float32)");
            }
            rowShape = rowShape(x, shape, expectedDim, problems);
        }
        ElemType tType = null;
        boolean tRank1 = true;
        if (t != null) {
            tType = ElemType.of(t.elemType);
            if (tType != ElemType.FLOAT32 && tType != ElemType.FLOAT16 && !tType.isInteger()) {
                problems.add("input " + t.describe() + " has dtype " + t.type()
                        + ": the time input must be float32, float16 (a continuous time) or int32, int64 (a DDPM step index)");
            }
            if (t.dims == null || t.dims.length < 1 || t.dims.length > 2 || t.dims[0] > 0
                    || (t.dims.length == 2 && t.dims[1] != 1)) {
                problems.add("input " + t.describe() + " must have shape [B] or [B, 1] with B dynamic (one time per row;"
                        + " export with dynamic_axes on the batch axis)");
            } else {
                tRank1 = t.dims.length == 1;
            }
        }
        ElemType yType = null;
        if (y != null) {
            yType = ElemType.of(y.elemType);
            if (!yType.isInteger()) {
                problems.add("label input " + y.describe() + " has dtype " + y.type() + ": class labels must be int64 or int32");
            }
            if (y.dims == null || y.dims.length != 1 || y.dims[0] > 0) {
                problems.add("label input " + y.describe() + " must have shape [B] with B dynamic");
            }
        }

        Port o = null;
        if (names.output != null) {
            for (Port p : out) {
                if (p.name.equals(names.output)) {
                    o = p;
                }
            }
            if (o == null) {
                problems.add("output=" + names.output + " names no output of the model");
            }
        } else if (out.size() == 1) {
            o = out.get(0);
        } else {
            problems.add("the model has " + out.size() + " outputs: choose the prediction with output=NAME");
        }
        ElemType oType = null;
        if (o != null) {
            oType = ElemType.of(o.elemType);
            if (oType != ElemType.FLOAT32 && oType != ElemType.FLOAT16) {
                problems.add("output " + o.describe() + " has dtype " + o.type()
                        + ": only float32 and float16 networks are supported (export the model in float32)");
            }
            if (o.dims != null && (o.dims.length < 2 || o.dims[0] > 0)) {
                problems.add("output " + o.describe() + " must have shape [B, ...] with B dynamic");
            } else if (o.dims != null && rowShape != null) {
                long prod = 1;
                boolean known = true;
                for (int i = 1; i < o.dims.length; i++) {
                    known &= o.dims[i] > 0;
                    prod *= Math.max(1, o.dims[i]);
                }
                if (known && prod != product(rowShape)) {
                    problems.add("output " + o.describe() + " has " + prod + " values per row but the state has d = "
                            + product(rowShape));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw InvalidSettingException.model(label + ": " + String.join("; ", problems) + " (" + declared + ")");
        }
        long d = product(rowShape);
        return new OnnxSignature(x.name, xType, rowShape, t.name, tType, tRank1, y == null ? null : y.name, yType,
                o.name, oType, (int) d);
    }

    private static Port pick(List<Port> in, String given, List<String> defaults) {
        if (given != null) {
            for (Port p : in) {
                if (p.name.equals(given)) {
                    return p;
                }
            }
            return null;
        }
        for (String n : defaults) {
            for (Port p : in) {
                if (p.name.equals(n)) {
                    return p;
                }
            }
        }
        return null;
    }

    private static long[] rowShape(Port x, long[] shape, Integer expectedDim, List<String> problems) {
        if (x.dims == null || x.dims.length < 2) {
            problems.add("input " + x.describe() + " must have shape [B, ...] (a batch axis, then the state's dims)");
            return null;
        }
        if (x.dims[0] > 0) {
            problems.add("input " + x.describe() + " has a static batch axis (" + x.dims[0]
                    + "): export with dynamic_axes on axis 0");
            return null;
        }
        int rank = x.dims.length - 1;
        long[] row = new long[rank];
        boolean dynamic = false;
        for (int i = 0; i < rank; i++) {
            row[i] = x.dims[i + 1];
            dynamic |= row[i] <= 0;
        }
        if (shape != null) {
            if (shape.length != rank) {
                problems.add("shape=" + shapeText(shape) + " has " + shape.length + " dims but input " + x.describe()
                        + " has " + rank + " after the batch axis");
                return null;
            }
            for (int i = 0; i < rank; i++) {
                if (row[i] > 0 && row[i] != shape[i]) {
                    problems.add("shape=" + shapeText(shape) + " disagrees with input " + x.describe());
                    return null;
                }
            }
            row = shape.clone();
        } else if (dynamic) {
            if (rank == 1 && expectedDim != null) {
                row[0] = expectedDim;
            } else {
                problems.add("input " + x.describe() + " leaves " + (rank == 1 ? "d" : "its shape")
                        + " dynamic: give it as " + (rank == 1 ? "d=N" : "shape=" + String.join("x",
                        java.util.Collections.nCopies(rank, "N"))));
                return null;
            }
        }
        long d = product(row);
        if (d > io.piadm.model.ModelSpecs.MAX_DIM) {
            problems.add("input " + x.describe() + " has d = " + d + " values per row, more than "
                    + io.piadm.model.ModelSpecs.MAX_DIM);
            return null;
        }
        if (expectedDim != null && d != expectedDim) {
            problems.add("d=" + expectedDim + " but input " + x.describe() + " has d = " + d + " values per row");
            return null;
        }
        return row;
    }

    static long product(long[] s) {
        long p = 1;
        for (long v : s) {
            p *= v;
        }
        return p;
    }

    static String shapeText(long[] s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length; i++) {
            b.append(i > 0 ? "x" : "").append(s[i]);
        }
        return b.toString();
    }
}
