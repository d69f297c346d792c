package io.piadm.model.onnx;

import ai.onnx.proto.OnnxMl;
import org.tribuo.util.onnx.ONNXOperators;

import java.util.Map;

/** Wraps a graph built with Tribuo's ONNX writer into a model file (opset 13, IR version 7). */
public final class OnnxGraphs {
    /** ONNX IR version that goes with opset 13. */
    public static final long IR_VERSION = 7;

    private OnnxGraphs() {}

    /** Serialised {@code ModelProto} with the given metadata properties (e.g. param, time). */
    public static byte[] modelBytes(OnnxMl.GraphProto graph, String docString, Map<String, String> metadata) {
        OnnxMl.ModelProto.Builder b = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("piadm-spark")
                .setProducerVersion("0.1.0")
                .setGraph(graph);
        if (docString != null) {
            b.setDocString(docString);
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            b.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return b.build().toByteArray();
    }

    /**
     * Rewrites graph input {@code name} to a rank-1 float tensor {@code [batch]} (Tribuo's
     * {@code floatInput} always declares {@code [batch, k]}); the graph must then consume it through an
     * Unsqueeze so the nodes still see {@code [batch, 1]}.
     */
    public static OnnxMl.GraphProto withRank1Input(OnnxMl.GraphProto graph, String name) {
        OnnxMl.GraphProto.Builder gb = graph.toBuilder();
        for (int i = 0; i < gb.getInputCount(); i++) {
            if (gb.getInput(i).getName().equals(name)) {
                OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                        .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                        .build();
                OnnxMl.TypeProto type = OnnxMl.TypeProto.newBuilder().setTensorType(
                        OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                                .setShape(shape)).build();
                gb.setInput(i, gb.getInput(i).toBuilder().setType(type));
                return gb.build();
            }
        }
        throw new IllegalArgumentException("graph has no input named '" + name + "'");
    }
}
