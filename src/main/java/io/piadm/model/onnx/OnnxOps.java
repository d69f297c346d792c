package io.piadm.model.onnx;

import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;

import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * Element-wise ONNX operators (opset 13, default domain) missing from Tribuo's {@code ONNXOperators}
 * enum, which has Gemm/Add/Mul/Sigmoid but no Exp, Log, Sin, Cos, Tanh or Sqrt (PLATFORM-NOTES.md).
 */
public enum OnnxOps implements ONNXOperator {
    EXP("Exp"),
    LOG("Log"),
    SIN("Sin"),
    COS("Cos"),
    TANH("Tanh"),
    SQRT("Sqrt");

    private final String opName;

    OnnxOps(String opName) {
        this.opName = opName;
    }

    @Override
    public String getOpName() {
        return opName;
    }

    @Override
    public int getNumInputs() {
        return 1;
    }

    @Override
    public int getNumOptionalInputs() {
        return 0;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
        return Collections.emptyMap();
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
        return Collections.emptySet();
    }

    @Override
    public int getOpVersion() {
        return 13;
    }

    /** Null: the default ONNX domain (Tribuo sets a node's domain only when this is non-null). */
    @Override
    public String getOpDomain() {
        return null;
    }
}
